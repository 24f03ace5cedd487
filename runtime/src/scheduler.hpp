// The scheduler core: tasks on fibers, the run queue, timers, scheduling points and shutdown.
// Everything nondeterministic is asked of the Chooser; everything that happens is told to the
// Observer.
#pragma once
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fiber.hpp"
#include "long_poll_clock.hpp"
#include "ranked_slots.hpp"
#include "task_arena.hpp"
#include "timer_queue.hpp"
#include "weft/chooser.hpp"
#include "weft/detail/scheduler_api.hpp"
#include "weft/detail/thread_watch.hpp"
#include "weft/observer.hpp"
#include "weft/runtime.hpp"
#include "weft/source_location.hpp"

namespace weft::detail {

// Recognises a task that spins without yielding: its scheduling points keep coming back to one of
// its last few points (a loop of at most kPeriod points: `while (!flag.load()) {}`, a try_lock
// or exchange retried in a loop, a test-and-test-and-set). After kSpinRepeats such points in a
// row the task is treated as if it had called weft::yield_now there.
struct SpinTracker {
  static constexpr unsigned kPeriod = 4;
  static constexpr unsigned kSpinRepeats = 8;
  std::uint64_t recent[kPeriod] = {};
  std::uint8_t next = 0;
  std::uint8_t repeats = 0;
  // Records a scheduling point; true when it completes a spin (and starts counting afresh).
  bool point(Op op, ObjectId object, const SourceLocation& where) noexcept {
    const std::uint64_t key =
        (reinterpret_cast<std::uintptr_t>(where.file_name()) * 31 + where.line()) *
            0x9e3779b97f4a7c15ULL ^
        (std::uint64_t{object} << 8 | static_cast<std::uint8_t>(op));
    bool seen = false;
    for (std::uint64_t k : recent) seen |= k == key;
    recent[next] = key;
    next = static_cast<std::uint8_t>((next + 1) % kPeriod);
    repeats = seen ? static_cast<std::uint8_t>(repeats + 1) : 0;
    if (repeats < kSpinRepeats) return false;
    repeats = 0;
    return true;
  }
  // The task changed shared state (an atomic to a new value, a value sent or received): a loop
  // that does so makes progress, and is not a spin however short its body.
  void progress() noexcept { repeats = 0; }
};

struct Task {
  TaskId id = kNoTask;
  std::string name;  // empty until asked for (Scheduler::task_name) when spawned without one
  SourceLocation spawn_site;
  TaskId parent = kNoTask;
  std::shared_ptr<JoinStateBase> join;
  std::unique_ptr<TaskBody> body;  // after join: destroyed first (it may live inside join's cell)
  Fiber fiber;
  TaskState state = TaskState::runnable;
  bool queued = false;
  // Cancellation (abort, timeout, shutdown) was requested. It is delivered (TaskCancelled thrown)
  // only where the task suspends (blocks or yields), never at a non-suspending operation and
  // never inside a destructor the runtime can see (see deliverable()).
  bool cancel_requested = false;
  // Runnable because it was preempted at a non-suspending scheduling point: in tokio terms it is
  // running code between two awaits, so it cannot be dropped until it next suspends.
  bool preempted = false;
  // Being dropped synchronously (drop_task): it runs to its next suspension point without
  // switching, and unwinds there.
  bool dropping = false;
  // After a deadlock or hang: cancellation lands at any scheduling point (nothing is checked
  // after a stop, and a spinning task must still be dropped).
  bool force_drop = false;
  // A timeout waits for this task (its inner future) to suspend: block and yield wake its
  // joiners.
  bool watch_suspend = false;
  bool in_teardown = false;  // body finished; destructors of its captures are running
  bool abandoned = false;
  bool swallow_reported = false;
  unsigned cancel_throws = 0;
  unsigned forced_steps = 0;   // scheduling points reached after a stop where it could not unwind
  std::uint64_t suspends = 0;  // how many times it suspended (blocked or yielded)
  unsigned no_cancel = 0;      // NoCancelScope depth: scheduling points do not throw TaskCancelled
  // The operation at the task's last scheduling point (what it does when resumed).
  Op pending_op = Op::start;
  ObjectKind pending_kind = ObjectKind::none;
  ObjectId pending_object = kNoObject;
  SourceLocation last_site;
  // Fairness (see fairness.cpp): the scheduler's run counter when the task was last resumed, the
  // counter when it gave way (0: it has not, or ran again since), and spin recognition.
  std::uint64_t last_ran = 0;
  std::uint64_t yielded_at = 0;
  SpinTracker spin;
  // Real time (weft::sim): yields since the task last blocked. A thread that keeps yielding
  // burns real time even when its loop writes shared state (a spin that counts its spins).
  std::uint32_t yields_unblocked = 0;
  std::string panic_message;  // what escaped the task, when it panicked
  std::string failed_check;   // the last check it failed (detail::note_failed_check)
  SourceLocation failed_check_where;
  SourceLocation panic_where;  // where a failed check (CheckFailure) panicked it
  // Set while blocked.
  WaitInfo wait;
  bool has_deadline = false;
  std::int64_t deadline_ns = 0;
  // invariant: a TimerQueue entry is live iff its generation equals timer_generation and
  // has_deadline; the generation only grows, even across reuse of the Task object (TaskArena).
  std::uint64_t timer_generation = 0;
  WakeReason wake_reason = WakeReason::woken;
  Task* live_prev = nullptr;
  Task* live_next = nullptr;
  // Links in the run queue while queued.
  Task* run_prev = nullptr;
  Task* run_next = nullptr;
  // Its slots in an explored shutdown's candidate index (Scheduler::shutdown_drops_/_runs_).
  std::uint32_t drop_slot = 0;
  std::uint32_t run_slot = 0;
};

// The FIFO of runnable tasks, linked through Task::run_prev/run_next: pushing, popping and
// removing any task cost O(1) and never allocate. Finding the i-th task walks the queue, which
// only a chooser's pick needs, after walking it to list the candidates anyway.
class RunQueue {
 public:
  class Iterator {
   public:
    explicit Iterator(Task* t) : t_(t) {}
    Task* operator*() const noexcept { return t_; }
    Iterator& operator++() noexcept {
      t_ = t_->run_next;
      return *this;
    }
    bool operator!=(const Iterator& other) const noexcept { return t_ != other.t_; }

   private:
    Task* t_;
  };

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  Iterator begin() const noexcept { return Iterator(head_); }
  Iterator end() const noexcept { return Iterator(nullptr); }

  void push_back(Task* t) noexcept {
    t->run_prev = tail_;
    t->run_next = nullptr;
    (tail_ ? tail_->run_next : head_) = t;
    tail_ = t;
    ++size_;
  }
  // Precondition: t is in this queue.
  void remove(Task* t) noexcept {
    (t->run_prev ? t->run_prev->run_next : head_) = t->run_next;
    (t->run_next ? t->run_next->run_prev : tail_) = t->run_prev;
    t->run_prev = t->run_next = nullptr;
    --size_;
  }
  // Removes and returns the task at index i. Precondition: i < size().
  Task* take(std::size_t i) noexcept {
    Task* t = head_;
    while (i-- > 0) t = t->run_next;
    remove(t);
    return t;
  }

 private:
  Task* head_ = nullptr;
  Task* tail_ = nullptr;
  std::size_t size_ = 0;
};

// "task-<id>": the name of a task spawned without one.
std::string default_task_name(TaskId id);

// What an exception says (its what()), or nothing for one not derived from std::exception.
std::optional<std::string> exception_what(const std::exception_ptr& e);

enum class StopReason : std::uint8_t { none, deadlock, hang, terminated };

[[noreturn, gnu::noinline, gnu::cold]] void throw_outside_task(const char* what,
                                                               SourceLocation where);

class Scheduler;
// The scheduler running on this thread (what current_scheduler() returns), for inline readers.
extern thread_local constinit Scheduler* tls_scheduler __attribute__((tls_model("initial-exec")));

class Scheduler {
 public:
  Scheduler(Runtime& runtime, const RuntimeOptions& options);
  ~Scheduler();

  void run_root(void (*root)(void*), void* arg, SourceLocation where);

  // Called from tasks (through scheduler_api).
  void schedule_point(Op op, ObjectKind kind, ObjectId object, SourceLocation where);
  [[gnu::noinline]] void schedule_point_chosen(Task* t, Op op, ObjectId object);
  [[gnu::noinline, gnu::cold]] void shutdown_step(Task* t);
  // queued: the waiter the task put in a wait queue, which leaves it however the wait ends.
  WakeReason block(const WaitInfo& info, const Instant* deadline, Waiter* queued = nullptr);
  void wake(Task* task) noexcept;
  TaskId spawn(std::unique_ptr<TaskBody>&& body, std::shared_ptr<JoinStateBase>&& state,
               std::string&& name, SourceLocation where);
  void request_abort(JoinStateBase& state, SourceLocation where);
  // The abort without its scheduling point (from destructors).
  void abort_now(JoinStateBase& state, SourceLocation where) noexcept;
  void drop_now(JoinStateBase& state) noexcept;
  // For timeout: the task of `state` was polled to its next suspension point (or finished)
  // since the deadline passed; waits for that unless it is blocked already.
  void settle_inner(JoinStateBase& state, SourceLocation where);
  // The terminate handler's part: the running task's cancellation reached a noexcept frame (a
  // destructor waiting at normal scope exit). Reported as its panic; the task is abandoned.
  [[noreturn]] void cancellation_hit_noexcept();
  bool delivering_cancellation() const noexcept {
    return current_ != nullptr && current_->cancel_throws > 0 && current_->cancel_requested;
  }
  void yield_now(SourceLocation where);
  // weft::sim's threads run in real time: from now on, time passes while every runnable task
  // spins (let_time_pass).
  void threads_run_in_real_time() noexcept { real_time_ = true; }
  bool shutting_down() const noexcept { return phase_ == Phase::shutting_down; }
  // detail::end_at_exit: the running task is abandoned (a thread stopped by the process exit).
  [[noreturn]] void end_at_exit();
  std::size_t choose_value(std::size_t n, SourceLocation where);
  // A decision of `kind` among n alternatives for the running task's op on object (e.g. a
  // spurious condvar wakeup). Index 0 without an exploration.
  std::size_t choose_decision(DecisionKind kind, std::size_t n, Op op, ObjectId object);
  // A yes/no decision within the runtime's budget of yes answers (detail::kYesBudget).
  bool choose_within_budget(DecisionKind kind, Op op, ObjectId object);
  // detail::terminate_execution from the running task: never returns to it.
  [[noreturn]] void terminate(const std::string& message, SourceLocation where);
  void advance(Duration d, SourceLocation where);
  ObjectId next_object_id() noexcept { return ++last_object_id_; }
  std::uint64_t epoch() const noexcept { return epoch_; }

  Task* current() const noexcept { return current_; }
  // Whether an observer wants events of this kind (see Observer::interests).
  bool observes(EventKind kind) const noexcept { return (observed_ & event_bit(kind)) != 0; }
  bool observes_op(ObjectKind kind) const noexcept { return wants(observed_, EventKind::op, kind); }
  // The running task changed shared state for good (note_progress): it is not spinning.
  void progress() noexcept {
    if (current_ != nullptr) current_->spin.progress();
  }
  void emit(Event event) noexcept;
  // From the running task's TaskBody::run handler (task_body_threw).
  void body_threw(const std::exception* e) noexcept;
  std::int64_t now_ns() const noexcept { return now_ns_; }
  std::uint64_t steps() const noexcept { return step_; }
  Flavor flavor() const noexcept { return flavor_; }
  std::vector<TaskSnapshot> snapshot() const;
  // The task's name; a task spawned without one is named "task-<id>" here, on first request.
  const std::string& task_name(Task* t);

 private:
  // Driving.
  void drive();
  void settle_for_leak_check();
  std::int64_t next_timer_deadline();
  void shutdown();
  void shutdown_default();
  void shutdown_explored();
  Task* shutdown_run_candidate() const noexcept;
  bool shutdown_run_instead(bool may_run);
  void abort_all();
  void abandon_all() noexcept;
  Task* pick_runnable();
  [[gnu::noinline]] Task* pick_runnable_chosen();
  void run_task(Task* t);
  void enter(Task* t) noexcept;
  // The step event (only when observed); value 1 when t gave way before it (fairness).
  void step_begins(Task* t, bool gave_way = false) noexcept;
  void check_stack(Task* t);
  [[noreturn, gnu::noinline, gnu::cold]] void stack_overflow(Task* t);
  void switch_out(Task* t);
  Task* handoff_from(Task* t);
  [[noreturn]] void exit_task(Task* t);
  // Where a context continues after a stack switch: reaps the task that exited into it.
  void arrive() noexcept {
    if (exited_ != nullptr) [[unlikely]]
      reap_exited();
  }
  [[gnu::noinline]] void reap_exited() noexcept;
  void end_step(Task* t, const char* how) noexcept;
  [[gnu::noinline, gnu::cold]] void report_long_poll(Task* t, std::int64_t elapsed_ns,
                                                     const char* how) noexcept;
  Task* handoff_target();
  void reap(Task* t) noexcept;
  void drop_task(Task* t);
  void drop_unstarted(Task* t) noexcept;
  bool fire_due_timers(std::int64_t until_ns);
  void fire_timer(Task* t, std::int64_t deadline) noexcept;
  bool advance_to_next_timer();
  bool let_time_pass();
  void stop(StopReason reason, std::string message);
  std::string describe_deadlock() const;

  // Task side.
  static void task_entry(void* arg);
  void finish_task(Task* t) noexcept;
  bool begin_step(Task* t, Op op, ObjectKind kind, ObjectId object, SourceLocation where);
  [[gnu::noinline, gnu::cold]] bool step_limit_reached(Task* t);
  void suspend(Task* t);
  void throw_if_cancelled(Task* t);
  // The task is being dropped: whether it must unwind now (not while running destructors).
  [[gnu::noinline, gnu::cold]] bool cancel_point(Task* t);
  // The cancelled task must wait inside a destructor (it is unwinding or tearing down), where no
  // cancellation can be delivered: a panic of the task (tokio cannot wait in a Drop). Abandons it.
  [[noreturn, gnu::noinline, gnu::cold]] void destructor_waits_while_dropped(Task* t,
                                                                             const WaitInfo& info);
  // The task's fiber is never resumed again; its stack is released with the runtime.
  [[noreturn]] void abandon(Task* t);
  // abandon(), its join telling a cancellation: the task was stopped, not failed.
  [[noreturn]] void abandon_cancelled(Task* t);
  bool stops_at_exit(const Task* t) const noexcept;
  [[gnu::noinline, gnu::cold]] bool begin_step_unusual(Task* t);
  [[gnu::noinline, gnu::cold]] void notify_suspended(Task* t) noexcept;
  void enqueue(Task* t) noexcept;
  // Takes a queued task out of the run queue (every removal goes through here, so the shutdown
  // index stays true).
  void dequeue(Task* t) noexcept;
  // Task::preempted changes through here (a preempted task is no drop candidate at shutdown).
  void set_preempted(Task* t, bool preempted) noexcept {
    t->preempted = preempted;
    if (shutdown_indexed_) [[unlikely]]
      shutdown_drops_.set(t->drop_slot, !preempted);
  }
  void disarm_timer(Task* t) noexcept;

  // Bookkeeping.
  void link_live(Task* t) noexcept;
  void unlink_live(Task* t) noexcept;
  std::size_t ask(DecisionKind kind, bool first_is_current);
  std::size_t ask(DecisionKind kind, const Candidates& candidates, const DecisionContext& context);
  // Shutdown under an exploring chooser: the candidate index (see shutdown()).
  void index_shutdown();
  void end_shutdown_index() noexcept;
  class ShutdownCandidates;
  // Fairness (fairness.cpp): fills candidates_/candidate_tasks_ with `current` (when given, first)
  // and the runnable tasks the fairness rule lets run; returns whether `current` is among them.
  bool fair_candidates(Task* current);
  // t gives way (yield_now, a recognised spin): fairness holds it back until every other
  // runnable task has run. Partial-order reduction learns of it from an op event (Op::yield),
  // sent only while it observes steps: which tasks exist or run around this point decides when
  // t runs again, so the step is dependent with everything.
  void gave_way(Task* t) noexcept {
    t->yielded_at = runs_;
    if (observes(EventKind::step)) [[unlikely]]
      emit(Event{.kind = EventKind::op, .op = Op::yield, .task = t->id});
  }
  std::string task_label(const Task* t) const;

  Runtime& runtime_;
  RuntimeOptions options_;
  Flavor flavor_ = Flavor::multi_thread;  // options_.flavor, else the exploration's, resolved
  Chooser* chooser_;
  bool chooser_is_default_;
  bool real_time_ = false;  // threads_run_in_real_time()
  FirstChooser default_chooser_;
  Observer* observer_;
  EventMask observed_ = 0;  // observer_->interests(), or nothing without an observer
  std::uint64_t epoch_;
  std::optional<Duration> leak_grace_;  // leak checking (ExplorationHooks::leak_grace)
  LongPollClock long_poll_;             // off unless ExplorationHooks::long_poll asks for it
  bool enter_hooks_ = false;            // long-poll timing or run events: enter() has more to do
  std::uint64_t step_limit_ = 0;        // options_.max_steps, or no limit

  TaskArena<Task> tasks_;  // the task records, reused, and the task ids
  ObjectId last_object_id_ = 0;
  Task* current_ = nullptr;
  Fiber loop_fiber_;  // the thread's own stack, where drive() and shutdown() run
  // drive() is looping: switch_out may pass the CPU task to task. Cleared when the root finishes
  // or the run stops, which is when the loop must take over.
  bool handoff_ = false;
  StackPool* pool_ = nullptr;  // the stack pool of the thread in run_root
  Task* next_ = nullptr;       // picked at a scheduling point; runs next without another decision
  Task* exited_ = nullptr;     // exited straight into the running context, which reaps it
  Task* root_ = nullptr;
  std::shared_ptr<JoinStateBase> root_state_;
  RunQueue runnable_;
  Task* live_head_ = nullptr;
  Task* live_tail_ = nullptr;
  std::size_t live_count_ = 0;

  TimerQueue<Task> timers_;  // the blocked tasks' deadlines, earliest first
  std::int64_t now_ns_ = 0;
  std::uint64_t step_ = 0;
  std::uint64_t runs_ = 0;                           // tasks resumed so far (Task::last_ran)
  std::uint64_t spurious_left_ = ~std::uint64_t{0};  // ExplorationHooks::spurious_wakeups

  enum class Phase : std::uint8_t { idle, running, shutting_down, aborting };
  Phase phase_ = Phase::idle;
  StopReason stop_reason_ = StopReason::none;
  std::string stop_message_;
  SourceLocation stop_where_;  // for StopReason::terminated
  unsigned yes_answers_ = 0;   // choose_within_budget's yes answers so far

  std::vector<Candidate> candidates_;
  std::vector<Task*> candidate_tasks_;
  // An explored shutdown's candidates, kept current as tasks come and go instead of listed for
  // each decision: the live tasks that can be dropped (not preempted) in id order, and (in
  // multi_thread) the runnable tasks that can run (not given way) in run-queue order.
  bool shutdown_indexed_ = false;
  bool shutdown_runs_indexed_ = false;
  RankedSlots<Task> shutdown_drops_;
  RankedSlots<Task> shutdown_runs_;
  std::uint32_t runs_seen_ = 0;    // shutdown_runs_.size() at the previous shutdown decision
  std::vector<Task*> due_timers_;  // fire_due_timers' tie group, kept to reuse its capacity
  std::vector<Stack> abandoned_stacks_;

  // What a scheduler leaves to the next one on its thread (see the constructor).
  struct Leftovers;
  static thread_local Leftovers leftovers_;
};

// The scheduler of the task running on this thread; outside a task, RuntimeError naming `what`.
// Inline for the hottest entry points (scheduler_for is the same for the others).
inline Scheduler& running_scheduler(const char* what, SourceLocation where) {
  Scheduler* s = tls_scheduler;
  if (s == nullptr || s->current() == nullptr) [[unlikely]]
    throw_outside_task(what, where);
  return *s;
}

}  // namespace weft::detail
