// Long-poll timing: how long a task's step held its thread, in wall time.
#pragma once
#include <time.h>

#include <cstdint>

#include "weft/source_location.hpp"

namespace weft::detail {

// Long-poll timing's clock: the runtime's only wall-clock read, never used for a decision. The
// coarse clock costs a few nanoseconds where steady_clock costs tens; its resolution (a few ms)
// is far below any useful threshold.
inline std::int64_t coarse_wall_clock_ns() noexcept {
  timespec ts{};
#ifdef CLOCK_MONOTONIC_COARSE
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
#endif
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Times the running task's step for the long-poll detector (ExplorationHooks::long_poll). A step's
// wall time runs from the task's resumption (start_step) to the end of its step, less the time the
// chooser (strategy, recording) and the observers (detectors) took meanwhile (exclude_since):
// only the user's code is timed. Off (threshold 0) unless the detector asked for it, and then
// every method but on() is on the scheduler's unlikely path.
class LongPollClock {
 public:
  void enable(std::int64_t threshold_ns) noexcept { threshold_ns_ = threshold_ns; }
  bool on() const noexcept { return threshold_ns_ != 0; }

  // The clock starts without a step (the root task is about to be resumed for the first time).
  void restart() noexcept { began_ns_ = coarse_wall_clock_ns(); }
  // A task is resumed at `step`, at its latest scheduling point `resumed_at`: its code runs now.
  void start_step(std::uint64_t step, const SourceLocation& resumed_at) noexcept {
    step_ = step;
    resumed_at_ = resumed_at;
    excluded_ns_ = 0;
    began_ns_ = coarse_wall_clock_ns();
  }
  // The runtime's own work (chooser, observers) that began at `began_ns` is over: not the task's.
  void exclude_since(std::int64_t began_ns) noexcept {
    excluded_ns_ += coarse_wall_clock_ns() - began_ns;
  }
  // The step's wall time so far when it reached the threshold, 0 otherwise.
  std::int64_t long_step_ns() const noexcept {
    const std::int64_t elapsed = coarse_wall_clock_ns() - began_ns_ - excluded_ns_;
    return elapsed >= threshold_ns_ ? elapsed : 0;
  }
  std::uint64_t step() const noexcept { return step_; }  // the step the task was resumed at
  const SourceLocation& resumed_at() const noexcept { return resumed_at_; }

 private:
  std::int64_t threshold_ns_ = 0;
  std::int64_t began_ns_ = 0;
  std::int64_t excluded_ns_ = 0;
  std::uint64_t step_ = 0;
  SourceLocation resumed_at_;  // unknown: the task started
};

}  // namespace weft::detail
