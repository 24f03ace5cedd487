// The dependence relation and the step log (see dependence.hpp; the argument is in docs/dpor.md).
#include "weft/harness/dependence.hpp"

#include <algorithm>
#include <utility>

namespace weft {

bool dependent(const StepRecord& s, TaskId task, std::span<const Access> accesses,
               bool global) noexcept {
  if (s.barrier || s.global || global) return true;
  if (s.task == task) return true;
  for (const Access& a : s.accesses)
    for (const Access& b : accesses)
      if (conflicts(a, b)) return true;
  return false;
}

bool dependent(const StepRecord& a, const StepRecord& b) noexcept {
  if (b.barrier) return true;
  if (a.generation == b.generation && a.task == b.task) return true;
  return dependent(a, kNoTask, b.accesses, b.global);
}

void StepLog::clear() {
  for (std::size_t i = 0; i < used_; ++i) {
    StepRecord& s = steps_[i];
    s.accesses.clear();
    s.after.clear();
  }
  used_ = 0;
  pending_frame_ = -1;
  dropping_ = kNoTask;
  runtimes_.clear();
  last_runtime_ = nullptr;
  // Reset to fresh states in place rather than cleared: they keep their edge lists' memory for
  // the next execution, and task() reads any state below the size as a fresh one.
  for (auto& tasks : tasks_)
    for (TaskState& t : tasks) reset(t);
  for (auto& queued : queued_) std::fill(queued.begin(), queued.end(), 0);
}

EventMask StepLog::interests() const {
  return events(EventKind::step, EventKind::op, EventKind::block, EventKind::wake, EventKind::spawn,
                EventKind::finish, EventKind::panic, EventKind::cancelled, EventKind::drop,
                EventKind::clock_advance, EventKind::shutdown_begin, EventKind::shutdown_end,
                EventKind::deadlock, EventKind::hang, EventKind::leak_check, EventKind::access);
}

void StepLog::reset(TaskState& t) {
  StepList edges = std::move(t.edges);
  edges.clear();
  t = TaskState{};
  t.edges = std::move(edges);
}

std::uint32_t StepLog::find_generation(const Runtime* runtime) {
  // The newest generation of that runtime, else a new one. `count`: its index + 1, or 0.
  auto count = static_cast<std::size_t>(runtimes_.rend() -
                                        std::find(runtimes_.rbegin(), runtimes_.rend(), runtime));
  if (count == 0) {
    runtimes_.push_back(runtime);
    if (tasks_.size() < runtimes_.size()) tasks_.resize(runtimes_.size());
    if (queued_.size() < runtimes_.size()) queued_.resize(runtimes_.size());
    count = runtimes_.size();
  }
  last_runtime_ = runtime;
  last_generation_ = static_cast<std::uint32_t>(count - 1);
  return last_generation_;
}

StepLog::TaskState& StepLog::grow_tasks(std::vector<TaskState>& tasks, TaskId id) {
  tasks.resize(std::size_t{id} + 1);
  return tasks[id];
}

StepRecord& StepLog::begin(TaskId id, std::uint32_t generation) {
  if (used_ == steps_.size()) steps_.emplace_back();  // records are reused by later executions
  StepRecord& s = steps_[used_];
  s.task = id;
  s.generation = generation;
  s.frame = std::exchange(pending_frame_, -1);
  s.global = s.barrier = s.drop = s.gave_way = false;
  s.filled = s.drained = s.joined = 0;
  s.accesses.clear();
  s.after.clear();
  if (id != kNoTask) {
    TaskState& t = task(generation, id);
    s.after = t.edges;
    t.edges.clear();
    t.step = static_cast<std::int32_t>(used_);
    t.waitable = false;
    add(s, Access{task_key(generation, id), AccessKind::self});
  }
  ++used_;
  return s;
}

void StepLog::barrier() {
  StepRecord& s = begin(kNoTask, 0);
  s.barrier = true;
}

void StepLog::on_event(const Event& e) {
  const std::uint32_t gen = generation_of(e.runtime);
  switch (e.kind) {
    case EventKind::step: {
      TaskState& t = task(gen, e.task);
      if (t.dropping) return;  // the unwinding of a dropped task belongs to its drop step
      StepRecord& s = begin(e.task, gen);
      // A task that gave way (yield, a recognised spin) runs again only once every other
      // runnable task has run since (fairness, runtime/src/fairness.cpp): whether this step can
      // happen depends on the steps of every other task, so it is dependent with all of them.
      if (e.value != 0) s.global = s.gave_way = true;
      Access a;
      if (access_of(e.op, e.object_kind, e.object, gen, &a)) {
        add(s, a);
        if (e.op == Op::join) s.joined = a.key;
        // A wait that parks the one receiver of a channel or the one joiner of a task changes
        // nothing another task can see; the step that resumes it does the receive (see the doc).
        TaskState& again = task(gen, e.task);
        again.waitable = (e.op == Op::recv && (e.object_kind == ObjectKind::mpsc ||
                                               e.object_kind == ObjectKind::oneshot)) ||
                         e.op == Op::join;
        again.waited = a;
      }
      return;
    }
    case EventKind::block: {
      StepRecord* s = current(gen, e.task);
      if (s == nullptr) return barrier();
      TaskState& t = task(gen, e.task);
      Access a;
      if (!access_of(e.op, e.object_kind, e.object, gen, &a)) return;
      if (t.waitable && a == t.waited && s->accesses.size() == 2 && s->accesses[1] == a) {
        s->accesses.pop_back();  // only the task's own key is left
        return;
      }
      add(*s, a);
      return;
    }
    case EventKind::op: {
      StepRecord* s = current(gen, e.task);
      if (s == nullptr) s = current(gen, dropping_);
      if (s == nullptr) return barrier();
      Access a;
      if (e.op == Op::yield) {
        // The task gave way (see the step case): fairness makes this step dependent with all.
        s->global = true;
      } else if (e.op == Op::abort) {
        add(*s, Access{task_key(gen, e.other), AccessKind::cancel});
      } else if (access_of(e.op, e.object_kind, e.object, gen, &a)) {
        add(*s, a);
        const bool one_receiver =
            e.object_kind == ObjectKind::mpsc || e.object_kind == ObjectKind::oneshot;
        if (one_receiver && e.text.empty() && (e.op == Op::send || e.op == Op::recv)) {
          auto& queued = queued_[gen];
          if (queued.size() <= e.object) queued.resize(std::size_t{e.object} + 1, 0);
          std::int64_t& n = queued[e.object];
          if (e.op == Op::send) {
            if (n == 0) s->filled = a.key;
            ++n;
          } else {
            s->drained = a.key;
            if (n > 0) --n;
          }
        }
      }
      return;
    }
    case EventKind::access: {
      // A query (is_cancelled, len, is_finished...) or a child token's cancel: no operation of
      // its own, but the step depends on the object as an operation on it would.
      StepRecord* s = current(gen, e.task);
      if (s == nullptr) s = current(gen, dropping_);
      if (s == nullptr) return barrier();
      if (e.value == 2) {
        s->global = true;  // a read of state no single key stands for (TaskTracker::len)
        return;
      }
      const AccessKind kind = e.value != 0 ? AccessKind::write : AccessKind::read;
      if (e.object_kind == ObjectKind::task)
        add(*s, Access{task_key(gen, e.object), kind});
      else
        add(*s, Access{object_key(gen, e.object), kind});
      return;
    }
    case EventKind::wake: {
      if (e.other == kNoTask) return;  // woken by the runtime: a barrier orders it
      // A copy: task() may grow the vector a reference would point into.
      const std::int64_t waker_step = task(gen, e.other).step;
      if (waker_step >= 0)
        task(gen, e.task).edges.push_back(static_cast<std::uint32_t>(waker_step));
      return;
    }
    case EventKind::spawn: {
      if (e.other == kNoTask) return;
      const std::int64_t parent_step = task(gen, e.other).step;  // a copy, as above
      TaskState& child = task(gen, e.task);
      reset(child);
      if (parent_step >= 0) child.edges.push_back(static_cast<std::uint32_t>(parent_step));
      return;
    }
    case EventKind::drop: {
      StepRecord& s = begin(e.task, gen);
      s.drop = true;
      add(s, Access{task_key(gen, e.task), AccessKind::cancel});
      task(gen, e.task).dropping = true;
      dropping_ = e.task;
      return;
    }
    case EventKind::finish:
    case EventKind::panic:
    case EventKind::cancelled: {
      StepRecord* s = current(gen, e.task);
      // Aborted before it ever ran: its end (the runtime destroying its closure) is its step.
      if (s == nullptr) s = &begin(e.task, gen);
      add(*s, Access{task_key(gen, e.task), AccessKind::exit});
      task(gen, e.task).dropping = false;
      if (dropping_ == e.task) dropping_ = kNoTask;
      return;
    }
    case EventKind::shutdown_begin:
      // The root returned: from here tasks may be dropped instead of run, so the step that
      // returned is dependent with every step of every other task.
      if (StepRecord* s = current(gen, e.task)) s->global = true;
      return;
    case EventKind::clock_advance:
      // A task's advance() moves time for everyone; the runtime moves it only when no task can
      // run, which no step can be reordered across.
      if (StepRecord* s = current(gen, e.task))
        s->global = true;
      else
        barrier();
      return;
    case EventKind::shutdown_end:
      barrier();
      runtimes_[gen] = nullptr;  // a later runtime at the same address is another generation
      last_runtime_ = nullptr;
      dropping_ = kNoTask;
      return;
    default:  // deadlock, hang, leak_check: the runtime stopped or waited until nothing ran
      barrier();
      return;
  }
}

}  // namespace weft
