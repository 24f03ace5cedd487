// weft::sim::atomic: std::atomic, std::atomic_flag and the fences under weft's scheduler. Every
// operation is a scheduling point, so the exploration interleaves threads between any two
// accesses; compare_exchange_weak may fail spuriously (a decision within the runtime's budget);
// wait blocks the thread until a notify finds the value changed.
//
// Executions are sequentially consistent: memory_order arguments are accepted and ignored
// (weaker orderings are not modelled, so a bug that needs reordering is not found). What differs
// from std: ++, --, assignment and the conversion cannot take the caller's source location, so
// their events carry none (compound assignments do); volatile overloads and the free functions
// (std::atomic_load, ...) are left out. Outside a runtime task the operations act at once.
#pragma once
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft::sim {

using std::kill_dependency;
using std::memory_order;
using std::memory_order_acq_rel;
using std::memory_order_acquire;
using std::memory_order_consume;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;

namespace detail {

// The part of every atomic that does not depend on T: identity, events, waiting and notifying.
class AtomicCore {
 public:
  // Only where it was created (std's constructors take no name): once, no cost per operation.
  constexpr explicit AtomicCore(SourceLocation created) noexcept {
    weft::detail::record_creation(tag_, created);
  }
  AtomicCore(const AtomicCore&) = delete;
  AtomicCore& operator=(const AtomicCore&) = delete;

 protected:
  // A scheduling point before op (none outside a task); never throws a cancellation (atomics
  // are used in destructors).
  weft::detail::OpSite enter(Op op, SourceLocation where) const {
    weft::detail::NoCancelScope no_cancel;
    return weft::detail::enter_op(tag_, ObjectKind::atomic, op, where);
  }
  static void done(const weft::detail::OpSite& site, Op op, std::int64_t value,
                   SourceLocation where, std::string_view outcome = {}) noexcept {
    weft::detail::emit_done(site, op, ObjectKind::atomic, value, where, outcome);
  }
  // Whether a compare_exchange_weak that would succeed fails spuriously.
  static bool spurious_failure(const weft::detail::OpSite& site);
  // Blocks while unchanged() holds (a scheduling point first). Outside a task an unchanged value
  // could never change: RuntimeError.
  template <class Unchanged>
  void wait_while(Unchanged unchanged, SourceLocation where) const {
    const weft::detail::OpSite site = weft::detail::enter_blocking_op(
        "weft::sim::atomic::wait", tag_, ObjectKind::atomic, Op::wait, where);
    weft::detail::wait_until(
        site, waiters_,
        weft::detail::WaitInfo{Op::wait, ObjectKind::atomic, site.id, kNoTask, where},
        [&] { return !unchanged(); });
    done(site, Op::wait, 0, where);
  }
  void notify(bool all, SourceLocation where);

 private:
  // Mutable: loads are const in std, and still get an id and a scheduling point.
  mutable weft::detail::ObjectTag tag_;
  mutable weft::detail::WaitQueue waiters_;
};

template <class T>
constexpr std::int64_t reported(const T& value) noexcept {
  return weft::detail::event_value(value);
}

// Equality as compare_exchange defines it: the value representations.
template <class T>
bool same_bits(const T& a, const T& b) noexcept {
  if constexpr (std::is_integral_v<T> || std::is_pointer_v<T> || std::is_enum_v<T>)
    return a == b;
  else
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T>
concept arithmetic_atomic = (std::integral<T> && !std::same_as<T, bool>) || std::floating_point<T>;

}  // namespace detail

// T: trivially copyable (as std::atomic requires). Integral types other than bool get the
// arithmetic and bitwise operations, floating-point types fetch_add/fetch_sub, pointers the
// pointer arithmetic.
template <class T>
class atomic : detail::AtomicCore {
  static_assert(std::is_trivially_copyable_v<T>, "std::atomic<T> requires a trivially copyable T");
  using Diff = std::conditional_t<std::is_pointer_v<T>, std::ptrdiff_t, T>;
  static constexpr bool arithmetic = detail::arithmetic_atomic<T> || std::is_pointer_v<T>;
  static constexpr bool bitwise = std::integral<T> && !std::same_as<T, bool>;
  static constexpr memory_order kSeqCst = memory_order_seq_cst;

 public:
  using value_type = T;
  using difference_type = Diff;
  static constexpr bool is_always_lock_free = std::atomic<T>::is_always_lock_free;

  // The constructor's location names the atomic in reports ("atomic #3 (created at f.cpp:9)").
  constexpr atomic(SourceLocation created = SourceLocation::current()) noexcept(
      std::is_nothrow_default_constructible_v<T>)
      : AtomicCore(created), value_() {}
  constexpr atomic(T desired, SourceLocation created = SourceLocation::current()) noexcept
      : AtomicCore(created), value_(desired) {}
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  bool is_lock_free() const noexcept { return is_always_lock_free; }

  T load(memory_order = kSeqCst, SourceLocation where = SourceLocation::current()) const {
    auto site = enter(Op::load, where);
    done(site, Op::load, detail::reported(value_), where);
    return value_;
  }
  void store(T desired, memory_order = kSeqCst, SourceLocation where = SourceLocation::current()) {
    auto site = enter(Op::store, where);
    if (!detail::same_bits(value_, desired)) weft::detail::note_progress(site);
    value_ = desired;
    done(site, Op::store, detail::reported(value_), where);
  }
  operator T() const { return load(kSeqCst, SourceLocation{}); }
  // A Located<T> parameter here would be ambiguous with the deleted copy assignment (both
  // convert the value through a constructor), so assignment carries no location either.
  T operator=(T desired) {
    store(desired, kSeqCst, SourceLocation{});
    return desired;
  }
  T exchange(T desired, memory_order = kSeqCst, SourceLocation where = SourceLocation::current()) {
    return rmw([&](T) { return desired; }, where);
  }

  // On failure `expected` receives the current value. The weak form may also fail when the
  // values are equal: a decision of the exploration (DecisionKind::spurious), within a budget.
  bool compare_exchange_weak(T& expected, T desired, memory_order, memory_order,
                             SourceLocation where = SourceLocation::current()) {
    return cas(expected, desired, true, where);
  }
  bool compare_exchange_weak(T& expected, T desired, memory_order = kSeqCst,
                             SourceLocation where = SourceLocation::current()) {
    return cas(expected, desired, true, where);
  }
  bool compare_exchange_strong(T& expected, T desired, memory_order, memory_order,
                               SourceLocation where = SourceLocation::current()) {
    return cas(expected, desired, false, where);
  }
  bool compare_exchange_strong(T& expected, T desired, memory_order = kSeqCst,
                               SourceLocation where = SourceLocation::current()) {
    return cas(expected, desired, false, where);
  }

  // Blocks while the value equals old; returns once a notify finds it changed (or at once when
  // it already differs). A value changed without a notify leaves the waiter blocked, as in std.
  void wait(T old, memory_order = kSeqCst, SourceLocation where = SourceLocation::current()) const {
    wait_while([&] { return detail::same_bits(value_, old); }, where);
  }
  void notify_one(SourceLocation where = SourceLocation::current()) { notify(false, where); }
  void notify_all(SourceLocation where = SourceLocation::current()) { notify(true, where); }

  // Read-modify-write operations return the previous value.
  T fetch_add(Diff arg, memory_order = kSeqCst,
              SourceLocation where = SourceLocation::current()) requires arithmetic {
    return rmw([&](T v) { return static_cast<T>(v + arg); }, where);
  }
  T fetch_sub(Diff arg, memory_order = kSeqCst,
              SourceLocation where = SourceLocation::current()) requires arithmetic {
    return rmw([&](T v) { return static_cast<T>(v - arg); }, where);
  }
  T fetch_and(T arg, memory_order = kSeqCst,
              SourceLocation where = SourceLocation::current()) requires bitwise {
    return rmw([&](T v) { return static_cast<T>(v & arg); }, where);
  }
  T fetch_or(T arg, memory_order = kSeqCst,
             SourceLocation where = SourceLocation::current()) requires bitwise {
    return rmw([&](T v) { return static_cast<T>(v | arg); }, where);
  }
  T fetch_xor(T arg, memory_order = kSeqCst,
              SourceLocation where = SourceLocation::current()) requires bitwise {
    return rmw([&](T v) { return static_cast<T>(v ^ arg); }, where);
  }

  T operator++() requires(arithmetic && !std::floating_point<T>) {
    return static_cast<T>(fetch_add(1, kSeqCst, SourceLocation{}) + 1);
  }
  T operator++(int) requires(arithmetic && !std::floating_point<T>) {
    return fetch_add(1, kSeqCst, SourceLocation{});
  }
  T operator--() requires(arithmetic && !std::floating_point<T>) {
    return static_cast<T>(fetch_sub(1, kSeqCst, SourceLocation{}) - 1);
  }
  T operator--(int) requires(arithmetic && !std::floating_point<T>) {
    return fetch_sub(1, kSeqCst, SourceLocation{});
  }
  T operator+=(Located<Diff> arg) requires arithmetic {
    return static_cast<T>(fetch_add(arg.value, kSeqCst, arg.where) + arg.value);
  }
  T operator-=(Located<Diff> arg) requires arithmetic {
    return static_cast<T>(fetch_sub(arg.value, kSeqCst, arg.where) - arg.value);
  }
  T operator&=(Located<T> arg) requires bitwise {
    return static_cast<T>(fetch_and(arg.value, kSeqCst, arg.where) & arg.value);
  }
  T operator|=(Located<T> arg) requires bitwise {
    return static_cast<T>(fetch_or(arg.value, kSeqCst, arg.where) | arg.value);
  }
  T operator^=(Located<T> arg) requires bitwise {
    return static_cast<T>(fetch_xor(arg.value, kSeqCst, arg.where) ^ arg.value);
  }

 private:
  template <class F>
  T rmw(F f, SourceLocation where) {
    auto site = enter(Op::rmw, where);
    const T old = value_;
    value_ = f(old);
    if (!detail::same_bits(old, value_)) weft::detail::note_progress(site);
    done(site, Op::rmw, detail::reported(value_), where);
    return old;
  }
  bool cas(T& expected, T desired, bool weak, SourceLocation where) {
    auto site = enter(Op::rmw, where);
    const bool equal = detail::same_bits(value_, expected);
    const bool swapped = equal && !(weak && spurious_failure(site));
    if (swapped) {
      if (!detail::same_bits(value_, desired)) weft::detail::note_progress(site);
      value_ = desired;
    } else {
      expected = value_;
    }
    done(site, Op::rmw, detail::reported(value_), where,
         swapped ? std::string_view{}
         : equal ? "spurious"
                 : "failed");
    return swapped;
  }

  T value_;
};

// std::atomic_flag: clear when default-constructed (C++20).
class atomic_flag : detail::AtomicCore {
 public:
  constexpr atomic_flag(SourceLocation created = SourceLocation::current()) noexcept
      : AtomicCore(created) {}
  atomic_flag(const atomic_flag&) = delete;
  atomic_flag& operator=(const atomic_flag&) = delete;

  bool test_and_set(memory_order = memory_order_seq_cst,
                    SourceLocation where = SourceLocation::current()) {
    auto site = enter(Op::rmw, where);
    const bool old = set_;
    set_ = true;
    done(site, Op::rmw, 1, where);
    return old;
  }
  void clear(memory_order = memory_order_seq_cst,
             SourceLocation where = SourceLocation::current()) {
    auto site = enter(Op::store, where);
    set_ = false;
    done(site, Op::store, 0, where);
  }
  bool test(memory_order = memory_order_seq_cst,
            SourceLocation where = SourceLocation::current()) const {
    auto site = enter(Op::load, where);
    done(site, Op::load, set_ ? 1 : 0, where);
    return set_;
  }
  void wait(bool old, memory_order = memory_order_seq_cst,
            SourceLocation where = SourceLocation::current()) const {
    wait_while([&] { return set_ == old; }, where);
  }
  void notify_one(SourceLocation where = SourceLocation::current()) { notify(false, where); }
  void notify_all(SourceLocation where = SourceLocation::current()) { notify(true, where); }

 private:
  bool set_ = false;
};

// Fences order nothing more in a sequentially consistent execution; the thread fence is still a
// scheduling point, as every operation is.
void atomic_thread_fence(memory_order order, SourceLocation where = SourceLocation::current());
inline void atomic_signal_fence(memory_order) noexcept {}

using atomic_bool = atomic<bool>;
using atomic_char = atomic<char>;
using atomic_schar = atomic<signed char>;
using atomic_uchar = atomic<unsigned char>;
using atomic_short = atomic<short>;
using atomic_ushort = atomic<unsigned short>;
using atomic_int = atomic<int>;
using atomic_uint = atomic<unsigned int>;
using atomic_long = atomic<long>;
using atomic_ulong = atomic<unsigned long>;
using atomic_llong = atomic<long long>;
using atomic_ullong = atomic<unsigned long long>;
using atomic_char8_t = atomic<char8_t>;
using atomic_char16_t = atomic<char16_t>;
using atomic_char32_t = atomic<char32_t>;
using atomic_wchar_t = atomic<wchar_t>;
using atomic_int8_t = atomic<std::int8_t>;
using atomic_uint8_t = atomic<std::uint8_t>;
using atomic_int16_t = atomic<std::int16_t>;
using atomic_uint16_t = atomic<std::uint16_t>;
using atomic_int32_t = atomic<std::int32_t>;
using atomic_uint32_t = atomic<std::uint32_t>;
using atomic_int64_t = atomic<std::int64_t>;
using atomic_uint64_t = atomic<std::uint64_t>;
using atomic_size_t = atomic<std::size_t>;
using atomic_ptrdiff_t = atomic<std::ptrdiff_t>;
using atomic_intptr_t = atomic<std::intptr_t>;
using atomic_uintptr_t = atomic<std::uintptr_t>;
using atomic_signed_lock_free = atomic<std::int64_t>;
using atomic_unsigned_lock_free = atomic<std::uint64_t>;

}  // namespace weft::sim
