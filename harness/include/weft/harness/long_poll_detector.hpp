// Long polls: a task step (from the scheduler resuming the task to its next suspension) that
// held the real thread longer than a wall-clock threshold, i.e. a blocking call inside a task.
#pragma once
#include <chrono>
#include <optional>
#include <vector>

#include "weft/harness/detector.hpp"
#include "weft/harness/task_table.hpp"
#include "weft/source_location.hpp"

namespace weft {

// The only place in weft that reads the real clock (a coarse monotonic clock, about once per
// step: a few nanoseconds, millisecond resolution, plenty for thresholds of tens of
// milliseconds). Wall time goes into the failure's message and details only, never into events
// or decisions; the same schedule replays the same blocking call, so the failure replays.
class LongPollDetector final : public Detector {
 public:
  explicit LongPollDetector(std::chrono::milliseconds threshold) : threshold_(threshold) {}
  std::string_view name() const override { return "long_poll"; }
  void begin_execution() override;
  void on_event(const Event& event) override;
  // A step runs from a run event to the next one (or to the task's end, or the runtime's stop):
  // one clock read per step. Run events carry where the task resumed; a block event says where
  // a step ended, when it ended blocked. Operations in between are not needed.
  EventMask interests() const override {
    return events(EventKind::spawn, EventKind::run, EventKind::block, EventKind::finish,
                  EventKind::panic, EventKind::cancelled, EventKind::deadlock, EventKind::hang,
                  EventKind::shutdown_end);
  }
  void end_execution(const BodyOutcome& outcome, Findings& findings) override;

 private:
  using Clock = std::chrono::steady_clock;
  static Clock::time_point now() noexcept;
  // The running task's step is over at event e (wall time `at`); `how` it ended unless the
  // runtime shows the task blocked.
  void close(const Event& e, Clock::time_point at, const char* how);

  std::chrono::nanoseconds threshold_;
  TaskTable tasks_;
  TaskId running_ = kNoTask;
  bool blocked_ = false;  // the running task's step ended blocked, at blocked_at_
  SourceLocation blocked_at_;
  std::uint64_t step_ = 0;
  SourceLocation resumed_after_;
  Clock::time_point started_{};
  std::optional<Failure> failure_;
};

}  // namespace weft
