// Tasks: spawn, JoinHandle, yield_now, timeout and user-level choices.
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "weft/detail/primitive.hpp"
#include "weft/detail/scheduler_api.hpp"
#include "weft/ids.hpp"
#include "weft/source_location.hpp"
#include "weft/time.hpp"

namespace weft {

// What join() throws when the task did not return a value.
class JoinError : public std::runtime_error {
 public:
  JoinError(TaskId task, std::string name, bool cancelled, std::exception_ptr panic,
            SourceLocation where = {});
  bool is_cancelled() const noexcept { return cancelled_; }
  // Where the task panicked: a failed check's site, else the task's last scheduling point (the
  // panic happened after it). Empty for a cancellation.
  SourceLocation where() const noexcept { return where_; }
  bool is_panic() const noexcept { return !cancelled_; }
  // The exception that escaped the task (precondition: is_panic()).
  std::exception_ptr panic() const noexcept { return panic_; }
  TaskId task() const noexcept { return task_; }
  const std::string& task_name() const noexcept { return name_; }

 private:
  TaskId task_;
  std::string name_;
  bool cancelled_;
  std::exception_ptr panic_;
  SourceLocation where_;
};

namespace detail {
template <class T>
struct JoinState final : JoinStateBase {
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;
};

// The body of a spawned task: runs fn and stores its value in the join state. It lives inside
// the task's TaskCell; deleting it (the runtime does, as soon as the task finishes or is dropped)
// destroys fn and its captures, and the memory goes with the cell.
template <class F, class T>
class TaskBodyImpl final : public TaskBody {
 public:
  TaskBodyImpl(F&& fn, JoinState<T>& state) : fn_(std::move(fn)), state_(&state) {}
  void run() override {
    run_guarded([this] {
      if constexpr (std::is_void_v<T>) {
        fn_();
        state_->value.emplace(true);
      } else {
        state_->value.emplace(fn_());
      }
    });
  }
  static void* operator new(std::size_t) = delete;  // only placed in a TaskCell
  static void operator delete(void*) noexcept {}

 private:
  F fn_;
  JoinState<T>* state_;  // the cell outlives the body: the task holds it until the body is gone
};

// A task's join state and body in one allocation. The body is constructed by spawn and destroyed
// by the runtime (through its unique_ptr<TaskBody>) before the task lets go of the state.
template <class F, class T>
struct TaskCell {
  JoinState<T> state;
  union {
    TaskBodyImpl<F, T> body;
  };
  TaskCell() {}
  ~TaskCell() {}
};

[[noreturn]] void throw_join_error(JoinStateBase& state);
// The JoinError of a task that did not finish, its panic or cancellation marked as observed (as
// a join that throws it does), for results handed over without a throw (JoinSet::join_next).
JoinError join_error(JoinStateBase& state);
template <class T>
class JoinArm;
}  // namespace detail

template <class T>
class JoinSet;

// The right to abort one task without the right to join it (tokio's AbortHandle): what
// JoinSet::spawn and JoinHandle::abort_handle() return. Copyable; dropping it does nothing to the
// task. Converts to the task's id (what JoinSet::spawn returned before it returned this).
class AbortHandle {
 public:
  AbortHandle() = default;
  explicit AbortHandle(std::shared_ptr<detail::JoinStateBase> state) noexcept
      : state_(std::move(state)) {}
  // As JoinHandle::abort: the task is cancelled where it is suspended at an await, or at its next
  // await if it is running; it may finish normally first. A scheduling point; does nothing once
  // the task has ended (or on an empty handle).
  void abort(SourceLocation where = SourceLocation::current()) const {
    if (state_) detail::abort_task(*state_, where);
  }
  // Whether the task has ended (returned, panicked or been cancelled).
  bool is_finished() const noexcept {
    if (!state_) return false;
    detail::note_task_read(state_->id);
    return state_->outcome != detail::TaskOutcome::pending;
  }
  TaskId id() const noexcept { return state_ ? state_->id : kNoTask; }
  operator TaskId() const noexcept { return id(); }  // NOLINT(google-explicit-constructor)

 private:
  std::shared_ptr<detail::JoinStateBase> state_;
};

// Owns the right to join a task. Dropping it detaches the task (it keeps running).
template <class T>
class JoinHandle {
 public:
  JoinHandle() = default;
  explicit JoinHandle(std::shared_ptr<detail::JoinState<T>> state) : state_(std::move(state)) {}
  JoinHandle(JoinHandle&&) noexcept = default;
  JoinHandle& operator=(JoinHandle&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~JoinHandle() { release(); }

  // Suspends until the task completes. Returns its value; throws JoinError if it panicked or was
  // cancelled. Precondition: valid() (a handle is joined once).
  T join(SourceLocation where = SourceLocation::current()) {
    auto state = take("join", where);
    detail::join_wait(*state, where);
    return finish(*state);
  }
  // Like join, with a virtual-time limit: std::nullopt if the task is still running then (the
  // handle stays valid). For void tasks the optional holds true.
  auto join_for(Duration limit, SourceLocation where = SourceLocation::current()) {
    using V = std::conditional_t<std::is_void_v<T>, bool, T>;
    check_valid("join_for", where);
    if (!detail::join_wait_until(*state_, deadline_after(limit), where)) return std::optional<V>{};
    auto state = take("join_for", where);
    if constexpr (std::is_void_v<T>) {
      finish(*state);
      return std::optional<V>{true};
    } else {
      return std::optional<V>{finish(*state)};
    }
  }
  // Requests cancellation, as tokio's JoinHandle::abort: the task is dropped where it is
  // suspended (blocked or yielded: its stack unwinds from there), or, when it is running code
  // between two suspension points (preempted at an operation that does not suspend), at the next
  // operation that suspends. It may finish normally first. Never inside a destructor.
  void abort(SourceLocation where = SourceLocation::current()) {
    if (state_) detail::abort_task(*state_, where);
  }
  bool is_finished() const noexcept {
    if (!state_) return false;
    detail::note_task_read(state_->id);
    return state_->outcome != detail::TaskOutcome::pending;
  }
  // A handle that can abort this task but not join it (empty if this handle is).
  AbortHandle abort_handle() const noexcept { return AbortHandle(state_); }
  bool valid() const noexcept { return state_ != nullptr; }
  TaskId id() const noexcept { return state_ ? state_->id : kNoTask; }
  std::shared_ptr<detail::JoinStateBase> state() const noexcept { return state_; }

 private:
  template <class>
  friend class detail::JoinArm;
  template <class>
  friend class JoinSet;
  // join() of a task that has finished: no scheduling point. Precondition: is_finished().
  T join_finished() { return finish(*take("join", SourceLocation::current())); }
  void check_valid(const char* what, SourceLocation) const {
    if (!state_) throw std::logic_error(std::string("JoinHandle::") + what + " on an empty handle");
  }
  std::shared_ptr<detail::JoinState<T>> take(const char* what, SourceLocation where) {
    check_valid(what, where);
    return std::exchange(state_, nullptr);
  }
  static T finish(detail::JoinState<T>& state) {
    state.joined = true;
    state.handle_alive = false;
    if (state.outcome != detail::TaskOutcome::finished) detail::throw_join_error(state);
    if constexpr (!std::is_void_v<T>) return std::move(*state.value);
  }
  void release() noexcept {
    if (state_) {
      state_->handle_alive = false;
      detail::handle_dropped(*state_);
      state_.reset();
    }
  }
  std::shared_ptr<detail::JoinState<T>> state_;
};

// Spawns fn as a new task of the current runtime. fn is moved into the task; it runs when the
// scheduler picks it. Precondition: called from a task.
// (name is moved into spawn_task; the call depends on F, which clang-tidy's value-parameter check
// does not see through.)
template <class F>
requires std::invocable < std::decay_t<F>
& > auto spawn(F&& fn, std::string name = {},  // NOLINT(performance-unnecessary-value-param)
               SourceLocation where = SourceLocation::current()) {
  using Fn = std::decay_t<F>;
  using T = std::invoke_result_t<Fn&>;
  auto cell = std::allocate_shared<detail::TaskCell<Fn, T>>(
      detail::TaskCellAllocator<detail::TaskCell<Fn, T>>());
  detail::JoinState<T>* join_state = &cell->state;
  std::unique_ptr<detail::TaskBody> body(
      ::new (&cell->body) detail::TaskBodyImpl<Fn, T>(Fn(std::forward<F>(fn)), *join_state));
  std::shared_ptr<detail::JoinState<T>> state(std::move(cell), join_state);
  detail::spawn_task(std::move(body), state, std::move(name), where);
  return JoinHandle<T>(std::move(state));
}

// Lets other runnable tasks run (a scheduling point in both flavors).
void yield_now(SourceLocation where = SourceLocation::current());

// The most values one weft::choose may offer: every value is a candidate of its decision.
inline constexpr std::size_t kMaxChoice = std::size_t{1} << 20;

// A nondeterministic value in [0, n) chosen by the exploration (0 outside one). Throws
// std::invalid_argument unless 0 < n <= kMaxChoice.
std::size_t choose(std::size_t n, SourceLocation where = SourceLocation::current());

// The running task's id and name.
TaskId current_task_id();
std::string_view current_task_name();

// Runs fn as a child task with a time limit. Returns its value, or std::nullopt if the limit
// passed first; the child is then dropped at the await it is suspended at (its stack unwinds)
// before timeout returns, like tokio::time::timeout dropping its future. As in tokio (which
// polls the inner future before the deadline), fn wins a tie: if it was woken at the deadline
// (or has not suspended since), it runs up to its next suspension point first, and if it
// finishes there its value is returned. A panic in fn is rethrown as is. For void fn the
// optional holds true.
template <class F>
auto timeout(Duration limit, F&& fn, SourceLocation where = SourceLocation::current()) {
  using T = std::invoke_result_t<F&>;
  using V = std::conditional_t<std::is_void_v<T>, bool, T>;
  auto child = spawn([&fn]() -> T { return fn(); }, "timeout", where);
  // fn lives on this stack: if this task is dropped while waiting, the child goes first.
  detail::ScopedChild scope(child.state());
  try {
    // Never assigned to: a value such as a MutexGuard or a SemaphorePermit can be moved, not
    // move-assigned.
    if (auto result = child.join_for(limit, where)) return std::optional<V>(std::move(*result));
    detail::settle_inner(*child.state(), where);
    if (child.is_finished())
      if (auto late = child.join_for(Duration::zero(), where))
        return std::optional<V>(std::move(*late));
  } catch (const JoinError& error) {
    if (error.is_panic()) std::rethrow_exception(error.panic());
    throw;
  }
  child.abort(where);
  try {
    (void)child.join(where);  // a cancelled child throws; its value (if any) is not wanted
  } catch (const JoinError&) {
  }
  return std::optional<V>{};
}

// timeout with an absolute deadline (tokio::time::timeout_at).
template <class F>
auto timeout_at(Instant deadline, F&& fn, SourceLocation where = SourceLocation::current()) {
  return timeout(saturating_sub(deadline, now()), std::forward<F>(fn), where);
}

}  // namespace weft
