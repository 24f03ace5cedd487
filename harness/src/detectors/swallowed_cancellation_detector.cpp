// A task being dropped that caught the unwinding and went on (catch (...) without rethrow).
#include "weft/harness/core_detectors.hpp"

namespace weft {

void SwallowedCancellationDetector::on_event(const Event& e) {
  tasks_.on_event(e);
  if (e.kind != EventKind::swallowed_cancellation || failure_) return;
  Failure f;
  f.kind = FailureKind::swallowed_cancellation;
  f.task = e.task;
  f.task_name = tasks_.name(e.task);
  f.message = "task " + tasks_.label(e.task) +
              " was being dropped, but a catch (...) caught the unwinding and did not rethrow: " +
              std::string(e.text);
  f.step = e.step;
  f.where = Location::from(e.where);
  if (const auto* entry = tasks_.find(e.task))
    f.details.push_back("spawned at " + location_text(entry->spawn_site));
  f.details.push_back(
      "when the runtime drops a task (shutdown or abort) its stack unwinds with a special "
      "exception; a catch (...) in a task must end with throw; so that the unwinding goes on");
  failure_ = std::move(f);
}

}  // namespace weft
