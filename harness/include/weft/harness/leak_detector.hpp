// Task leaks: tasks still alive after the root task returned that can never finish. Needs the
// runtime's leak check (ExplorationHooks::leak_grace): the explorer turns it on with --leaks.
#pragma once
#include <optional>
#include <vector>

#include "weft/harness/detector.hpp"
#include "weft/harness/object_table.hpp"
#include "weft/harness/task_table.hpp"
#include "weft/runtime.hpp"

namespace weft {

class LeakDetector final : public Detector {
 public:
  // as_warning: report leaks as warnings (--leaks warn) instead of failures.
  explicit LeakDetector(bool as_warning) : as_warning_(as_warning) {}
  std::string_view name() const override { return "task_leak"; }
  void begin_execution() override;
  void on_event(const Event& event) override;
  EventMask interests() const override {
    return events(EventKind::spawn, EventKind::object_created, EventKind::finish, EventKind::panic,
                  EventKind::leak_check) |
           ops_on(ObjectKind::mutex, ObjectKind::rwlock, ObjectKind::semaphore);
  }
  void end_execution(const BodyOutcome& outcome, Findings& findings) override;

 private:
  void explain(const Event& e);
  bool as_warning_;
  TaskTable tasks_;
  ObjectTable objects_;
  Duration root_returned_{};
  std::optional<Failure> leak_;
};

}  // namespace weft
