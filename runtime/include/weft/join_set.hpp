// weft::JoinSet: tokio's JoinSet, a collection of spawned tasks joined in the order they end.
// join_next() waits for the next task to end; dropping the set aborts the tasks still in it.
#pragma once
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/detail/primitive.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/source_location.hpp"
#include "weft/task.hpp"

namespace weft {

// What a task of a JoinSet came to (tokio's Result<T, JoinError>): its value, or the JoinError
// of its panic or cancellation. For void tasks the value is true.
template <class T>
class JoinResult {
 public:
  using Value = std::conditional_t<std::is_void_v<T>, bool, T>;
  static JoinResult ok(TaskId id, Value value) { return JoinResult(id, std::move(value)); }
  static JoinResult err(TaskId id, JoinError error) { return JoinResult(id, std::move(error)); }

  bool is_ok() const noexcept { return value_.has_value(); }
  bool is_err() const noexcept { return error_.has_value(); }
  TaskId id() const noexcept { return id_; }
  // Preconditions: is_ok() / is_err().
  Value& value() { return *value_; }
  const JoinError& error() const { return *error_; }
  // The value, or throws the JoinError (as join() would).
  Value unwrap() {
    if (error_) throw *error_;
    return std::move(*value_);
  }

 private:
  JoinResult(TaskId id, Value value) : id_(id), value_(std::move(value)) {}
  JoinResult(TaskId id, JoinError error) : id_(id), error_(std::move(error)) {}
  TaskId id_;
  std::optional<Value> value_;
  std::optional<JoinError> error_;
};

namespace detail {
template <class T>
class JoinNextArm;

// Shared by a JoinSet and the closures of its tasks. A task lives in a slot of the set from its
// spawn until join_next returns it (or the set forgets it): then the slot is free for the next
// spawn, so a set that spawns a task per request stays as large as its tasks alive at once.
struct JoinSetShared {
  WaitQueue waiters;  // tasks in join_next()
  // Slots whose task has ended and was not returned yet, in the order the tasks ended (tokio's
  // JoinSet returns them in that order too): join_next pops the front, O(1).
  std::deque<std::size_t> done;
  // By slot: the set's task there; kNoTask when the slot is free, or detached (its task runs on
  // outside the set and frees the slot when it ends).
  std::vector<TaskId> ids;
  std::vector<std::size_t> free_slots;
};

// Held by each task's closure: destroyed when the task ends (returned, panicked, or dropped:
// the closure goes after the outcome is set), it queues the task's slot and wakes join_next; a
// detached task's slot becomes free instead.
class JoinSetSlot {
 public:
  JoinSetSlot(std::shared_ptr<JoinSetShared> shared, std::size_t slot) noexcept
      : shared_(std::move(shared)), slot_(slot) {}
  JoinSetSlot(JoinSetSlot&& other) noexcept
      : shared_(std::move(other.shared_)), slot_(other.slot_) {}
  JoinSetSlot& operator=(JoinSetSlot&&) = delete;
  ~JoinSetSlot();

 private:
  std::shared_ptr<JoinSetShared> shared_;
  std::size_t slot_;
};
}  // namespace detail

template <class T>
class JoinSet {
 public:
  JoinSet() : shared_(std::make_shared<detail::JoinSetShared>()) {}
  JoinSet(JoinSet&& other) noexcept
      : shared_(std::move(other.shared_)),
        handles_(std::move(other.handles_)),
        prev_(std::move(other.prev_)),
        next_(std::move(other.next_)),
        head_(std::exchange(other.head_, kNone)),
        tail_(std::exchange(other.tail_, kNone)),
        len_(std::exchange(other.len_, 0)) {
    other.handles_.clear();
  }
  JoinSet& operator=(JoinSet&&) = delete;
  JoinSet(const JoinSet&) = delete;
  JoinSet& operator=(const JoinSet&) = delete;
  // Aborts every task still in the set (tokio: dropping a JoinSet aborts its tasks). Never
  // waits: they are dropped at their next suspension point, as abort() does.
  ~JoinSet() {
    for (JoinHandle<T>& h : handles_)
      if (h.valid()) detail::abort_task_quietly(*h.state());
  }

  // Spawns fn (weft::spawn) into the set. Returns the task's AbortHandle (tokio's JoinSet::spawn
  // does too): abort() cancels that one task at its await point, and join_next then returns it
  // as cancelled (unless it ended first); it converts to the task's id.
  template <class F>
  AbortHandle spawn(F&& fn, std::string name = {},
                    SourceLocation where = SourceLocation::current()) {
    std::size_t slot;
    if (!shared_->free_slots.empty()) {
      slot = shared_->free_slots.back();
      shared_->free_slots.pop_back();
    } else {
      slot = shared_->ids.size();
      shared_->ids.push_back(kNoTask);
      handles_.emplace_back();
      prev_.push_back(kNone);
      next_.push_back(kNone);
    }
    auto handle = weft::spawn([guard = detail::JoinSetSlot(shared_, slot),
                               fn = std::forward<F>(fn)]() mutable -> T { return fn(); },
                              std::move(name), where);
    shared_->ids[slot] = handle.id();
    AbortHandle abort = handle.abort_handle();
    handles_[slot] = std::move(handle);
    link(slot);
    return abort;
  }

  // Waits until a task of the set ends and returns what it came to, in the order the tasks
  // ended; std::nullopt at once when the set is empty. A suspension point, cancel-safe: a task
  // dropped while waiting here loses no result. O(1) (amortised) whatever the set's size.
  // Precondition: from a task.
  std::optional<JoinResult<T>> join_next(SourceLocation where = SourceLocation::current()) {
    detail::Scheduler& s = detail::scheduler_for("JoinSet::join_next", where);
    detail::schedule_point(s, Op::join, ObjectKind::task, oldest(), where);
    while (len_ != 0 && shared_->done.empty()) {
      detail::Waiter w(detail::current_task());
      shared_->waiters.push_back(w);
      const TaskId waits_for = oldest();
      detail::block_queued(
          s, w, detail::WaitInfo{Op::join, ObjectKind::task, waits_for, waits_for, where});
    }
    return pop_next();
  }
  // A task that has ended, if there is one, without waiting (no scheduling point).
  std::optional<JoinResult<T>> try_join_next() { return pop_next(); }

  // Aborts every task in the set; they stay in it until join_next returns them (cancelled, or
  // finished if the abort came too late). One scheduling point; never waits.
  void abort_all(SourceLocation where = SourceLocation::current()) {
    detail::Scheduler& s = detail::scheduler_for("JoinSet::abort_all", where);
    detail::schedule_point(s, Op::abort, ObjectKind::task, kNoObject, where);
    for (JoinHandle<T>& h : handles_)
      if (h.valid()) detail::abort_task_quietly(*h.state());
  }
  // Forgets every task: they run on, detached.
  void detach_all() {
    for (TaskId& id : shared_->ids) id = kNoTask;
    // Ended tasks' slots are free now; running ones free theirs when they end.
    for (std::size_t slot : shared_->done) shared_->free_slots.push_back(slot);
    shared_->done.clear();
    for (JoinHandle<T>& h : handles_) h = JoinHandle<T>();
    head_ = tail_ = kNone;
    len_ = 0;
  }
  // Aborts every task and waits until all have ended (tokio's shutdown). A suspension point.
  void shutdown(SourceLocation where = SourceLocation::current()) {
    abort_all(where);
    while (join_next(where)) {
    }
  }

  // Tasks in the set: spawned and not yet returned by join_next (ended or not).
  std::size_t len() const noexcept { return len_; }
  bool is_empty() const noexcept { return len_ == 0; }

 private:
  friend class detail::JoinNextArm<T>;
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // The tasks in the set form a list in spawn order (prev_/next_ by slot), so that a wait names
  // the oldest one (as it did when the set was a vector) in O(1).
  void link(std::size_t slot) noexcept {
    prev_[slot] = tail_;
    next_[slot] = kNone;
    (tail_ == kNone ? head_ : next_[tail_]) = slot;
    tail_ = slot;
    ++len_;
  }
  void unlink(std::size_t slot) noexcept {
    (prev_[slot] == kNone ? head_ : next_[prev_[slot]]) = next_[slot];
    (next_[slot] == kNone ? tail_ : prev_[next_[slot]]) = prev_[slot];
    --len_;
  }
  TaskId oldest() const noexcept { return head_ == kNone ? kNoTask : handles_[head_].id(); }

  std::optional<JoinResult<T>> pop_next() {
    if (shared_->done.empty()) return std::nullopt;
    const std::size_t slot = shared_->done.front();
    shared_->done.pop_front();
    JoinHandle<T> handle = std::move(handles_[slot]);
    shared_->ids[slot] = kNoTask;
    shared_->free_slots.push_back(slot);
    unlink(slot);
    return result_of(handle);
  }
  static JoinResult<T> result_of(JoinHandle<T>& handle) {
    const TaskId id = handle.id();
    try {
      if constexpr (std::is_void_v<T>) {
        handle.join_finished();
        return JoinResult<T>::ok(id, true);
      } else {
        return JoinResult<T>::ok(id, handle.join_finished());
      }
    } catch (const JoinError& error) {
      return JoinResult<T>::err(id, error);
    }
  }

  std::shared_ptr<detail::JoinSetShared> shared_;
  std::vector<JoinHandle<T>> handles_;  // by slot; empty where no task of the set is
  std::vector<std::size_t> prev_, next_;
  std::size_t head_ = kNone, tail_ = kNone;
  std::size_t len_ = 0;
};

namespace detail {
// join_next() as a select branch (cancel-safe: a lost branch leaves the result in the set).
template <class T>
class JoinNextArm final : public SelectArm {
 public:
  using value_type = std::optional<JoinResult<T>>;
  explicit JoinNextArm(JoinSet<T>& set) noexcept : set_(&set) {}
  bool ready() noexcept override { return set_->len_ == 0 || !set_->shared_->done.empty(); }
  void arm(const OpSite&) noexcept override { w_.queue_in(set_->shared_->waiters); }
  void disarm(const OpSite&) noexcept override { w_.leave(); }
  WaitInfo info(Scheduler&, SourceLocation where) noexcept override {
    const TaskId first = set_->oldest();
    return WaitInfo{Op::join, ObjectKind::task, first == kNoTask ? kNoObject : first, first, where};
  }
  value_type take() {
    w_.leave();
    return set_->pop_next();
  }

 private:
  JoinSet<T>* set_;
  ArmWaiter w_;
};
}  // namespace detail

namespace when {
// The next task of the set to end (std::nullopt when the set is empty), as join_next().
template <class T>
detail::JoinNextArm<T> join_next(JoinSet<T>& set) {
  return detail::JoinNextArm<T>(set);
}
}  // namespace when

}  // namespace weft
