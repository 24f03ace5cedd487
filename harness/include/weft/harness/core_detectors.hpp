// The detectors every exploration runs: task panics (observed or not), deadlock and hang
// explanations, and swallowed cancellations.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "weft/harness/detector.hpp"
#include "weft/harness/task_table.hpp"
#include "weft/runtime.hpp"

namespace weft {

// A task panic is a failure unless a join observed it; when the task's handle was dropped
// unjoined it is also an unobserved panic.
class PanicDetector final : public Detector {
 public:
  std::string_view name() const override { return "panic"; }
  void begin_execution() override;
  void on_event(const Event& event) override;
  void end_execution(const BodyOutcome& outcome, std::vector<Failure>& failures) override;

 private:
  struct Panic {
    TaskId task;
    std::string message;
    Location where;
    std::uint64_t step;
    bool observed = false;
  };
  TaskTable tasks_;
  std::vector<Panic> panics_;
  std::vector<std::pair<TaskId, std::uint64_t>> detached_;  // task, step
};

// Explains why a run stopped: deadlock (who waits on what, held by whom, the wait-for cycle)
// or hang (which limit, what was still active, the last events).
class StopDetector final : public Detector {
 public:
  std::string_view name() const override { return "stop"; }
  void begin_execution() override;
  void on_event(const Event& event) override;
  void end_execution(const BodyOutcome& outcome, std::vector<Failure>& failures) override;

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
  TaskTable tasks_;
  std::array<Recent, kRecent> recent_{};
  std::size_t recent_count_ = 0;  // events seen; the ring holds the last min(count, kRecent)
  std::optional<Failure> failure_;
};

class SwallowedCancellationDetector final : public Detector {
 public:
  std::string_view name() const override { return "swallowed_cancellation"; }
  void begin_execution() override {
    tasks_.clear();
    failure_.reset();
  }
  void on_event(const Event& event) override;
  void end_execution(const BodyOutcome&, std::vector<Failure>& failures) override {
    if (failure_) failures.push_back(*failure_);
  }

 private:
  TaskTable tasks_;
  std::optional<Failure> failure_;
};

// One line describing a runtime event, for failure details and hang reports.
std::string describe_event(const Event& event, const TaskTable& tasks);
// "waits to lock mutex #3" etc.
std::string describe_wait(Op op, ObjectKind kind, ObjectId object);

}  // namespace weft
