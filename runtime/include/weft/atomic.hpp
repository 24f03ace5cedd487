// weft::Atomic<T>: an atomic variable whose every access is a scheduling point, so plain shared
// state can be modelled and the exploration can interleave tasks between any two accesses.
#pragma once
#include <atomic>
#include <concepts>
#include <string_view>
#include <type_traits>

#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft {

// T: an integral type, bool or a pointer. Executions are sequentially consistent: the
// memory_order arguments exist so that std::atomic code compiles unchanged, and are ignored
// (weaker orderings are not modelled). Events: Op::load (value loaded), Op::store (value
// stored), Op::rmw (value after the operation; for a failed compare_exchange the value read).
// Pointer values are reported as 0 so traces never depend on addresses. Outside a task the
// operations act at once without a scheduling point (e.g. checking a total after block_on).
template <class T>
requires std::integral<T> || std::is_pointer_v<T>
class Atomic {
  using Diff = std::conditional_t<std::is_pointer_v<T>, std::ptrdiff_t, T>;

 public:
  // The construction site (and a name, if given) identify it in reports: recorded once, no cost
  // per operation.
  constexpr Atomic(SourceLocation created = SourceLocation::current()) noexcept : value_() {
    detail::record_creation(tag_, created);
  }
  constexpr explicit Atomic(T value, SourceLocation created = SourceLocation::current()) noexcept
      : value_(value) {
    detail::record_creation(tag_, created);
  }
  // Named, as tasks are: reports call it "atomic 'hits' #4".
  Atomic(T value, std::string_view name, SourceLocation created = SourceLocation::current())
      : value_(value) {
    detail::describe_object(tag_, created, name);
  }
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(std::memory_order = std::memory_order_seq_cst,
         SourceLocation where = SourceLocation::current()) {
    auto site = enter(Op::load, where);
    done(site, Op::load, value_, where);
    return value_;
  }
  void store(T value, std::memory_order = std::memory_order_seq_cst,
             SourceLocation where = SourceLocation::current()) {
    auto site = enter(Op::store, where);
    const bool changed = !(value_ == value);
    value_ = value;
    if (changed) detail::note_progress(site);
    done(site, Op::store, value_, where);
  }
  T exchange(T value, std::memory_order = std::memory_order_seq_cst,
             SourceLocation where = SourceLocation::current()) {
    auto site = enter(Op::rmw, where);
    T old = value_;
    value_ = value;
    if (!(old == value_)) detail::note_progress(site);
    done(site, Op::rmw, value_, where);
    return old;
  }
  // Like std::atomic's strong compare_exchange: on failure `expected` receives the current value.
  bool compare_exchange(T& expected, T desired, std::memory_order = std::memory_order_seq_cst,
                        SourceLocation where = SourceLocation::current()) {
    auto site = enter(Op::rmw, where);
    const bool swapped = value_ == expected;
    if (swapped) {
      if (!(value_ == desired)) detail::note_progress(site);
      value_ = desired;
    } else {
      expected = value_;
    }
    done(site, Op::rmw, value_, where);
    return swapped;
  }
  // Weak compare_exchange never fails spuriously here (no spurious failure is modelled).
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order order = std::memory_order_seq_cst,
                             SourceLocation where = SourceLocation::current()) {
    return compare_exchange(expected, desired, order, where);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst,
                               SourceLocation where = SourceLocation::current()) {
    return compare_exchange(expected, desired, order, where);
  }

  // Read-modify-write operations return the previous value, like std::atomic.
  T fetch_add(Diff arg, std::memory_order = std::memory_order_seq_cst,
              SourceLocation where = SourceLocation::current()) requires(!std::same_as<T, bool>) {
    return rmw([arg](T v) { return static_cast<T>(v + arg); }, where);
  }
  T fetch_sub(Diff arg, std::memory_order = std::memory_order_seq_cst,
              SourceLocation where = SourceLocation::current()) requires(!std::same_as<T, bool>) {
    return rmw([arg](T v) { return static_cast<T>(v - arg); }, where);
  }
  T fetch_and(T arg, std::memory_order = std::memory_order_seq_cst,
              SourceLocation where = SourceLocation::current()) requires std::integral<T> {
    return rmw([arg](T v) { return static_cast<T>(v & arg); }, where);
  }
  T fetch_or(T arg, std::memory_order = std::memory_order_seq_cst,
             SourceLocation where = SourceLocation::current()) requires std::integral<T> {
    return rmw([arg](T v) { return static_cast<T>(v | arg); }, where);
  }
  T fetch_xor(T arg, std::memory_order = std::memory_order_seq_cst,
              SourceLocation where = SourceLocation::current()) requires std::integral<T> {
    return rmw([arg](T v) { return static_cast<T>(v ^ arg); }, where);
  }
  T fetch_max(T arg, std::memory_order = std::memory_order_seq_cst,
              SourceLocation where = SourceLocation::current()) requires std::integral<T> {
    return rmw([arg](T v) { return v < arg ? arg : v; }, where);
  }
  T fetch_min(T arg, std::memory_order = std::memory_order_seq_cst,
              SourceLocation where = SourceLocation::current()) requires std::integral<T> {
    return rmw([arg](T v) { return arg < v ? arg : v; }, where);
  }

  // std::atomic's operators, each one operation as above. Assignment and compound assignment
  // report the caller's line (Located); ++, -- and the conversion cannot take a location, so
  // their events and scheduling points carry none.
  operator T() { return load(std::memory_order_seq_cst, SourceLocation{}); }
  T operator=(Located<T> desired) {
    store(desired.value, std::memory_order_seq_cst, desired.where);
    return desired.value;
  }
  T operator++() requires(!std::same_as<T, bool>) {
    return static_cast<T>(fetch_add(1, kSeqCst, SourceLocation{}) + 1);
  }
  T operator++(int) requires(!std::same_as<T, bool>) {
    return fetch_add(1, kSeqCst, SourceLocation{});
  }
  T operator--() requires(!std::same_as<T, bool>) {
    return static_cast<T>(fetch_sub(1, kSeqCst, SourceLocation{}) - 1);
  }
  T operator--(int) requires(!std::same_as<T, bool>) {
    return fetch_sub(1, kSeqCst, SourceLocation{});
  }
  T operator+=(Located<Diff> arg) requires(!std::same_as<T, bool>) {
    return static_cast<T>(fetch_add(arg.value, kSeqCst, arg.where) + arg.value);
  }
  T operator-=(Located<Diff> arg) requires(!std::same_as<T, bool>) {
    return static_cast<T>(fetch_sub(arg.value, kSeqCst, arg.where) - arg.value);
  }
  T operator&=(Located<T> arg) requires std::integral<T> {
    return static_cast<T>(fetch_and(arg.value, kSeqCst, arg.where) & arg.value);
  }
  T operator|=(Located<T> arg) requires std::integral<T> {
    return static_cast<T>(fetch_or(arg.value, kSeqCst, arg.where) | arg.value);
  }
  T operator^=(Located<T> arg) requires std::integral<T> {
    return static_cast<T>(fetch_xor(arg.value, kSeqCst, arg.where) ^ arg.value);
  }

  // Direct access without a scheduling point. Precondition: no other task can touch the value.
  T& get_mut() noexcept { return value_; }

 private:
  static constexpr std::memory_order kSeqCst = std::memory_order_seq_cst;
  detail::OpSite enter(Op op, SourceLocation where) {
    return detail::enter_op(tag_, ObjectKind::atomic, op, where);
  }
  static void done(const detail::OpSite& site, Op op, T value, SourceLocation where) {
    std::int64_t reported = 0;
    if constexpr (!std::is_pointer_v<T>) reported = static_cast<std::int64_t>(value);
    detail::emit_done(site, op, ObjectKind::atomic, reported, where);
  }
  template <class F>
  T rmw(F f, SourceLocation where) {
    auto site = enter(Op::rmw, where);
    T old = value_;
    value_ = f(old);
    if (!(old == value_)) detail::note_progress(site);
    done(site, Op::rmw, value_, where);
    return old;
  }

  detail::ObjectTag tag_;
  T value_;
};

}  // namespace weft
