// Long polls: a task step (from the scheduler resuming the task to its next suspension) that
// held the real thread longer than a wall-clock threshold, i.e. a blocking call inside a task.
#pragma once
#include <chrono>
#include <optional>

#include "weft/harness/detector.hpp"

namespace weft {

// The runtime times the steps (ExplorationHooks::long_poll, which the explorer sets from the
// same threshold): one coarse clock read per step, no event per step, and an event only for a
// step over the threshold. This detector turns that event into the report. Wall time goes into
// the failure's message and details only, never into decisions or the event log; the same
// schedule replays the same blocking call, so the failure replays.
class LongPollDetector final : public Detector {
 public:
  explicit LongPollDetector(std::chrono::milliseconds threshold) : threshold_(threshold) {}
  std::string_view name() const override { return "long_poll"; }
  void begin_execution() override { failure_.reset(); }
  void on_event(const Event& event) override;
  EventMask interests() const override { return event_bit(EventKind::long_poll); }
  void end_execution(const BodyOutcome& outcome, Findings& findings) override;

 private:
  std::chrono::milliseconds threshold_;
  std::optional<Failure> failure_;  // the first long step of the execution
};

}  // namespace weft
