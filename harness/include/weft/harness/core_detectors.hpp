// The detectors every exploration runs: task panics (observed or not), deadlock and hang
// explanations, and swallowed cancellations. The optional ones have headers of their own.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "weft/harness/describe.hpp"
#include "weft/harness/detector.hpp"
#include "weft/harness/object_table.hpp"
#include "weft/harness/task_table.hpp"
#include "weft/runtime.hpp"

namespace weft {

// A task panic is a failure unless a join observed it; when the task's handle was dropped
// unjoined it is also an unobserved panic (reported after the task panic).
class PanicDetector final : public Detector {
 public:
  explicit PanicDetector(DetectorMode mode = DetectorMode::explain) : mode_(mode) {}
  std::string_view name() const override { return "panic"; }
  void begin_execution() override;
  void on_event(const Event& event) override;
  EventMask interests() const override {
    return events(EventKind::spawn, EventKind::panic, EventKind::detach) |
           ops_on(ObjectKind::task);  // a join that observed the panic
  }
  void end_execution(const BodyOutcome& outcome, Findings& findings) override;

 private:
  struct Panic {
    TaskId task;
    std::string message;
    Location where;
    std::uint64_t step;
    bool throwing_destructor = false;  // kPanicThrowingDestructor: reported even when joined
    bool observed = false;
  };
  DetectorMode mode_;
  TaskTable tasks_;
  std::vector<Panic> panics_;
  std::vector<std::pair<TaskId, std::uint64_t>> detached_;  // task, step
};

// Explains why a run stopped: deadlock (every blocked task, what it waits on, who holds it or
// could release it, where each held lock was taken, the wait-for cycle) or hang (which limit,
// what was still active, the last events).
class StopDetector final : public Detector {
 public:
  explicit StopDetector(DetectorMode mode = DetectorMode::explain) : mode_(mode) {}
  std::string_view name() const override { return "stop"; }
  void begin_execution() override;
  void on_event(const Event& event) override;
  // Finding needs only the stop itself (the runtime's snapshot names the blamed task and where
  // it waits); lock holders, notifications and the last events are for the explanation.
  EventMask interests() const override {
    const EventMask find = events(EventKind::spawn, EventKind::deadlock, EventKind::hang);
    return mode_ == DetectorMode::find ? find : kAllEvents & ~event_bit(EventKind::run);
  }
  void end_execution(const BodyOutcome& outcome, Findings& findings) override;

 private:
  void explain_deadlock(const Event& event);
  void explain_hang(const Event& event);
  // The last events, kept raw: describing every event as it happens would cost more than the
  // execution itself, and only a hang report reads them.
  struct Recent {
    Event event;
    std::string text;  // event.text points into it
  };
  static constexpr std::size_t kRecent = 8;
  // The latest notify on each notify / condvar, by object id: a lost wake-up shows as a
  // notification that found nobody waiting.
  struct Notified {
    std::uint64_t step = 0;
    std::int64_t woken = -1;  // -1: never notified
    bool permit_stored = false;
    bool permit_merged = false;  // no waiter and a permit already stored: the two collapsed
    SourceLocation where;
  };
  // The latest completed send on each channel, by object id: who had a sender.
  struct LastSend {
    std::uint64_t step = 0;
    TaskId task = kNoTask;  // kNoTask: nothing sent yet
    SourceLocation where;
  };
  DetectorMode mode_;
  TaskTable tasks_;
  ObjectTable objects_;
  std::vector<Notified> notified_;
  std::vector<LastSend> last_send_;
  std::array<Recent, kRecent> recent_{};
  std::size_t recent_count_ = 0;  // events seen; the ring holds the last min(count, kRecent)
  std::optional<Failure> failure_;
};

// A dropped task that caught the unwinding (catch (...) without rethrow) and went on.
class SwallowedCancellationDetector final : public Detector {
 public:
  std::string_view name() const override { return "swallowed_cancellation"; }
  EventMask interests() const override {
    return events(EventKind::spawn, EventKind::swallowed_cancellation);
  }
  void begin_execution() override {
    tasks_.clear();
    failure_.reset();
  }
  void on_event(const Event& event) override;
  void end_execution(const BodyOutcome&, Findings& findings) override {
    if (failure_) findings.failures.push_back(*failure_);
  }

 private:
  TaskTable tasks_;
  std::optional<Failure> failure_;
};

}  // namespace weft
