// Why a run stopped. Deadlock: every blocked task, what it waits on, who holds it (and where they
// took it) or who could release it, the wait-for cycle. Hang: the limit, the tasks, the last
// events.
#include <algorithm>
#include <map>

#include "weft/harness/core_detectors.hpp"

namespace weft {
namespace {

bool is_channel(ObjectKind kind) {
  return kind == ObjectKind::mpsc || kind == ObjectKind::oneshot || kind == ObjectKind::broadcast ||
         kind == ObjectKind::watch;
}

std::string names_text(const std::vector<TaskId>& ids, const TaskTable& tasks) {
  std::string text;
  for (std::size_t i = 0; i < ids.size(); ++i)
    text += (i == 0 ? "" : i + 1 == ids.size() ? " and " : ", ") + tasks.label(ids[i]);
  return text;
}

std::string hold_text(const ObjectTable::Hold& h, const ObjectTable& objects) {
  if (h.kind == ObjectKind::semaphore)
    return std::to_string(h.permits) + " permit" + (h.permits == 1 ? "" : "s") + " of " +
           objects.name(h.kind, h.object) + ", acquired at " + location_text(h.where);
  return std::string(h.shared ? "a read hold of " : "") + objects.name(h.kind, h.object) +
         ", locked at " + location_text(h.where);
}

// Who holds what task t waits for, or who could release it: one line, or empty.
template <class Notified, class LastSend>
std::string release_text(const TaskSnapshot& t, const std::vector<TaskSnapshot>& all,
                         const TaskTable& tasks, const ObjectTable& objects,
                         const std::vector<Notified>& notified,
                         const std::vector<LastSend>& sends) {
  std::vector<TaskId> others;
  for (const TaskSnapshot& o : all)
    if (o.id != t.id) others.push_back(o.id);
  const std::string nobody =
      others.empty() ? "but no other task is alive" : "but every other task is blocked too";
  switch (t.wait_op) {
    case Op::lock:
    case Op::lock_shared: {
      std::string text;
      for (const ObjectTable::Hold* h : objects.holders_of(t.wait_object))
        text += (text.empty() ? "" : "; ") + tasks.label(h->task) + " holds it" +
                (h->shared ? " (read)" : "") + ", locked at " + location_text(h->where);
      if (!text.empty()) return text;
      if (t.wait_holder != kNoTask) return "held by " + tasks.label(t.wait_holder);
      return "";
    }
    case Op::join: {
      for (const TaskSnapshot& o : all)
        if (o.id == t.wait_object && o.state == TaskState::blocked)
          return tasks.label(o.id) + " has not finished: it is blocked too";
      return tasks.label(t.wait_object) + " has not finished";
    }
    case Op::recv: {
      if (!is_channel(t.wait_kind)) break;
      // A watch has one sender (move-only); the other channels count their senders.
      const bool watch = t.wait_kind == ObjectKind::watch;
      std::string text = std::string(watch ? "a send on it (or dropping its sender)"
                                           : "a send on it (or dropping its last sender)") +
                         " would wake it, " + nobody;
      if (others.empty())  // blocked, so a sender lives: held where no weft task can use it
        text += std::string(watch ? ": its sender is" : ": a sender is") +
                " still alive, held by this task itself (drop it before waiting), by "
                "a value that outlives the tasks, or by an OS thread that weft does not run (a "
                "std::thread, which weft neither schedules nor waits for: make it a weft task)";
      // Who had a sender: the task of the last send, if any.
      const LastSend* last = t.wait_object < sends.size() ? &sends[t.wait_object] : nullptr;
      if (last == nullptr || last->task == kNoTask) return text + "; nothing was ever sent on it";
      return text + "; its last send was by " + tasks.label(last->task) + " at " +
             location_text(last->where) + " (step " + std::to_string(last->step) + ")";
    }
    case Op::send:
      return "a receive on it would make room, " + nobody;
    case Op::acquire: {
      std::string text;
      for (const ObjectTable::Hold* h : objects.holders_of(t.wait_object)) {
        const bool alive = std::any_of(all.begin(), all.end(),
                                       [&](const TaskSnapshot& o) { return o.id == h->task; });
        // A task that ended without giving its permits back forgot them: they leaked.
        text += (text.empty() ? "" : "; ") +
                (alive ? tasks.label(h->task) + " holds " + std::to_string(h->permits)
                       : std::to_string(h->permits) + " leaked (never given back by " +
                             tasks.label(h->task) + ", which has ended)") +
                ", acquired at " + location_text(h->where);
      }
      if (text.empty()) return "released permits would wake it, but no task holds any";
      return "released permits would wake it: " + text;
    }
    case Op::wait:
      if (t.wait_kind == ObjectKind::barrier)
        return "more tasks arriving at it would release it, " + nobody;
      if (t.wait_kind == ObjectKind::mpsc || t.wait_kind == ObjectKind::oneshot)
        return "closing or dropping its receiver would wake it, " + nobody;
      if (t.wait_kind == ObjectKind::watch)
        return "dropping its last receiver would wake it, " + nobody;
      if (t.wait_kind == ObjectKind::token)
        return "cancelling it (or a token it is a child of) would wake it, " + nobody;
      {
        std::string text = "a notify on it would wake it, " + nobody;
        const Notified* last = t.wait_object < notified.size() ? &notified[t.wait_object] : nullptr;
        if (last == nullptr || last->woken < 0) return text + "; nobody has notified it yet";
        text += "; its last notification, at " + location_text(last->where) + " (step " +
                std::to_string(last->step) + "), ";
        if (last->woken == 0 && !last->permit_stored)
          return text + "found nobody waiting and was lost";
        if (last->permit_merged)
          return text +
                 "found a permit an earlier notify_one had stored and collapsed into it "
                 "(two notifications, one permit), which a wait used up before";
        if (last->permit_stored) return text + "stored a permit that was used up before";
        return text + "woke " + std::to_string(last->woken) + " task(s) waiting then";
      }
    default:
      break;
  }
  return "";
}

}  // namespace

void StopDetector::begin_execution() {
  tasks_.clear();
  objects_.clear();
  notified_.clear();
  last_send_.clear();
  recent_count_ = 0;
  failure_.reset();
}

void StopDetector::on_event(const Event& e) {
  tasks_.on_event(e);
  objects_.on_event(e);
  if (e.kind == EventKind::op && e.op == Op::notify) {
    if (notified_.size() <= e.object) notified_.resize(e.object + 1);
    notified_[e.object] =
        Notified{e.step, e.value, e.text == "permit_stored" || e.text == "permit_merged",
                 e.text == "permit_merged", e.where};
  }
  // A completed send (a failed one says why in its text; a reserve says "reserved").
  if (e.kind == EventKind::op && e.op == Op::send && e.text.empty() && is_channel(e.object_kind) &&
      e.task != kNoTask) {
    if (last_send_.size() <= e.object) last_send_.resize(e.object + 1);
    last_send_[e.object] = LastSend{e.step, e.task, e.where};
  }
  if (e.kind == EventKind::deadlock && !failure_) explain_deadlock(e);
  if (e.kind == EventKind::hang && !failure_) explain_hang(e);
  // Run events never come (interests() leaves them out): the last events are what tasks did.
  Recent& slot = recent_[recent_count_++ % kRecent];
  slot.event = e;
  if (!e.text.empty()) {
    slot.text.assign(e.text);
    slot.event.text = slot.text;
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
    const bool locks = std::all_of(cycle.begin(), cycle.end(), [&](TaskId id) {
      return ObjectTable::is_lock(by_id[id]->wait_kind);
    });
    if (cycle.size() == 1)
      f.message = "the run is stuck: " + tasks_.label(cycle.front()) +
                  " waits for itself, so it can never go on";
    else if (cycle.size() == 2 && locks)
      f.message = "the run is stuck: " + names_text(cycle, tasks_) +
                  " each hold a lock the other waits for, so neither can ever go on";
    else
      f.message = "the run is stuck: " + names_text(cycle, tasks_) +
                  " wait for each other in a cycle, so none of them can ever go on";
  } else {
    for (const TaskSnapshot& t : snapshot)
      if (t.state == TaskState::blocked && (!blamed || tasks_.is_root(t.id))) blamed = &t;
    f.message =
        "the run is stuck: every task is waiting, no timer is pending, and nothing can "
        "wake them";
  }
  if (blamed) {
    f.task = blamed->id;
    f.task_name = blamed->name;
    f.where = Location::from(blamed->wait_site);
  }
  if (!cycle.empty()) {
    std::string chain = "wait-for cycle: ";
    for (TaskId id : cycle) chain += tasks_.label(id) + " -> ";
    chain += tasks_.label(cycle.front());
    f.details.push_back(chain);
  }
  for (const TaskSnapshot& t : snapshot) {
    if (t.state != TaskState::blocked) continue;
    f.details.push_back(tasks_.label(t.id) + " " + describe_wait(t, tasks_, objects_) + " at " +
                        location_text(t.wait_site));
    const std::string release = release_text(t, snapshot, tasks_, objects_, notified_, last_send_);
    if (!release.empty()) f.details.push_back("    " + release);
    for (const ObjectTable::Hold* h : objects_.held_by(t.id))
      f.details.push_back("    " + tasks_.label(t.id) + " holds " + hold_text(*h, objects_));
  }
  failure_ = std::move(f);
}

void StopDetector::explain_hang(const Event& e) {
  Failure f;
  f.kind = FailureKind::hang;
  f.step = e.step;
  f.message = "the run did not finish: " + std::string(e.text) +
              " (a loop that never ends, or tasks that keep each other busy?)";
  const std::vector<TaskSnapshot> snapshot = e.runtime->tasks();
  if (e.task != kNoTask) {
    f.task = e.task;
    f.task_name = tasks_.name(e.task);
    f.where = Location::from(e.where);
    for (const TaskSnapshot& t : snapshot)
      if (t.id == e.task && !f.where.known()) f.where = Location::from(t.last_site);
  }
  for (const TaskSnapshot& t : snapshot) {
    std::string line = tasks_.label(t.id) + " is " + std::string(to_string(t.state));
    if (t.state == TaskState::blocked)
      line += ": " + describe_wait(t, tasks_, objects_) + " at " + location_text(t.wait_site);
    else if (known(t.last_site))
      line += ", last at " + location_text(t.last_site);
    f.details.push_back(line);
  }
  f.details.push_back("last events:");
  const std::size_t kept = std::min(recent_count_, kRecent);
  for (std::size_t i = recent_count_ - kept; i < recent_count_; ++i)
    f.details.push_back("  " + describe_event(recent_[i % kRecent].event, tasks_, objects_));
  failure_ = std::move(f);
}

void StopDetector::end_execution(const BodyOutcome&, Findings& findings) {
  if (failure_) findings.failures.push_back(*failure_);
}

}  // namespace weft
