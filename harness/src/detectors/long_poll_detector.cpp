// Long polls: the runtime's long_poll event, explained (see long_poll_detector.hpp).
#include "weft/harness/long_poll_detector.hpp"

#include "weft/harness/object_table.hpp"
#include "weft/runtime.hpp"

namespace weft {

void LongPollDetector::on_event(const Event& e) {
  if (e.kind != EventKind::long_poll || failures_.size() >= kMaxReports) return;

  // The task still exists: it names itself, and where its step ended.
  TaskSnapshot task;
  task.id = e.task;
  if (e.runtime != nullptr)
    for (TaskSnapshot& t : e.runtime->tasks())
      if (t.id == e.task) task = std::move(t);
  const std::string how(e.text);
  const SourceLocation end = how == "blocked" ? task.wait_site : task.last_site;
  const SourceLocation& resumed_at = e.where;
  const std::string label = "'" + task.name + "' (#" + std::to_string(task.id) + ")";
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(e.value))
          .count();

  Failure f;
  f.kind = FailureKind::long_poll;
  f.task = task.id;
  f.task_name = task.name;
  f.step = e.step;
  f.where = Location::from(known(end) ? end : resumed_at);
  f.message = "task " + label + " kept the thread for " + std::to_string(ms) +
              " ms in one step without reaching a scheduling point, so no other task could run "
              "meanwhile: something in it blocks the thread (a real sleep, blocking I/O, a "
              "std::mutex, a long computation)";
  std::string began = "the step began at step " + std::to_string(e.step) + " when the task ";
  if (known(resumed_at))
    began += "resumed after " + location_text(resumed_at);
  else
    began += "started (spawned at " + location_text(task.spawn_site) + ")";
  began += ", and ended when it " + how;
  if (known(end)) began += " at " + location_text(end);
  f.details.push_back(began);
  f.details.push_back(
      "the blocking code runs between those two points; use weft's operations "
      "(weft::sleep, channels, locks) so that the task yields instead");
  f.details.push_back("threshold: " + std::to_string(threshold_.count()) +
                      " ms of wall time (--long-poll-ms); wall time is measured for this report "
                      "only, never for decisions, and varies from run to run");
  for (const Failure& seen : failures_)
    if (seen.signature() == f.signature()) return;
  failures_.push_back(std::move(f));
}

void LongPollDetector::end_execution(const BodyOutcome&, Findings& findings) {
  findings.failures.insert(findings.failures.end(), failures_.begin(), failures_.end());
}

}  // namespace weft
