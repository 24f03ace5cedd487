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

// Shared by a JoinSet and the closures of its tasks: the order in which the tasks ended.
struct JoinSetShared {
  WaitQueue waiters;        // tasks in join_next()
  std::deque<TaskId> done;  // ended, not yet returned by join_next, in the order they ended
  std::vector<TaskId> ids;  // by slot: the task spawned there (kNoTask once detached)
  // Slots whose task has ended, for the next spawns: a set that lives as long as a server and
  // spawns a task per request stays as large as its tasks alive at once, not all it ever had.
  std::vector<std::size_t> free_slots;
};

// Held by each task's closure: destroyed when the task ends (returned, panicked, or dropped:
// the closure goes after the outcome is set), it queues the task's id and wakes join_next.
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
  JoinSet(JoinSet&&) noexcept = default;
  JoinSet& operator=(JoinSet&&) = delete;
  JoinSet(const JoinSet&) = delete;
  JoinSet& operator=(const JoinSet&) = delete;
  // Aborts every task still in the set (tokio: dropping a JoinSet aborts its tasks). Never
  // waits: they are dropped at their next suspension point, as abort() does.
  ~JoinSet() {
    for (JoinHandle<T>& h : handles_)
      if (h.valid()) detail::abort_task_quietly(*h.state());
  }

  // Spawns fn (weft::spawn) into the set. Returns the task's id.
  template <class F>
  TaskId spawn(F&& fn, std::string name = {}, SourceLocation where = SourceLocation::current()) {
    std::size_t slot;
    if (!shared_->free_slots.empty()) {
      slot = shared_->free_slots.back();
      shared_->free_slots.pop_back();
    } else {
      slot = shared_->ids.size();
      shared_->ids.push_back(kNoTask);
    }
    auto handle = weft::spawn([guard = detail::JoinSetSlot(shared_, slot),
                               fn = std::forward<F>(fn)]() mutable -> T { return fn(); },
                              std::move(name), where);
    const TaskId id = handle.id();
    shared_->ids[slot] = id;
    handles_.push_back(std::move(handle));
    return id;
  }

  // Waits until a task of the set ends and returns what it came to, in the order the tasks
  // ended; std::nullopt at once when the set is empty. A suspension point, cancel-safe: a task
  // dropped while waiting here loses no result. Precondition: from a task.
  std::optional<JoinResult<T>> join_next(SourceLocation where = SourceLocation::current()) {
    detail::Scheduler& s = detail::scheduler_for("JoinSet::join_next", where);
    const TaskId first = handles_.empty() ? kNoTask : handles_.front().id();
    detail::schedule_point(s, Op::join, ObjectKind::task, first, where);
    while (!handles_.empty() && shared_->done.empty()) {
      detail::Waiter w(detail::current_task());
      shared_->waiters.push_back(w);
      const TaskId waits_for = handles_.front().id();
      detail::block_queued(
          s, w, detail::WaitInfo{Op::join, ObjectKind::task, waits_for, waits_for, where});
    }
    return pop_next();
  }
  // A task that has ended, if there is one, without waiting.
  std::optional<JoinResult<T>> try_join_next() { return pop_next(); }

  // Aborts every task in the set; they stay in it until join_next returns them (cancelled, or
  // finished if the abort came too late). One scheduling point; never waits.
  void abort_all(SourceLocation where = SourceLocation::current()) {
    detail::Scheduler& s = detail::scheduler_for("JoinSet::abort_all", where);
    detail::schedule_point(s, Op::abort, ObjectKind::task, kNoObject, where);
    for (JoinHandle<T>& h : handles_) detail::abort_task_quietly(*h.state());
  }
  // Forgets every task: they run on, detached.
  void detach_all() {
    for (TaskId& id : shared_->ids) id = kNoTask;
    shared_->done.clear();
    handles_.clear();
  }
  // Aborts every task and waits until all have ended (tokio's shutdown). A suspension point.
  void shutdown(SourceLocation where = SourceLocation::current()) {
    abort_all(where);
    while (join_next(where)) {
    }
  }

  std::size_t len() const noexcept { return handles_.size(); }
  bool is_empty() const noexcept { return handles_.empty(); }

 private:
  friend class detail::JoinNextArm<T>;

  std::optional<JoinResult<T>> pop_next() {
    while (!shared_->done.empty()) {
      const TaskId id = shared_->done.front();
      shared_->done.pop_front();
      for (auto it = handles_.begin(); it != handles_.end(); ++it) {
        if (it->id() != id) continue;
        JoinHandle<T> handle = std::move(*it);
        handles_.erase(it);
        return result_of(handle);
      }
    }
    return std::nullopt;
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
  std::vector<JoinHandle<T>> handles_;  // in spawn order
};

namespace detail {
// join_next() as a select branch (cancel-safe: a lost branch leaves the result in the set).
template <class T>
class JoinNextArm final : public SelectArm {
 public:
  using value_type = std::optional<JoinResult<T>>;
  explicit JoinNextArm(JoinSet<T>& set) noexcept : set_(&set) {}
  bool ready() noexcept override { return set_->handles_.empty() || !set_->shared_->done.empty(); }
  void arm(const OpSite&) noexcept override { w_.queue_in(set_->shared_->waiters); }
  void disarm(const OpSite&) noexcept override { w_.leave(); }
  WaitInfo info(Scheduler&, SourceLocation where) noexcept override {
    const TaskId first = set_->handles_.empty() ? kNoTask : set_->handles_.front().id();
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
