// Task leaks, from the runtime's leak check: after the root returned the other tasks ran until
// none could get anywhere; whoever is still alive then is leaked (see leak_detector.hpp).
#include "weft/harness/leak_detector.hpp"

#include <algorithm>

#include "weft/harness/describe.hpp"

namespace weft {

void LeakDetector::begin_execution() {
  tasks_.clear();
  objects_.clear();
  root_returned_ = Duration::zero();
  leak_.reset();
}

void LeakDetector::on_event(const Event& e) {
  tasks_.on_event(e);
  objects_.on_event(e);
  if ((e.kind == EventKind::finish || e.kind == EventKind::panic) && tasks_.is_root(e.task))
    root_returned_ = e.time;
  if (e.kind == EventKind::leak_check && e.value > 0 && !leak_) explain(e);
}

void LeakDetector::explain(const Event& e) {
  const std::vector<TaskSnapshot> left = e.runtime->tasks();
  if (left.empty()) return;
  const std::string after = duration_text(e.time - root_returned_);
  const bool grace_over = e.text.find("grace") != std::string_view::npos;

  Failure f;
  f.kind = FailureKind::task_leak;
  f.step = e.step;
  f.task = left.front().id;
  f.task_name = left.front().name;
  f.where = Location::from(left.front().spawn_site);
  // "Would never finish" only when it is certain: every task left waits with no timer, and the
  // check ran until no task could run. A sleeper may only sleep longer than the grace period.
  const bool never = std::all_of(left.begin(), left.end(), [&](const TaskSnapshot& t) {
    return t.state == TaskState::blocked && !t.has_deadline && !grace_over;
  });
  const std::string verdict =
      never ? " and would never finish"
            : " and had not finished when the leak check ended, " + after + " later";
  if (left.size() == 1) {
    f.message = "task " + tasks_.label(left.front().id) +
                " was still alive after the root task returned" + verdict;
  } else {
    std::string names;
    for (std::size_t i = 0; i < left.size(); ++i)
      names += (i == 0 ? "" : i + 1 == left.size() ? " and " : ", ") + tasks_.label(left[i].id);
    f.message = std::to_string(left.size()) +
                " tasks were still alive after the root task returned" + verdict + ": " + names;
  }
  for (const TaskSnapshot& t : left) {
    std::string line = tasks_.label(t.id) + ", spawned";
    if (t.parent != kNoTask) line += " by " + tasks_.label(t.parent);
    line += " at " + location_text(t.spawn_site) + ": ";
    if (t.state == TaskState::blocked && t.wait_op == Op::sleep) {
      line += "still sleeping " + after + " after the root returned (at " +
              location_text(t.wait_site) + ")";
      if (t.has_deadline)
        line += ", its timer due " + duration_text(t.deadline - root_returned_) + " after it";
      line +=
          ": a loop that never ends, or a sleep longer than the leak check's grace "
          "(--leak-grace-ms)?";
    } else if (t.state == TaskState::blocked) {
      line += describe_wait(t, tasks_, objects_) + " (at " + location_text(t.wait_site) + "), " +
              (t.has_deadline ? "with a timeout that did not come within " + after
               : grace_over   ? "and nothing woke it in " + after
                              : "and nothing can ever wake it");
      if (t.wait_op == Op::lock || t.wait_op == Op::lock_shared)
        for (const ObjectTable::Hold* h : objects_.holders_of(t.wait_object))
          line +=
              std::string("; ") +
              (h->task == t.id ? "it holds the lock itself" : tasks_.label(h->task) + " holds it") +
              (h->shared ? " (read)" : "") + ", locked at " + location_text(h->where);
    } else {
      line += "still running after the leak check's step budget (last at " +
              location_text(t.last_site) + "), a busy loop?";
    }
    f.details.push_back(line);
  }
  f.details.push_back("the leak check let the tasks run on after the root returned, until " +
                      std::string(e.text));
  f.details.push_back(
      "at shutdown the runtime drops such tasks mid-way; give each a way to stop (e.g. a shutdown "
      "channel it selects on) and join it before returning");
  leak_ = std::move(f);
}

void LeakDetector::end_execution(const BodyOutcome&, Findings& findings) {
  if (!leak_) return;
  (as_warning_ ? findings.warnings : findings.failures).push_back(*leak_);
}

}  // namespace weft
