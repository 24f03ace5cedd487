// weft::sim::counting_semaphore and binary_semaphore: std's semaphores under weft's scheduler.
// release() wakes the waiters, who compete for the permits again (std promises no order), and
// timed acquisitions wait on the virtual clock. A release past max() is undefined behaviour in
// std: the execution ends saying so.
#pragma once
#include <chrono>
#include <cstddef>
#include <limits>

#include "weft/detail/primitive.hpp"
#include "weft/sim/chrono.hpp"
#include "weft/source_location.hpp"

namespace weft::sim {

namespace detail {

class SemaphoreState {
 public:
  SemaphoreState(std::ptrdiff_t count, std::ptrdiff_t max, SourceLocation created) noexcept
      : count_(count), max_(max) {
    weft::detail::record_creation(tag_, created);
  }
  SemaphoreState(const SemaphoreState&) = delete;
  SemaphoreState& operator=(const SemaphoreState&) = delete;

  void release(std::ptrdiff_t update, SourceLocation where);
  // deadline: null waits for ever; with try_only, never waits.
  bool acquire(const Instant* deadline, bool try_only, SourceLocation where);

 private:
  std::ptrdiff_t count_;
  std::ptrdiff_t max_;
  weft::detail::ObjectTag tag_;
  weft::detail::WaitQueue waiters_;
};

}  // namespace detail

template <std::ptrdiff_t LeastMaxValue = std::numeric_limits<std::ptrdiff_t>::max()>
class counting_semaphore {
 public:
  static constexpr std::ptrdiff_t max() noexcept { return LeastMaxValue; }

  // The constructor's location names it in reports.
  constexpr explicit counting_semaphore(std::ptrdiff_t desired,
                                        SourceLocation created = SourceLocation::current())
      : state_(desired, LeastMaxValue, created) {}
  counting_semaphore(const counting_semaphore&) = delete;
  counting_semaphore& operator=(const counting_semaphore&) = delete;

  void release(std::ptrdiff_t update = 1, SourceLocation where = SourceLocation::current()) {
    state_.release(update, where);
  }
  void acquire(SourceLocation where = SourceLocation::current()) {
    state_.acquire(nullptr, false, where);
  }
  bool try_acquire(SourceLocation where = SourceLocation::current()) {
    return state_.acquire(nullptr, true, where);
  }
  template <class Rep, class Period>
  bool try_acquire_for(const std::chrono::duration<Rep, Period>& timeout,
                       SourceLocation where = SourceLocation::current()) {
    const Instant deadline = saturating_add(detail::virtual_now(), detail::to_duration(timeout));
    return state_.acquire(&deadline, false, where);
  }
  template <class Clock, class Dur>
  bool try_acquire_until(const std::chrono::time_point<Clock, Dur>& t,
                         SourceLocation where = SourceLocation::current()) {
    const Instant deadline = detail::to_instant(t);
    return state_.acquire(&deadline, false, where);
  }

 private:
  detail::SemaphoreState state_;
};

using binary_semaphore = counting_semaphore<1>;

}  // namespace weft::sim
