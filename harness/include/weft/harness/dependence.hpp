// The dependence relation between the steps of an execution, and the log that records each step
// with what it touched, for partial-order reduction (see docs/dpor.md for the relation and why it
// is sound, and strategies/dpor.cpp for the search that uses it).
//
// A step is what one task does from the moment it is resumed (or goes on past a scheduling point
// without giving up the CPU) to its next scheduling point, block or exit. The runtime announces
// each step (EventKind::step) with the operation it performs; the op, block, finish, drop...
// events emitted while it runs add what else it touched. Two steps of different tasks are
// dependent when they touch one key in conflicting ways, or either is global.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "weft/harness/small_vector.hpp"
#include "weft/observer.hpp"

namespace weft {

// What a step does to a key. read: observes without changing what others observe (an atomic
// load, a join of a task); self: a step of task X on X's own key; write, exit, cancel: change it.
enum class AccessKind : std::uint8_t { read, self, write, exit, cancel };

// A key names a sync object or a task within one runtime of one execution: runtimes (including
// nested and successive ones) get a generation each, so ids that repeat across them stay apart.
using AccessKey = std::uint64_t;
constexpr AccessKey object_key(std::uint32_t generation, ObjectId object) noexcept {
  return AccessKey{generation} << 40 | object;
}
constexpr AccessKey task_key(std::uint32_t generation, TaskId task) noexcept {
  return AccessKey{generation} << 40 | AccessKey{1} << 39 | task;
}

struct Access {
  AccessKey key = 0;
  AccessKind kind = AccessKind::write;
  friend bool operator==(const Access&, const Access&) = default;
};

// Changes the key for everyone after it (so it conflicts with every access to the key).
constexpr bool changes(AccessKind kind) noexcept {
  return kind == AccessKind::write || kind == AccessKind::exit || kind == AccessKind::cancel;
}
// Two accesses conflict when they share a key and at least one changes it.
constexpr bool conflicts(const Access& a, const Access& b) noexcept {
  return a.key == b.key && (changes(a.kind) || changes(b.kind));
}

// The access an operation makes to its object (none for yield, sleep, choose and kNoObject),
// `generation` being its runtime's. Inline: the step log asks it for nearly every event.
inline bool access_of(Op op, ObjectKind kind, ObjectId object, std::uint32_t generation,
                      Access* out) {
  switch (op) {
    case Op::none:
    case Op::start:  // the task's own key, which every step of it touches anyway
    case Op::yield:
    case Op::sleep:  // reads the clock, which only barriers and global steps change
    case Op::choose:
    case Op::drop:
      return false;
    case Op::spawn:
      *out = Access{task_key(generation, object), AccessKind::write};
      return true;
    case Op::join:
      *out = Access{task_key(generation, object), AccessKind::read};
      return true;
    case Op::abort:
      *out = Access{task_key(generation, object), AccessKind::cancel};
      return true;
    default:
      break;
  }
  if (object == kNoObject || kind == ObjectKind::task || kind == ObjectKind::timer) return false;
  // Two atomic loads commute; every other operation on one object changes what the next one
  // sees (lock state and waiter queues, channel buffers, permits, notified flags).
  const bool read = op == Op::load && kind == ObjectKind::atomic;
  *out = Access{object_key(generation, object), read ? AccessKind::read : AccessKind::write};
  return true;
}

// What a step touched: its own key, its operation's object, seldom more (inline up to four).
using AccessList = SmallVector<Access, 4>;
// Steps (indices into the log) another step must follow.
using StepList = SmallVector<std::uint32_t, 4>;

// A step of the execution as the log saw it.
struct StepRecord {
  TaskId task = kNoTask;         // kNoTask: a barrier (the runtime moved time or stopped)
  std::uint32_t generation = 0;  // the runtime's generation
  std::int32_t frame = -1;       // the decision (strategy frame) that chose it, or -1
  bool global = false;           // dependent with every step (the root's exit, a task's advance)
  bool barrier = false;          // happens after every earlier step and before every later one
  bool drop = false;             // a shutdown or JoinHandle drop of `task`
  bool gave_way = false;         // the task gave way before it (global: see the step log)
  AccessList accesses;           // what it touched (duplicates removed)
  // Single-receiver channels (mpsc, oneshot): the channel this step sent to while it was empty,
  // and the one it received a value from (0: none). A receive that took the value of a send to
  // an empty channel does not race with that send: run first, it would only have waited.
  AccessKey filled = 0;
  AccessKey drained = 0;
  // The task key this step began by joining (0: none). Run before the joined task's exit, the
  // step would only have parked (it waits as the task's one joiner), so it does not race with
  // that exit however else the two conflict.
  AccessKey joined = 0;
  StepList after;  // steps it must follow: the waker, the spawner, the dropper
};

// Whether two steps are dependent: same task, either global or a barrier, or conflicting accesses.
bool dependent(const StepRecord& a, const StepRecord& b) noexcept;
// Whether step `s` is dependent with a step touching `accesses` (global when `global`) of task
// `task`.
bool dependent(const StepRecord& s, TaskId task, std::span<const Access> accesses,
               bool global) noexcept;

// Turns the runtime's events into steps. Install as an observer for one execution at a time;
// `expect_frame` tells it that the next step to begin was chosen by that decision.
class StepLog final : public Observer {
 public:
  void clear();
  void expect_frame(std::int32_t frame) noexcept { pending_frame_ = frame; }
  std::size_t size() const noexcept { return used_; }
  const StepRecord& operator[](std::size_t i) const noexcept { return steps_[i]; }
  std::span<const StepRecord> steps() const noexcept { return {steps_.data(), used_}; }

  void on_event(const Event& e) override;
  EventMask interests() const override;

 private:
  struct TaskState {
    std::int32_t step = -1;  // its current step, -1 before its first
    StepList edges;          // steps its next step must follow
    bool dropping = false;   // dropped, unwinding: its events go to the drop step
    bool waitable = false;   // the current step waits as a channel's one receiver
    Access waited;           // or a task's one joiner, on this
  };
  // Both run for every event: their common case is inline, the rare one (a runtime not seen
  // last time, a task id past the table) out of line.
  std::uint32_t generation_of(const Runtime* runtime) {
    return runtime == last_runtime_ && runtime != nullptr ? last_generation_
                                                          : find_generation(runtime);
  }
  TaskState& task(std::uint32_t generation, TaskId id) {
    auto& tasks = tasks_[generation];
    return id < tasks.size() ? tasks[id] : grow_tasks(tasks, id);
  }
  std::uint32_t find_generation(const Runtime* runtime);
  static TaskState& grow_tasks(std::vector<TaskState>& tasks, TaskId id);
  static void reset(TaskState& t);
  StepRecord& begin(TaskId id, std::uint32_t generation);
  StepRecord* current(std::uint32_t generation, TaskId id) {
    if (id == kNoTask) return nullptr;
    const TaskState& t = task(generation, id);
    return t.step < 0 ? nullptr : &steps_[static_cast<std::size_t>(t.step)];
  }
  // Adds `a` to the step's accesses, or strengthens the one it has on the key.
  static void add(StepRecord& s, Access a) {
    for (Access& b : s.accesses) {
      if (b.key != a.key) continue;
      if (changes(a.kind) && !changes(b.kind)) b.kind = a.kind;
      return;
    }
    s.accesses.push_back(a);
  }
  void barrier();

  std::vector<StepRecord> steps_;  // the first used_ are this execution's (the rest reused)
  std::size_t used_ = 0;
  std::int32_t pending_frame_ = -1;
  TaskId dropping_ = kNoTask;             // the task being dropped (events of the runtime go to it)
  std::vector<const Runtime*> runtimes_;  // by generation; nullptr once shut down
  const Runtime* last_runtime_ = nullptr;          // the runtime of the last event (nullptr: none)
  std::uint32_t last_generation_ = 0;              // and its generation
  std::vector<std::vector<TaskState>> tasks_;      // by generation, then task id
  std::vector<std::vector<std::int64_t>> queued_;  // by generation, then object: values queued
};

}  // namespace weft
