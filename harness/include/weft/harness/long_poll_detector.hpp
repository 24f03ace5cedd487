// Long polls: a task step (from the scheduler resuming the task to its next suspension) that
// held the real thread longer than a wall-clock threshold, i.e. a blocking call inside a task.
#pragma once
#include <chrono>
#include <vector>

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
  void begin_execution() override { failures_.clear(); }
  void on_event(const Event& event) override;
  EventMask interests() const override { return event_bit(EventKind::long_poll); }
  void end_execution(const BodyOutcome& outcome, Findings& findings) override;

 private:
  std::chrono::milliseconds threshold_;
  // Every distinct long step of the execution (by signature), in order, up to kMaxReports. Not
  // only the first: on a loaded machine an ordinary step can go over the threshold too, and the
  // confirming replay keeps only the long steps it sees again; had the load's step been the only
  // one kept, the real blocking call after it would be lost with it.
  static constexpr std::size_t kMaxReports = 8;
  std::vector<Failure> failures_;
};

}  // namespace weft
