// An Observer that keeps the events and the task table of one execution, for trace files,
// reports and determinism checks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "weft/harness/trace.hpp"
#include "weft/observer.hpp"

namespace weft {

class EventLog final : public Observer {
 public:
  explicit EventLog(std::size_t max_events = 20000) : max_events_(max_events) {}
  void on_event(const Event& event) override;
  // Everything the runtime does, but not the wall time a long_poll event carries: logs of one
  // schedule are equal whatever the machine's speed.
  EventMask interests() const override { return kAllEvents & ~event_bit(EventKind::long_poll); }

  const std::vector<TraceEvent>& events() const { return events_; }
  const std::vector<TraceTask>& tasks() const { return tasks_; }
  bool truncated() const { return truncated_; }
  // A hash of the whole event stream (all events, even past the cap), for determinism checks.
  std::uint64_t fingerprint() const { return fingerprint_; }
  std::uint64_t event_count() const { return count_; }

 private:
  std::size_t max_events_;
  std::vector<TraceEvent> events_;
  std::vector<TraceTask> tasks_;
  bool truncated_ = false;
  std::uint64_t fingerprint_ = 1469598103934665603ULL;
  std::uint64_t count_ = 0;
};

}  // namespace weft
