// Panics, deadlocks, hangs and swallowed cancellations, explained in plain words first.
#include "weft/harness/core_detectors.hpp"

#include <algorithm>
#include <map>

namespace weft {

std::string describe_wait(Op op, ObjectKind kind, ObjectId object) {
  const std::string what = std::string(to_string(kind)) + " #" + std::to_string(object);
  switch (op) {
    case Op::lock: return "waits to lock " + what;
    case Op::lock_shared: return "waits to read-lock " + what;
    case Op::recv: return "waits to receive from " + what;
    case Op::send: return "waits for room to send on " + what;
    case Op::join: return "waits for task #" + std::to_string(object) + " to finish";
    case Op::wait: return "waits on " + what;
    case Op::acquire: return "waits for a permit of " + what;
    case Op::sleep: return "sleeps";
    default: return "waits in " + std::string(to_string(op)) + " on " + what;
  }
}

std::string describe_event(const Event& e, const TaskTable& tasks) {
  std::string text = "step " + std::to_string(e.step) + ": ";
  if (e.task != kNoTask) text += tasks.label(e.task) + " ";
  text += std::string(to_string(e.kind));
  if (e.op != Op::none) text += " " + std::string(to_string(e.op));
  if (e.object_kind != ObjectKind::none)
    text += " " + std::string(to_string(e.object_kind)) + " #" + std::to_string(e.object);
  if (!e.text.empty()) text += " \"" + std::string(e.text) + "\"";
  Location where = Location::from(e.where);
  if (where.known()) text += " at " + where.to_string();
  return text;
}

// --- PanicDetector ---------------------------------------------------------------------------

void PanicDetector::begin_execution() {
  tasks_.clear();
  panics_.clear();
  detached_.clear();
}

void PanicDetector::on_event(const Event& e) {
  tasks_.on_event(e);
  switch (e.kind) {
    case EventKind::panic:
      // The root's panic leaves block_on as an exception: the body failure reports it.
      if (!tasks_.is_root(e.task))
        panics_.push_back(Panic{e.task, std::string(e.text), Location::from(e.where), e.step});
      break;
    case EventKind::op:
      if (e.op == Op::join && e.value != 0)
        for (Panic& p : panics_)
          if (p.task == e.other) p.observed = true;
      break;
    case EventKind::detach:
      detached_.emplace_back(e.other, e.step);
      break;
    default:
      break;
  }
}

void PanicDetector::end_execution(const BodyOutcome&, std::vector<Failure>& failures) {
  for (const Panic& p : panics_) {
    if (p.observed) continue;
    Failure f;
    f.kind = FailureKind::task_panic;
    f.task = p.task;
    f.task_name = tasks_.name(p.task);
    f.message = "task " + tasks_.label(p.task) + " panicked: " + p.message;
    f.step = p.step;
    f.where = p.where;
    if (const auto* entry = tasks_.find(p.task))
      f.details.push_back("spawned at " + entry->spawn_site.to_string());
    f.details.push_back("nobody joined the task to handle the panic");
    failures.push_back(f);
    auto detach = std::find_if(detached_.begin(), detached_.end(),
                               [&](const auto& d) { return d.first == p.task; });
    if (detach != detached_.end()) {
      Failure u = f;
      u.kind = FailureKind::unobserved_panic;
      u.message = "task " + tasks_.label(p.task) +
                  " panicked and its JoinHandle was dropped without join, so the panic went "
                  "unnoticed: " + p.message;
      u.step = std::max(p.step, detach->second);
      u.details.push_back("its JoinHandle was dropped at step " + std::to_string(detach->second));
      failures.push_back(u);
    }
  }
}

// --- StopDetector ----------------------------------------------------------------------------

void StopDetector::begin_execution() {
  tasks_.clear();
  recent_count_ = 0;
  failure_.reset();
}

void StopDetector::on_event(const Event& e) {
  tasks_.on_event(e);
  if (e.kind == EventKind::deadlock && !failure_) explain_deadlock(e);
  if (e.kind == EventKind::hang && !failure_) explain_hang(e);
  if (e.kind != EventKind::run) {
    Recent& slot = recent_[recent_count_++ % kRecent];
    slot.event = e;
    if (!e.text.empty()) {
      slot.text.assign(e.text);
      slot.event.text = slot.text;
    }
  }
}

void StopDetector::explain_deadlock(const Event& e) {
  const std::vector<TaskSnapshot> snapshot = e.runtime->tasks();
  std::map<TaskId, const TaskSnapshot*> by_id;
  for (const TaskSnapshot& t : snapshot) by_id[t.id] = &t;

  // Follow "waits for a resource held by" edges to find a wait-for cycle.
  std::vector<TaskId> cycle;
  for (const TaskSnapshot& start : snapshot) {
    std::vector<TaskId> path;
    TaskId at = start.id;
    while (at != kNoTask && std::find(path.begin(), path.end(), at) == path.end()) {
      path.push_back(at);
      auto it = by_id.find(at);
      at = it == by_id.end() || it->second->state != TaskState::blocked ? kNoTask
                                                                        : it->second->wait_holder;
    }
    if (at != kNoTask) {
      cycle.assign(std::find(path.begin(), path.end(), at), path.end());
      break;
    }
  }

  Failure f;
  f.kind = FailureKind::deadlock;
  f.step = e.step;
  const TaskSnapshot* blamed = nullptr;
  if (!cycle.empty()) {
    blamed = by_id[*std::min_element(cycle.begin(), cycle.end())];
    std::string names;
    for (std::size_t i = 0; i < cycle.size(); ++i)
      names += (i == 0 ? "" : i + 1 == cycle.size() ? " and " : ", ") + tasks_.label(cycle[i]);
    f.message = "the run is stuck: " + names +
                " wait for each other, so none of them can ever go on";
  } else {
    for (const TaskSnapshot& t : snapshot)
      if (t.state == TaskState::blocked && (!blamed || tasks_.is_root(t.id))) blamed = &t;
    f.message = "the run is stuck: every task is waiting, no timer is pending, and nothing can "
                "wake them";
  }
  if (blamed) {
    f.task = blamed->id;
    f.task_name = blamed->name;
    f.where = Location::from(blamed->wait_site);
  }
  for (const TaskSnapshot& t : snapshot) {
    if (t.state != TaskState::blocked) continue;
    std::string line = "task " + tasks_.label(t.id) + " " +
                       describe_wait(t.wait_op, t.wait_kind, t.wait_object);
    if (t.wait_holder != kNoTask && t.wait_op != Op::join)
      line += ", held by " + tasks_.label(t.wait_holder);
    line += " (at " + Location::from(t.wait_site).to_string() + ")";
    f.details.push_back(line);
  }
  if (!cycle.empty()) {
    std::string chain = "wait-for cycle: ";
    for (TaskId id : cycle) chain += tasks_.label(id) + " -> ";
    chain += tasks_.label(cycle.front());
    f.details.push_back(chain);
  }
  failure_ = std::move(f);
}

void StopDetector::explain_hang(const Event& e) {
  Failure f;
  f.kind = FailureKind::hang;
  f.step = e.step;
  f.message = "the run did not finish: " + std::string(e.text);
  if (e.task != kNoTask) {
    f.task = e.task;
    f.task_name = tasks_.name(e.task);
    f.where = Location::from(e.where);
  }
  for (const TaskSnapshot& t : e.runtime->tasks()) {
    std::string line = "task " + tasks_.label(t.id) + " is " + std::string(to_string(t.state));
    if (t.state == TaskState::blocked)
      line += ": " + describe_wait(t.wait_op, t.wait_kind, t.wait_object) + " (at " +
              Location::from(t.wait_site).to_string() + ")";
    f.details.push_back(line);
  }
  f.details.push_back("last events:");
  const std::size_t kept = std::min(recent_count_, kRecent);
  for (std::size_t i = recent_count_ - kept; i < recent_count_; ++i)
    f.details.push_back("  " + describe_event(recent_[i % kRecent].event, tasks_));
  failure_ = std::move(f);
}

void StopDetector::end_execution(const BodyOutcome&, std::vector<Failure>& failures) {
  if (failure_) failures.push_back(*failure_);
}

// --- SwallowedCancellationDetector -----------------------------------------------------------

void SwallowedCancellationDetector::on_event(const Event& e) {
  tasks_.on_event(e);
  if (e.kind != EventKind::swallowed_cancellation || failure_) return;
  Failure f;
  f.kind = FailureKind::swallowed_cancellation;
  f.task = e.task;
  f.task_name = tasks_.name(e.task);
  f.message = "task " + tasks_.label(e.task) +
              " was being dropped, but caught the unwinding (catch (...) without rethrow) and "
              "kept going: " + std::string(e.text);
  f.step = e.step;
  f.where = Location::from(e.where);
  f.details.push_back("a catch (...) must end with throw; so that a dropped task's stack unwinds");
  failure_ = std::move(f);
}

}  // namespace weft
