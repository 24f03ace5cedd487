// weft::sim::barrier: std::barrier under weft's scheduler. The phase completes when the expected
// number of threads arrived: the last one to arrive runs the completion function, then every
// waiter of the phase is released and the count starts over (less the dropped threads).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <utility>

#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft::sim {

namespace detail {

struct no_completion {
  void operator()() noexcept {}
};

// The part of barrier that does not depend on the completion function.
class BarrierState {
 public:
  BarrierState(std::ptrdiff_t expected, SourceLocation created) noexcept
      : expected_(expected), remaining_(expected) {
    weft::detail::record_creation(tag_, created);
  }
  BarrierState(const BarrierState&) = delete;
  BarrierState& operator=(const BarrierState&) = delete;

  // Arrives n times; returns the phase arrived at and whether this arrival completed it.
  std::pair<std::uint64_t, bool> arrive(std::ptrdiff_t n, bool drop, SourceLocation where);
  // After the completion ran: the next phase starts and the phase's waiters go.
  void complete_phase(SourceLocation where) noexcept;
  void wait_phase(std::uint64_t phase, SourceLocation where) const;

 private:
  std::ptrdiff_t expected_;
  std::ptrdiff_t remaining_;
  std::uint64_t phase_ = 0;
  mutable weft::detail::ObjectTag tag_;
  mutable weft::detail::WaitQueue waiters_;
};

}  // namespace detail

template <class CompletionFunction = detail::no_completion>
class barrier {
 public:
  // What arrive() returns and wait() consumes: the phase it belongs to.
  class arrival_token {
   public:
    arrival_token(arrival_token&&) noexcept = default;
    arrival_token& operator=(arrival_token&&) noexcept = default;

   private:
    friend class barrier;
    explicit arrival_token(std::uint64_t phase) noexcept : phase_(phase) {}
    std::uint64_t phase_;
  };

  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::ptrdiff_t>::max();
  }
  // The constructor's location names it in reports.
  explicit barrier(std::ptrdiff_t expected, CompletionFunction f = CompletionFunction(),
                   SourceLocation created = SourceLocation::current())
      : state_(expected, created), completion_(std::move(f)) {}
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;

  [[nodiscard]] arrival_token arrive(std::ptrdiff_t n = 1,
                                     SourceLocation where = SourceLocation::current()) {
    return arrival_token(arrive_as(n, false, where));
  }
  void wait(arrival_token&& token, SourceLocation where = SourceLocation::current()) const {
    state_.wait_phase(token.phase_, where);
  }
  void arrive_and_wait(SourceLocation where = SourceLocation::current()) {
    state_.wait_phase(arrive_as(1, false, where), where);
  }
  void arrive_and_drop(SourceLocation where = SourceLocation::current()) {
    (void)arrive_as(1, true, where);
  }

 private:
  std::uint64_t arrive_as(std::ptrdiff_t n, bool drop, SourceLocation where) {
    auto [phase, completes] = state_.arrive(n, drop, where);
    if (completes) {
      completion_();
      state_.complete_phase(where);
    }
    return phase;
  }

  detail::BarrierState state_;
  CompletionFunction completion_;
};

}  // namespace weft::sim
