// The runtime's internal interface for primitives and header templates: scheduling points,
// blocking, waking and event emission for the task that is running on this thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "weft/chooser.hpp"
#include "weft/ids.hpp"
#include "weft/source_location.hpp"
#include "weft/time.hpp"

namespace weft::detail {

class Scheduler;
struct Task;

// Thrown from a scheduling point of a task being dropped (shutdown or abort) so that its stack
// unwinds, as a forced unwind (src/forced_unwind.hpp): only catch (...) catches it, and the
// runtime reports a catch that does not rethrow. No code should name it in a handler.
struct TaskCancelled {};

// An object's identity inside one runtime, assigned on first use (see ObjectKind).
struct ObjectTag {
  ObjectId id = kNoObject;
  // For an object built by a standard-library call (see record_creation): how many such objects
  // the creating task built before it since its last scheduling point. 0 otherwise.
  std::uint32_t library_ordinal = 0;
  std::uint64_t runtime_epoch = 0;
  // Where the object was constructed, when its constructor records it (every primitive's does).
  // Stable across executions, unlike id; reported with EventKind::object_created when the id is
  // assigned.
  SourceLocation created{};
  // The name given at construction, or nullptr (interned: it lives as long as the process, so the
  // tag stays trivially destructible and the object small).
  const char* name = nullptr;
};

// A stable copy of `name` for ObjectTag::name (nullptr for an empty one). Thread-safe.
const char* intern_object_name(std::string_view name);

// Whether `file` is a header of the C++ standard library (creation_site.cpp).
bool in_standard_library(const char* file) noexcept;
// A constructor's default SourceLocation argument is evaluated where the constructor is called:
// for an object built by std::make_shared, allocate_shared, make_unique, vector::emplace_back...
// that is inside the library (bits/stl_construct.h), a line that says nothing and is the same for
// every such object. Such a site is replaced here by the creating task's last scheduling point,
// marked as such (library_call_site), and the object numbered among those the task built since
// that point (ObjectTag::library_ordinal): both are the same in every execution that runs the
// task's code the same way. Outside a task the site becomes unknown (still marked).
void settle_library_site(ObjectTag& tag) noexcept;
// Whether `created` is such a replacement: its file and line are those of the creating task's
// last scheduling point before a standard-library call built the object (or empty: unknown).
bool library_call_site(const SourceLocation& created) noexcept;
// What every constructor does with its SourceLocation argument.
constexpr void record_creation(ObjectTag& tag, SourceLocation created) noexcept {
  tag.created = created;
  if (!std::is_constant_evaluated()) settle_library_site(tag);
}

// Records where an object was created and the name given to it ("" for none), for factories
// that build the object inside the library (channels): their own caller's site is passed in.
inline void describe_object(ObjectTag& tag, SourceLocation created, std::string_view name) {
  record_creation(tag, created);
  tag.name = intern_object_name(name);
}

// The scheduler of the runtime whose task runs on this thread, or nullptr.
Scheduler* current_scheduler() noexcept;
// Like current_scheduler(), but throws RuntimeError naming `what` when called outside a task.
Scheduler& scheduler_for(const char* what, SourceLocation where);
Task* current_task() noexcept;
TaskId task_id(const Task* task) noexcept;
bool is_cancelling(const Task* task) noexcept;

// Assigns the id on the object's first use in this runtime (emitting object_created when the
// tag knows its construction site).
ObjectId object_id(Scheduler& s, ObjectTag& tag, ObjectKind kind);

// A scheduling point before operation `op` on an object. In multi_thread flavor the chooser may
// run another task here. Throws TaskCancelled if the current task is being dropped.
void schedule_point(Scheduler& s, Op op, ObjectKind kind, ObjectId object, SourceLocation where);

// A decision of `kind` among n alternatives (n >= 1) about the running task's operation op on
// object, asked of the chooser; always 0 outside an exploration. Used for spurious condvar
// wakeups (DecisionKind::spurious: 0 = no, 1 = yes).
std::size_t choose_decision(Scheduler& s, DecisionKind kind, std::size_t n, Op op, ObjectId object);

// A yes/no decision (candidate 0: no, 1: yes) of `kind` about the running task's op on object,
// such as a spurious wake-up or a spurious compare_exchange_weak failure, within a budget: once
// a runtime has answered yes kYesBudget times, it answers no without asking, so a retry loop
// cannot be driven forever (a strategy that always says yes would otherwise never finish).
inline constexpr unsigned kYesBudget = 3;
bool choose_within_budget(Scheduler& s, DecisionKind kind, Op op, ObjectId object);

// Ends the execution where the real program would call std::terminate (a joinable std::thread
// destroyed, an exception escaping a thread's function, undefined behaviour of a std lock):
// the running task and every other task are abandoned where they are (never resumed, nothing
// unwinds: the program would not run another line), and block_on throws weft::Terminated with
// message and where. Outside a task it prints the message and calls std::terminate.
[[noreturn]] void terminate_execution(const std::string& message, SourceLocation where);

// Thrown instead of RuntimeError by an operation that needs a task when it is called outside any
// runtime in an exploration whose body has not started a runtime: the explorer then runs the body
// again as the root task ("main") of a runtime of its own, so a test body can be plain code.
// Not a std::exception, so only catch (...) catches it.
struct ImplicitRootNeeded {};
// Whether an operation outside a task should throw ImplicitRootNeeded (see above).
bool implicit_root_possible() noexcept;
// Runtimes constructed on this thread so far: the explorer compares the count around a body to
// tell a body that never ran weft at all (nothing to explore).
std::uint64_t runtimes_created() noexcept;

// An operation on a running runtime's object from an OS thread that runs no runtime
// (foreign_use.cpp): weft cannot see it, so the harness names it next to what the execution
// reports.
struct ForeignThreadUse {
  Op op = Op::none;
  SourceLocation where;
};
void runtime_started(std::uint64_t epoch);
void runtime_finished(std::uint64_t epoch) noexcept;
void note_foreign_use(std::uint64_t object_epoch, Op op, SourceLocation where) noexcept;
// The first foreign use of the last runtime that finished on this thread, once.
std::optional<ForeignThreadUse> take_foreign_thread_use() noexcept;

// While one is alive, the running task's scheduling points do not throw TaskCancelled; the first
// one after it does. For operations that never block and that code calls from destructors (an
// unlock in ~lock_guard, a count decremented in a destructor), where a throw would terminate.
class NoCancelScope {
 public:
  NoCancelScope() noexcept;
  ~NoCancelScope();
  NoCancelScope(const NoCancelScope&) = delete;
  NoCancelScope& operator=(const NoCancelScope&) = delete;

 private:
  Task* task_;
};

enum class WakeReason : std::uint8_t { woken, timed_out };

// What a blocked task waits for, for deadlock reports.
struct WaitInfo {
  Op op = Op::none;
  ObjectKind kind = ObjectKind::none;
  ObjectId object = kNoObject;
  TaskId holder = kNoTask;
  SourceLocation where;
};

struct Waiter;
// Suspends the current task until wake() or, when deadline is given, until the clock reaches it.
// Throws TaskCancelled if the task is dropped while blocked.
WakeReason block(Scheduler& s, const WaitInfo& info, const Instant* deadline = nullptr);
// Same for a task that queued w: however the wait ends (woken, timed out, dropped), w has left
// its queue when this returns or throws. The caller's frame then has nothing to clean up, and a
// dropped task's unwinding passes it without stopping at a landing pad (which costs a second
// unwinder pass per frame that has one).
WakeReason block_queued(Scheduler& s, Waiter& w, const WaitInfo& info,
                        const Instant* deadline = nullptr);
// Makes a blocked task runnable. No effect on a task that is not blocked.
void wake(Scheduler& s, Task* task) noexcept;
// Updates the holder of the current task's wait (e.g. a mutex changed owner while waiting).
void set_wait_holder(Task* task, TaskId holder) noexcept;
// The running runtime runs std's threads (weft::sim), which live in real time: time passes while
// every runnable task spins (Scheduler::let_time_pass). No effect outside a runtime.
void threads_run_in_real_time() noexcept;
// The last check the running task failed (note_failed_check): false when it failed none.
bool last_failed_check(std::string* message, SourceLocation* where);
// For weft::sim, where the runtime's shutdown is the process exit, which stops every other thread
// wherever it is. Whether the running runtime is shutting down (its root returned).
bool shutting_down() noexcept;
// The running task ends here, as a thread does at process exit: it is left as it is, never
// resumed, and nothing of it unwinds. Only while the runtime shuts down, or drops its tasks after
// a stop (else RuntimeError).
[[noreturn]] void end_at_exit(SourceLocation where);

// Observer events; cheap no-ops when no observer wants them.
void emit_op(Scheduler& s, Op op, ObjectKind kind, ObjectId object, std::int64_t value,
             SourceLocation where) noexcept;

// Intrusive node a blocked task puts in a primitive's wait queue, on the task's stack. Whoever
// queues it makes sure it leaves the queue before the frame goes: block_queued, or ScopedWaiter.
class WaitQueue;
struct Waiter {
  Task* task = nullptr;
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  WaitQueue* queue = nullptr;
  std::uint64_t tag = 0;  // primitive-specific (e.g. requested permits, read/write)
  bool notified = false;  // set by the waker before it wakes the task
  explicit Waiter(Task* t, std::uint64_t tag_value = 0) : task(t), tag(tag_value) {}
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  void leave() noexcept;  // unlinks it from its queue, if it is in one
};

// A waiter that leaves its queue when destroyed, for waits whose cleanup does more than that.
struct ScopedWaiter : Waiter {
  using Waiter::Waiter;
  ~ScopedWaiter() { leave(); }
};

// FIFO of waiters. Order is insertion order, which is deterministic for a given schedule.
class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  ~WaitQueue();
  void push_back(Waiter& w) noexcept;
  void remove(Waiter& w) noexcept;
  Waiter* front() const noexcept { return head_; }
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  // Unlinks the first waiter, marks it notified and wakes its task. Returns false when empty.
  bool notify_one(Scheduler& s) noexcept;
  // Unlinks, marks and wakes every waiter. Returns how many.
  std::size_t notify_all(Scheduler& s) noexcept;

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

// Type-erased body of a task; run() executes it on the task's fiber.
class TaskBody {
 public:
  virtual ~TaskBody() = default;
  // Runs the task's function through run_guarded: nothing escapes.
  virtual void run() = 0;
};

// What escaped a task's function (e: the std::exception, or nullptr for anything else), from
// inside run_guarded's handler: the scheduler tells the task's cancellation from its panic.
void task_body_threw(const std::exception* e) noexcept;

// Runs a task's function with the handlers in the caller's own frame (TaskBody::run), so an
// unwinding task (dropped, or panicking) stops there: every frame the unwinder walks costs it
// about 1.5k instructions, twice for a panic. A panic's message is read here, from the caught
// object, not by rethrowing it later.
template <class Fn>
[[gnu::always_inline]] inline void run_guarded(Fn&& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    task_body_threw(&e);
  } catch (...) {  // a cancellation's forced unwinding matches only this handler
    task_body_threw(nullptr);
  }
}

enum class TaskOutcome : std::uint8_t { pending, finished, panicked, cancelled };

// Shared between a task and its JoinHandle.
struct JoinStateBase {
  TaskId id = kNoTask;
  std::string name;  // empty for a task spawned without a name (it is called "task-<id>")
  TaskOutcome outcome = TaskOutcome::pending;
  std::exception_ptr panic;
  SourceLocation panic_where;  // see JoinError::where
  WaitQueue joiners;
  Task* task = nullptr;  // while the task is alive
  bool joined = false;
  bool handle_alive = true;
  virtual ~JoinStateBase() = default;
};

// Memory for a spawned task's join state and body, recycled per thread (spawning is frequent and
// the sizes repeat). Any thread may free a block; it joins that thread's cache.
void* allocate_task_cell(std::size_t bytes);
void free_task_cell(void* block, std::size_t bytes) noexcept;

template <class T>
struct TaskCellAllocator {
  using value_type = T;
  TaskCellAllocator() = default;
  template <class U>
  TaskCellAllocator(const TaskCellAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_task_cell(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { free_task_cell(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const TaskCellAllocator<U>&) const noexcept {
    return true;
  }
};

// Spawns a task on the current runtime. Returns the new task's id.
TaskId spawn_task(std::unique_ptr<TaskBody> body, std::shared_ptr<JoinStateBase> state,
                  std::string name, SourceLocation where);
// Suspends until the task of `state` completed (a scheduling point first).
void join_wait(JoinStateBase& state, SourceLocation where);
// Same with a deadline; returns false when it passed first.
bool join_wait_until(JoinStateBase& state, Instant deadline, SourceLocation where);
void abort_task(JoinStateBase& state, SourceLocation where);
// abort_task without the scheduling point, for destructors (a JoinSet's drop aborts its tasks).
void abort_task_quietly(JoinStateBase& state) noexcept;
// timeout's tie rule: unless the task of `state` is blocked (pending at an await), waits until it
// suspends again or finishes, as tokio polls a Timeout's inner future before its deadline.
void settle_inner(JoinStateBase& state, SourceLocation where);
// Drops the task now if it is still alive (used while the caller's stack unwinds).
void drop_now(JoinStateBase& state) noexcept;
// Drops a child task whose body refers to the current stack frame when the frame ends early.
class ScopedChild {
 public:
  explicit ScopedChild(std::shared_ptr<JoinStateBase> state) : state_(std::move(state)) {}
  ~ScopedChild() {
    if (state_) drop_now(*state_);
  }
  ScopedChild(const ScopedChild&) = delete;
  ScopedChild& operator=(const ScopedChild&) = delete;

 private:
  std::shared_ptr<JoinStateBase> state_;
};
// The handle was dropped: reported so detectors can see unjoined panics.
void handle_dropped(JoinStateBase& state) noexcept;

// True while std::terminate runs because a task's cancellation hit a noexcept frame on this
// thread: the runtime's own terminate handler turns that into a panic of the task, so other
// terminate handlers (the harness's crash report) must pass it on untouched.
bool cancellation_in_flight() noexcept;
// True inside a catch (...) that caught weft's own unwinding of a dropped task (TaskCancelled,
// which no handler can name): code that stores whatever it catches must rethrow that instead.
bool handling_cancellation() noexcept;
// Inside a catch (...): what was caught, for an exception not derived from std::exception
// ("an exception of type int"), so that reports name at least its type.
std::string caught_exception_type();

}  // namespace weft::detail
