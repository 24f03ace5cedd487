// The scheduler core. See runtime/INTERNALS.md for the model: one task runs at a time, every
// decision goes through the Chooser, and shutdown drops tasks by unwinding their fibers.
#include "scheduler.hpp"

#include <cxxabi.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <typeinfo>

#include "forced_unwind.hpp"
#include "weft/check.hpp"
#include "weft/task.hpp"

namespace weft::detail {
// initial-exec: every runtime call reads this; the general-dynamic model that -fPIC implies costs
// a __tls_get_addr call each time. The static TLS surplus covers a dlopen'ed copy.
constinit thread_local Scheduler* tls_scheduler __attribute__((tls_model("initial-exec"))) =
    nullptr;
// Read by watchdogs and crash handlers (thread_watch.hpp); the scheduler only writes it.
constinit thread_local ThreadWatch tls_watch __attribute__((tls_model("initial-exec")));

ThreadWatch& this_thread_watch() noexcept { return tls_watch; }

RunningTaskInfo running_task(const ThreadWatch& watch) noexcept {
  RunningTaskInfo info;
  const Scheduler* s = watch.scheduler.load(std::memory_order_acquire);
  const Task* t = s != nullptr ? s->current() : nullptr;
  if (t == nullptr) return info;
  info.in_task = true;
  info.task = t->id;
  info.name = t->name.data();
  info.name_size = t->name.size();
  info.last_op = t->pending_op;
  info.site = t->last_site;
  info.step = s->steps();
  info.stack_base = t->fiber.stack().base;
  info.stack_size = t->fiber.stack().size;
  info.cancel_requested = t->cancel_requested;
  return info;
}

namespace {
std::atomic<std::uint64_t> next_epoch{1};

// A dropped task that keeps catching the unwinding this many times is abandoned: its stack is
// kept, never resumed, so the runtime stays consistent.
constexpr unsigned kMaxCancelThrows = 64;
// A task dropped after a stop that keeps reaching scheduling points where it cannot unwind (a
// no-cancel scope, such as weft::sim's atomics, or a destructor) is abandoned after this many:
// `while (!flag.load()) {}` on a sim atomic would otherwise spin on for ever.
constexpr unsigned kMaxForcedSteps = 10'000;

[[noreturn]] void fatal(const std::string& message) {
  std::fprintf(stderr, "weft: fatal: %s\n", message.c_str());
  std::abort();
}

std::string location_text(const SourceLocation& where) {
  if (where.file_name() == nullptr || *where.file_name() == '\0') return "?";
  return std::string(where.file_name()) + ":" + std::to_string(where.line());
}

class RootBody final : public TaskBody {
 public:
  RootBody(void (*fn)(void*), void* arg) : fn_(fn), arg_(arg) {}
  void run() override {
    run_guarded([this] { fn_(arg_); });
  }

 private:
  void (*fn_)(void*);
  void* arg_;
};

std::terminate_handler previous_terminate = nullptr;

// A dropped task's forced unwind that reaches a noexcept frame (a destructor waiting at normal
// scope exit, which the runtime cannot tell from other code) ends in std::terminate. That is
// reported as the task's panic instead of ending the process
// (Scheduler::cancellation_hit_noexcept).
[[noreturn]] void on_terminate() {
  Scheduler* s = tls_scheduler;
  if (s != nullptr && s->delivering_cancellation()) s->cancellation_hit_noexcept();
  if (previous_terminate != nullptr) previous_terminate();
  std::abort();
}

void install_terminate_handler() {
  static const bool installed = [] {
    previous_terminate = std::set_terminate(on_terminate);
    return true;
  }();
  (void)installed;
}

}  // namespace

Scheduler* current_scheduler() noexcept { return tls_scheduler; }

bool cancellation_in_flight() noexcept {
  return tls_scheduler != nullptr && tls_scheduler->delivering_cancellation();
}

std::string caught_exception_type() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (type == nullptr) return "an unknown exception";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), std::free);
  return "an exception of type " + std::string(status == 0 && name ? name.get() : type->name()) +
         " (not derived from std::exception)";
}

bool handling_cancellation() noexcept {
  const std::type_info* type = abi::__cxa_current_exception_type();
  return type != nullptr && *type == typeid(TaskCancelled);
}

// An exploration builds a runtime per execution. Allocating the task records and growing the
// scheduler's vectors anew each time cost about as much as a short execution's scheduling, so
// a scheduler hands them, emptied, to the next one on its thread.
struct Scheduler::Leftovers {
  TaskArena<Task> tasks;  // every one reaped
  TimerQueue<Task> timers;
  std::vector<Candidate> candidates;
  std::vector<Task*> candidate_tasks;
  std::vector<Task*> due_timers;
  RankedSlots<Task> shutdown_drops;
  RankedSlots<Task> shutdown_runs;
};
thread_local Scheduler::Leftovers Scheduler::leftovers_;

Scheduler::Scheduler(Runtime& runtime, const RuntimeOptions& options)
    : runtime_(runtime),
      options_(options),
      chooser_(&default_chooser_),
      chooser_is_default_(true),
      observer_(nullptr),
      epoch_(next_epoch.fetch_add(1, std::memory_order_relaxed)) {
  if (const ExplorationHooks* hooks = current_exploration_hooks()) {
    if (hooks->chooser) {
      chooser_ = hooks->chooser;
      chooser_is_default_ = false;
    }
    observer_ = hooks->observer;
    observed_ = observer_ != nullptr ? observer_->interests() : 0;
    if (hooks->flavor && !options_.flavor) options_.flavor = *hooks->flavor;
    // The exploration's step limit, unless it is the default and the code chose another: a
    // program that needs more steps and says so is not a hang.
    if (hooks->max_steps != 0 &&
        (hooks->max_steps != kDefaultMaxSteps || options_.max_steps == kDefaultMaxSteps))
      options_.max_steps = hooks->max_steps;
    if (hooks->max_virtual_time > Duration::zero())
      options_.max_virtual_time = hooks->max_virtual_time;
    leak_grace_ = hooks->leak_grace;
    if (hooks->spurious_wakeups) spurious_left_ = *hooks->spurious_wakeups;
    if (observes(EventKind::long_poll)) long_poll_.enable(hooks->long_poll.count());
  }
  flavor_ = options_.flavor.value_or(Flavor::multi_thread);
  step_limit_ = options_.max_steps != 0 ? options_.max_steps : ~std::uint64_t{0};
  install_terminate_handler();
  enter_hooks_ = long_poll_.on() || observes(EventKind::run) || observes(EventKind::step);
  Leftovers& left = leftovers_;
  tasks_ = std::move(left.tasks);
  timers_ = std::move(left.timers);
  candidates_ = std::move(left.candidates);
  candidate_tasks_ = std::move(left.candidate_tasks);
  due_timers_ = std::move(left.due_timers);
  shutdown_drops_ = std::move(left.shutdown_drops);
  shutdown_runs_ = std::move(left.shutdown_runs);
}

Scheduler::~Scheduler() {
  StackPool& pool = StackPool::local();
  for (Stack& stack : abandoned_stacks_) pool.release(stack);
  // Only a scheduler whose tasks were all reaped leaves them (and only to an empty slot: two
  // runtimes alive at once on one thread leave one set).
  Leftovers& left = leftovers_;
  if (left.tasks.size() != 0 || !tasks_.all_released()) return;
  // A runtime of 100k tasks must not leave them all behind for the thread's lifetime.
  constexpr std::size_t kMaxLeftoverTasks = 256;
  tasks_.recycle(kMaxLeftoverTasks);
  left.tasks = std::move(tasks_);
  timers_.clear();
  left.timers = std::move(timers_);
  candidates_.clear();
  left.candidates = std::move(candidates_);
  candidate_tasks_.clear();
  left.candidate_tasks = std::move(candidate_tasks_);
  due_timers_.clear();
  left.due_timers = std::move(due_timers_);
  shutdown_drops_.clear(kMaxLeftoverTasks);
  left.shutdown_drops = std::move(shutdown_drops_);
  shutdown_runs_.clear(kMaxLeftoverTasks);
  left.shutdown_runs = std::move(shutdown_runs_);
}

// ---------------------------------------------------------------------------------------------
// Driving the root task and shutdown.

void Scheduler::run_root(void (*root)(void*), void* arg, SourceLocation where) {
  if (tls_scheduler != nullptr) {
    Task* t = tls_scheduler->current_;
    throw RuntimeError("cannot start a runtime from within a runtime: block_on called in task " +
                       (t ? tls_scheduler->task_label(t) : std::string("?")) + " at " +
                       location_text(where));
  }
  tls_scheduler = this;
  pool_ = &StackPool::local();  // of the thread that runs the tasks
  runtime_started(epoch_);
  struct Restore {
    std::uint64_t epoch;
    ~Restore() {
      tls_scheduler = nullptr;
      tls_watch.scheduler.store(nullptr, std::memory_order_release);
      runtime_finished(epoch);
    }
  } restore{epoch_};
  tls_watch.scheduler.store(this, std::memory_order_release);

  phase_ = Phase::running;
  stop_reason_ = StopReason::none;
  root_state_ = std::make_shared<JoinStateBase>();
  Task* t = tasks_.create();
  t->name = "main";
  t->spawn_site = where;
  t->body = std::make_unique<RootBody>(root, arg);
  t->join = root_state_;
  root_state_->id = t->id;
  root_state_->name = t->name;
  root_state_->task = t;
  root_ = t;
  link_live(t);
  enqueue(t);
  emit(Event{.kind = EventKind::spawn, .task = t->id, .text = t->name, .where = where});

  if (long_poll_.on()) long_poll_.restart();
  drive();
  if (stop_reason_ == StopReason::none && leak_grace_) settle_for_leak_check();
  if (stop_reason_ == StopReason::none) shutdown();
  if (stop_reason_ == StopReason::terminated)
    abandon_all();
  else if (stop_reason_ != StopReason::none)
    abort_all();
  phase_ = Phase::idle;
  emit(Event{.kind = EventKind::shutdown_end});
  root_ = nullptr;
  auto state = std::move(root_state_);

  if (stop_reason_ == StopReason::deadlock) throw Deadlock(stop_message_);
  if (stop_reason_ == StopReason::hang) throw Hang(stop_message_);
  if (stop_reason_ == StopReason::terminated) throw Terminated(stop_message_, stop_where_);
  if (state->outcome == TaskOutcome::panicked) std::rethrow_exception(state->panic);
}

void Scheduler::drive() {
  // While this loop drives, a task that gives up the CPU may pass it on directly (switch_out).
  handoff_ = true;
  struct EndHandoff {
    bool& flag;
    ~EndHandoff() { flag = false; }
  } end_handoff{handoff_};
  while (root_state_->outcome == TaskOutcome::pending && stop_reason_ == StopReason::none) {
    Task* t = next_ ? std::exchange(next_, nullptr) : pick_runnable();
    if (t != nullptr) {
      run_task(t);
    } else if (!advance_to_next_timer() && stop_reason_ == StopReason::none) {
      stop(StopReason::deadlock, describe_deadlock());
    }
  }
}

// Leak checking (ExplorationHooks::leak_grace): the root returned; the other tasks run as if the
// runtime stayed up, until they finish or cannot get anywhere, then leak_check reports how many
// are left. Nothing is dropped here; shutdown() follows as usual.
void Scheduler::settle_for_leak_check() {
  constexpr std::uint64_t kLeakCheckSteps = 10'000;
  std::int64_t grace_end = now_ns_ + std::max<std::int64_t>(0, leak_grace_->count());
  if (options_.max_virtual_time > Duration::zero())
    grace_end = std::min<std::int64_t>(grace_end, options_.max_virtual_time.count());
  std::uint64_t step_end = step_ + kLeakCheckSteps;
  if (options_.max_steps != 0) step_end = std::min(step_end, options_.max_steps - 1);
  std::string_view why = "every task finished";
  while (live_count_ > 0 && stop_reason_ == StopReason::none) {
    if (step_ >= step_end) {
      why = "the step budget of the leak check ran out with tasks still runnable";
      break;
    }
    if (Task* t = next_ ? std::exchange(next_, nullptr) : pick_runnable()) {
      run_task(t);
      continue;
    }
    const std::int64_t deadline = next_timer_deadline();
    if (deadline < 0) {
      why = "no task can run and no timer is pending";
      break;
    }
    if (deadline > grace_end) {
      why = "the grace period ended with timers still pending";
      if (grace_end > now_ns_) {
        now_ns_ = grace_end;
        emit(Event{.kind = EventKind::clock_advance, .value = now_ns_});
      }
      break;
    }
    advance_to_next_timer();
  }
  if (stop_reason_ != StopReason::none) return;  // the step limit hit while they ran: a hang
  emit(Event{
      .kind = EventKind::leak_check, .value = static_cast<std::int64_t>(live_count_), .text = why});
}

// The deadline of the earliest live timer, or -1 when none is pending (drops stale entries).
std::int64_t Scheduler::next_timer_deadline() {
  return timers_.has_live() ? timers_.earliest() : -1;
}

void Scheduler::shutdown() {
  phase_ = Phase::shutting_down;
  emit(Event{.kind = EventKind::shutdown_begin, .task = root_ ? root_->id : kNoTask});
  if (next_ != nullptr) enqueue(std::exchange(next_, nullptr));
  if (!chooser_is_default_) {
    index_shutdown();
    struct EndIndex {
      Scheduler& s;
      ~EndIndex() { s.end_shutdown_index(); }
    } end_index{*this};
    shutdown_explored();
  } else {
    shutdown_default();
  }
}

// The default chooser always takes the first candidate: the first droppable live task whenever
// there is one, else the first runnable task that has not given way, else a spinner. Taken
// directly, without a decision, so a plain runtime's shutdown is linear in its live tasks.
void Scheduler::shutdown_default() {
  const bool may_run = flavor_ == Flavor::multi_thread;
  while (live_count_ > 0 && stop_reason_ == StopReason::none) {
    // A task preempted between two awaits is running code in tokio's terms: the drop waits
    // until it reaches its next suspension point (it can only be run until then).
    Task* first = live_head_;
    while (first != nullptr && first->preempted) first = first->live_next;
    if (first != nullptr) {
      drop_task(first);
      continue;
    }
    if (!shutdown_run_instead(may_run)) break;
  }
}

// No task can be dropped: runs the one that can go on (shutdown_run_candidate), or, when none can
// (defensive), ends the run as a hang. False when it ended the run.
bool Scheduler::shutdown_run_instead(bool may_run) {
  Task* run = may_run ? shutdown_run_candidate() : nullptr;
  if (run == nullptr) {
    stop(StopReason::hang, "shutdown cannot drop a task that never reaches an await");
    return false;
  }
  dequeue(run);
  run_task(run);
  return true;
}

// In multi_thread, with no task to drop: the first runnable task that has not given way, else the
// first that spins without awaiting (it cannot be dropped until it awaits, so it runs on), else
// nullptr.
Task* Scheduler::shutdown_run_candidate() const noexcept {
  Task* spinner = nullptr;
  for (Task* t : runnable_) {
    if (t->yielded_at == 0) return t;
    if (t->preempted && spinner == nullptr) spinner = t;
  }
  return spinner;
}

// Under an exploring chooser every step of the shutdown is a decision. Its candidates are, in
// this order: every live task that can be dropped (not preempted), in id order, then in
// multi_thread every runnable task that has not given way, in run-queue order (a task that gave
// way at yield_now has ended its poll: tokio's shutdown drops it rather than polling it again, and
// a spin at shutdown would otherwise be an endless run of decisions). When there is neither, a
// task that spins without awaiting is the only candidate: it is still inside its poll
// (preempted), so it cannot be dropped and runs on, but only when nothing else can happen. The
// candidates come from the shutdown index, not a list, so a decision costs O(log n).
class Scheduler::ShutdownCandidates final : public Candidates::Source {
 public:
  ShutdownCandidates(const RankedSlots<Task>& drops, const RankedSlots<Task>* runs) noexcept
      : drops_(drops), runs_(runs) {}
  std::size_t drops() const noexcept { return drops_.count(); }
  std::size_t size() const noexcept override {
    return drops_.count() + (runs_ != nullptr ? runs_->count() : 0);
  }
  Task* task(std::size_t i) const noexcept {
    const std::size_t drops = drops_.count();
    return i < drops ? drops_.item(drops_.find(i)) : runs_->item(runs_->find(i - drops));
  }
  Candidate at(std::size_t i) const noexcept override {
    Task* t = task(i);
    if (i < drops()) return Candidate{t->id, Op::drop, kNoObject};
    return Candidate{t->id, t->pending_op, t->pending_object};
  }

 private:
  const RankedSlots<Task>& drops_;
  const RankedSlots<Task>* runs_;  // nullptr in current_thread: no task runs at shutdown
};

void Scheduler::shutdown_explored() {
  const bool may_run = flavor_ == Flavor::multi_thread;
  const ShutdownCandidates candidates(shutdown_drops_, may_run ? &shutdown_runs_ : nullptr);
  while (live_count_ > 0 && stop_reason_ == StopReason::none) {
    const std::size_t n = candidates.size();
    if (n == 0) {
      if (!shutdown_run_instead(may_run)) break;
      continue;
    }
    std::size_t pick = 0;
    if (n > 1) {
      const std::size_t woken = may_run ? shutdown_runs_.count_from(runs_seen_) : 0;
      runs_seen_ = shutdown_runs_.size();
      pick = ask(DecisionKind::shutdown, Candidates(candidates),
                 DecisionContext{.step = step_, .new_runnable = woken});
    }
    Task* t = candidates.task(pick);
    if (pick < candidates.drops()) {
      drop_task(t);
    } else {
      dequeue(t);
      run_task(t);
    }
  }
}

// The shutdown index starts with the live and runnable tasks in their order; from then on
// link_live/unlink_live, enqueue/dequeue and set_preempted keep it true.
void Scheduler::index_shutdown() {
  shutdown_drops_.clear();
  shutdown_runs_.clear();
  for (Task* t = live_head_; t != nullptr; t = t->live_next)
    t->drop_slot = shutdown_drops_.append(t, !t->preempted);
  shutdown_runs_indexed_ = flavor_ == Flavor::multi_thread;
  if (shutdown_runs_indexed_)
    for (Task* t : runnable_) t->run_slot = shutdown_runs_.append(t, t->yielded_at == 0);
  runs_seen_ = shutdown_runs_.size();
  shutdown_indexed_ = true;
}

void Scheduler::end_shutdown_index() noexcept {
  shutdown_indexed_ = false;
  shutdown_runs_indexed_ = false;
  shutdown_drops_.clear();
  shutdown_runs_.clear();
}

// After a deadlock or hang: every task is dropped in id order, nothing else runs, no decisions.
void Scheduler::abort_all() {
  phase_ = Phase::aborting;
  next_ = nullptr;
  // Newest first: a task may borrow from the stack of the task that spawned it (a scoped
  // std::thread in weft::sim, a value captured by reference), so the spawner's frames unwind
  // after the ones that point into them, as destruction in reverse order of creation would.
  while (live_tail_ != nullptr) {
    live_tail_->force_drop = true;  // wherever it is: nothing is checked after a stop
    drop_task(live_tail_);
  }
}

// After terminate(): the program would end here, so no task runs another line, not even to
// unwind. Started tasks keep their stacks (released with the runtime, destructors never run);
// unstarted ones lose their closures, as a process exit would free them.
void Scheduler::abandon_all() noexcept {
  phase_ = Phase::aborting;
  next_ = nullptr;
  while (Task* t = live_head_) {
    if (t->queued) dequeue(t);
    disarm_timer(t);
    if (!t->fiber.started()) {
      drop_unstarted(t);
      continue;
    }
    t->abandoned = true;
    t->state = TaskState::finished;
    t->join->outcome = TaskOutcome::cancelled;
    reap(t);
  }
}

void Scheduler::terminate(const std::string& message, SourceLocation where) {
  Task* t = current_;
  stop(StopReason::terminated, message);
  stop_where_ = where;
  t->abandoned = true;
  t->state = TaskState::finished;
  t->join->outcome = TaskOutcome::cancelled;
  t->fiber.suspend();
  fatal("terminated task resumed");
}

inline Task* Scheduler::pick_runnable() {
  if (runnable_.empty()) return nullptr;
  if (runnable_.size() > 1 && !chooser_is_default_) return pick_runnable_chosen();
  Task* t = *runnable_.begin();
  dequeue(t);
  return t;
}

Task* Scheduler::pick_runnable_chosen() {
  fair_candidates(nullptr);
  Task* t = candidate_tasks_[ask(DecisionKind::schedule, false)];
  dequeue(t);
  return t;
}

void Scheduler::run_task(Task* t) {
  if (!t->fiber.started()) {
    if (t->cancel_requested) {
      drop_unstarted(t);
      return;
    }
    t->fiber.start(pool_->allocate(options_.stack_size), &Scheduler::task_entry, t);
  }
  Task* previous = current_;
  enter(t);
  t->fiber.resume_from(previous ? previous->fiber : loop_fiber_);
  // Back here: current_ is the task that switched back (t, or one that t handed the CPU to).
  arrive();
  Task* back = current_;
  current_ = previous;
  check_stack(back);
  if (back->fiber.exited() || back->abandoned) reap(back);
}

inline void Scheduler::enter(Task* t) noexcept {
  current_ = t;
  t->state = TaskState::running;
  t->last_ran = ++runs_;
  // Whether t gave way before this step: then fairness decided when it could run again (after
  // every other task had run), which partial-order reduction must know (the step event's value).
  const bool gave_way = t->yielded_at != 0;
  t->yielded_at = 0;
  // One plain store: a watchdog that sees the count stand still knows the step is stuck.
  tls_watch.beats.store(tls_watch.beats.load(std::memory_order_relaxed) + 1,
                        std::memory_order_release);
  if (enter_hooks_) [[unlikely]] {
    if (long_poll_.on()) long_poll_.start_step(step_, t->last_site);  // the user's code starts
    if (observes(EventKind::run))
      emit(
          Event{.kind = EventKind::run, .op = t->pending_op, .task = t->id, .where = t->last_site});
    if (observes(EventKind::step)) step_begins(t, gave_way);
  }
}

// The running task t's step is over (it blocked, yielded the CPU or finished): with long-poll
// timing on, the clock says how long it held the thread since enter(), less the time spent in the
// chooser and the observers meanwhile (ask, emit): only the user's code is timed.
inline void Scheduler::end_step(Task* t, const char* how) noexcept {
  if (!long_poll_.on()) return;
  if (const std::int64_t elapsed = long_poll_.long_step_ns()) [[unlikely]]
    report_long_poll(t, elapsed, how);
}

void Scheduler::report_long_poll(Task* t, std::int64_t elapsed_ns, const char* how) noexcept {
  if (!observer_) return;
  // Not through emit(): the event's step is the one the long step began at.
  Event e{.kind = EventKind::long_poll,
          .task = t->id,
          .value = elapsed_ns,
          .step = long_poll_.step(),
          .time = Duration(now_ns_),
          .text = how,
          .where = long_poll_.resumed_at(),
          .runtime = &runtime_};
  observer_->on_event(e);
}

inline void Scheduler::check_stack(Task* t) {
  if (!t->fiber.stack_intact()) [[unlikely]]
    stack_overflow(t);
}

void Scheduler::stack_overflow(Task* t) {
  fatal("stack overflow in task " + task_label(t) + " (stack size " +
        std::to_string(options_.stack_size) + " bytes; raise RuntimeOptions::stack_size)");
}

// The running task t gives up the CPU (it is queued or blocked). When drive() would only pick the
// next task (firing due timers while none is runnable) and resume it, that is done here and t
// switches straight into it: one stack switch instead of two, same decisions, same events.
// Anything else (deadlock, stop, an unstarted task to drop, shutdown, a nested resume) goes back
// to the loop.
[[gnu::always_inline]] inline void Scheduler::switch_out(Task* t) {
  end_step(t, t->state == TaskState::blocked ? "blocked" : "reached a scheduling point");
  if (Task* n = handoff_from(t)) {
    if (n != t) t->fiber.switch_to(n->fiber);
  } else {
    t->fiber.suspend();
  }
  arrive();
}

// The task that t, giving up the CPU, passes it to directly (entered), or nullptr when t goes
// back to the loop (current_ is t then: run_task learns from current_ who came back).
[[gnu::always_inline]] inline Task* Scheduler::handoff_from(Task* t) {
  if (!handoff_ || !t->fiber.resumed_by(loop_fiber_)) return nullptr;
  check_stack(t);
  current_ = nullptr;  // as in the loop: events while picking name no running task
  Task* n = handoff_target();
  if (n == nullptr) {
    current_ = t;
    return nullptr;
  }
  enter(n);
  return n;
}

// One turn of drive()'s loop up to resuming a task: the task to run, started if new, or nullptr
// when the loop must handle what comes next itself.
inline Task* Scheduler::handoff_target() {
  for (;;) {
    if (!handoff_) return nullptr;  // the root finished, or stop(): the loop takes over
    if (Task* n = next_ ? std::exchange(next_, nullptr) : pick_runnable()) {
      if (!n->fiber.started()) {
        if (n->cancel_requested) {
          next_ = n;  // the loop drops it unstarted
          return nullptr;
        }
        n->fiber.start(pool_->allocate(options_.stack_size), &Scheduler::task_entry, n);
      }
      return n;
    }
    if (!advance_to_next_timer()) return nullptr;  // the loop reports the deadlock
  }
}

void Scheduler::drop_task(Task* t) {
  emit(Event{.kind = EventKind::drop, .task = t->id});
  if (t->queued) dequeue(t);
  if (next_ == t) next_ = nullptr;
  t->cancel_requested = true;
  t->dropping = true;
  if (!t->fiber.started()) {
    drop_unstarted(t);
    return;
  }
  disarm_timer(t);
  run_task(t);
  if (t->state != TaskState::finished)
    fatal("task " + task_label(t) + " suspended while being dropped");
}

void Scheduler::drop_unstarted(Task* t) noexcept {
  // Like dropping a future that was never polled: its captures are destroyed, nothing runs.
  Task* previous = current_;
  current_ = nullptr;
  t->body.reset();
  current_ = previous;
  t->state = TaskState::finished;
  t->join->outcome = TaskOutcome::cancelled;
  t->join->joiners.notify_all(*this);
  emit(Event{.kind = EventKind::cancelled, .task = t->id});
  reap(t);
}

void Scheduler::reap(Task* t) noexcept {
  if (t->fiber.started()) {
    Stack stack = t->fiber.take_stack();
    if (t->abandoned)
      abandoned_stacks_.push_back(stack);
    else
      pool_->release(stack);
  }
  t->fiber.~Fiber();
  new (&t->fiber) Fiber();
  t->state = TaskState::finished;
  if (t->join) t->join->task = nullptr;
  t->body.reset();  // first: a spawned task's body lives inside its join state's allocation
  t->join.reset();
  unlink_live(t);
  tasks_.release(t);
}

bool Scheduler::advance_to_next_timer() {
  if (!timers_.has_live()) return false;
  const std::int64_t deadline = timers_.earliest();
  if (options_.max_virtual_time > Duration::zero() &&
      deadline > options_.max_virtual_time.count()) {
    stop(StopReason::hang, "virtual time limit of " +
                               std::to_string(options_.max_virtual_time.count() / 1000000) +
                               " ms reached with timers still pending");
    return true;
  }
  return fire_due_timers(deadline);
}

// The running task was recognised spinning (SpinTracker: its points repeat and change nothing).
// Paused time, as tokio's, moves only when no task can run, so a spin waiting for a sleeper never
// ends; but std's threads (weft::sim) run in real time, which passes while they spin. So in a
// runtime running std threads, when every other runnable task has given way too (each spins or
// yields, waiting for something) and a timer is pending, the clock moves to that timer. Returns
// whether it moved (or the time limit stopped the run). A loop that changes shared state, or
// yields without polling anything weft sees, is no spin and keeps the clock still.
bool Scheduler::let_time_pass() {
  if (!real_time_ || phase_ != Phase::running || !timers_.has_live()) return false;
  for (const Task* r : runnable_)
    if (r->yielded_at == 0) return false;
  return advance_to_next_timer();
}

// Fires every live timer with deadline <= until_ns, moving the clock; equal deadlines fire in
// an order the chooser picks. Returns whether a timer fired.
bool Scheduler::fire_due_timers(std::int64_t until_ns) {
  bool fired = false;
  while (!timers_.empty() && timers_.earliest() <= until_ns) {
    const std::int64_t deadline = timers_.earliest();
    candidate_tasks_.clear();
    timers_.take_due(deadline, candidate_tasks_);
    if (candidate_tasks_.empty()) continue;
    if (deadline > now_ns_) {
      now_ns_ = deadline;
      emit(Event{.kind = EventKind::clock_advance, .value = now_ns_});
    }
    // Tie order: the chooser picks the next timer to fire among those left, which stay in
    // registration order. due[first..] are left; the default chooser always picks the first.
    std::vector<Task*>& due = due_timers_;
    due.swap(candidate_tasks_);
    for (std::size_t first = 0; first < due.size(); ++first) {
      std::size_t pick = 0;
      if (due.size() - first > 1 && !chooser_is_default_) {
        candidates_.clear();
        for (std::size_t i = first; i < due.size(); ++i)
          candidates_.push_back(Candidate{due[i]->id, Op::sleep, kNoObject});
        pick = ask(DecisionKind::timer_tie, false);
      }
      Task* t = due[first + pick];
      // Close the gap while keeping the order of the rest: due[first] moves into it.
      std::move_backward(due.begin() + static_cast<std::ptrdiff_t>(first),
                         due.begin() + static_cast<std::ptrdiff_t>(first + pick),
                         due.begin() + static_cast<std::ptrdiff_t>(first + pick + 1));
      fire_timer(t, deadline);
      fired = true;
    }
    due.clear();
  }
  return fired;
}

void Scheduler::fire_timer(Task* t, std::int64_t deadline) noexcept {
  disarm_timer(t);
  t->wake_reason = WakeReason::timed_out;
  t->state = TaskState::runnable;
  enqueue(t);
  emit(Event{.kind = EventKind::timer_fire, .task = t->id, .value = deadline});
}

void Scheduler::stop(StopReason reason, std::string message) {
  if (stop_reason_ != StopReason::none) return;
  stop_reason_ = reason;
  handoff_ = false;
  stop_message_ = std::move(message);
  if (reason == StopReason::terminated) return;  // block_on's exception reports it
  emit(Event{.kind = reason == StopReason::deadlock ? EventKind::deadlock : EventKind::hang,
             .text = stop_message_});
}

std::string Scheduler::describe_deadlock() const {
  std::ostringstream out;
  out << "deadlock: no task can run and no timer is pending;";
  for (const Task* t = live_head_; t != nullptr; t = t->live_next) {
    if (t->state != TaskState::blocked) continue;
    out << " task " << task_label(t) << " waits in " << to_string(t->wait.op) << " on "
        << to_string(t->wait.kind) << " #" << t->wait.object;
    if (t->wait.holder != kNoTask) out << " held by task #" << t->wait.holder;
    out << " at " << location_text(t->wait.where) << ";";
  }
  std::string text = out.str();
  text.pop_back();
  return text;
}

// ---------------------------------------------------------------------------------------------
// The task side.

void Scheduler::task_entry(void* arg) {
  Task* t = static_cast<Task*>(arg);
  Scheduler& s = *tls_scheduler;
  s.arrive();
  t->body->run();  // an exception that escaped the function set the outcome (body_threw)
  if (t->join->outcome == TaskOutcome::pending) t->join->outcome = TaskOutcome::finished;
  // Dropped, it returned or threw something else instead of unwinding: swallowed.
  if (t->join->outcome == TaskOutcome::finished && t->cancel_throws > 0) {
    t->join->outcome = TaskOutcome::cancelled;
    // A sim thread that returns at the process exit ended as the exit would have ended it.
    if (!t->swallow_reported && !s.stops_at_exit(t)) {
      t->swallow_reported = true;
      s.emit(Event{.kind = EventKind::swallowed_cancellation,
                   .task = t->id,
                   .text = "the task caught the cancellation and returned",
                   .where = t->last_site});
    }
  }
  s.finish_task(t);
  s.exit_task(t);
}

// The finished task t leaves its stack for good. Like switch_out, straight into the next task
// when drive() would only pick it: one stack switch instead of two. That task reaps t on arrival
// (arrive()), as the loop does otherwise: a stack cannot be given back while it runs.
void Scheduler::exit_task(Task* t) {
  if (Task* n = handoff_from(t)) {
    exited_ = t;
    t->fiber.exit_to(n->fiber);
  }
  t->fiber.exit();
}

void Scheduler::reap_exited() noexcept { reap(std::exchange(exited_, nullptr)); }

void Scheduler::body_threw(const std::exception* e) noexcept {
  Task* t = current_;
  // The cancellation is thrown as a forced unwind, which only catch (...) catches.
  if (e == nullptr && handling_cancellation()) {
    t->join->outcome = TaskOutcome::cancelled;
    return;
  }
  if (t->cancel_throws > 0) return;  // dropped, it threw something else: swallowed (task_entry)
  t->join->outcome = TaskOutcome::panicked;
  t->join->panic = std::current_exception();
  if (const auto* failure = dynamic_cast<const CheckFailure*>(e)) t->panic_where = failure->where();
  t->panic_message = e != nullptr ? e->what() : caught_exception_type();
}

void Scheduler::finish_task(Task* t) noexcept {
  // Tokio drops a task's future as soon as it completes: captures (senders, guards) go now.
  t->in_teardown = true;
  t->body.reset();
  JoinStateBase& join = *t->join;
  switch (join.outcome) {
    case TaskOutcome::finished:
      emit(Event{.kind = EventKind::finish, .task = t->id});
      break;
    case TaskOutcome::cancelled:
      emit(Event{.kind = EventKind::cancelled, .task = t->id, .where = t->last_site});
      break;
    case TaskOutcome::panicked: {
      // A failed check says where; anything else happened after the latest scheduling point.
      const SourceLocation where = t->panic_where.line() != 0 ? t->panic_where : t->last_site;
      t->join->panic_where = where;
      emit(
          Event{.kind = EventKind::panic, .task = t->id, .text = t->panic_message, .where = where});
      break;
    }
    case TaskOutcome::pending:
      break;
  }
  t->state = TaskState::finished;
  if (t == root_) handoff_ = false;  // drive() is over
  join.joiners.notify_all(*this);
  end_step(t, join.outcome == TaskOutcome::finished   ? "finished"
              : join.outcome == TaskOutcome::panicked ? "panicked"
                                                      : "was dropped");
}

void Scheduler::abandon(Task* t) {
  t->abandoned = true;
  t->state = TaskState::finished;
  if (t == root_) handoff_ = false;
  t->join->joiners.notify_all(*this);
  end_step(t, "was abandoned");
  t->fiber.suspend();  // back to whoever resumed it, which reaps it (run_task)
  fatal("abandoned task resumed");
}

void Scheduler::abandon_cancelled(Task* t) {
  t->join->outcome = TaskOutcome::cancelled;
  abandon(t);
}

void Scheduler::end_at_exit() {
  Task* t = current_;
  if (t == nullptr || (phase_ != Phase::shutting_down && phase_ != Phase::aborting))
    throw RuntimeError("end_at_exit: only a task of a runtime that is shutting down can end so");
  abandon_cancelled(t);
}

// weft::sim's shutdown is the process exit: a thread it finds waiting inside a destructor, or
// whose drop runs one that waits, stops there as the real thread would. Nothing to report.
bool Scheduler::stops_at_exit(const Task* t) const noexcept {
  return real_time_ && t->cancel_requested &&
         (phase_ == Phase::shutting_down || phase_ == Phase::aborting);
}

void Scheduler::destructor_waits_while_dropped(Task* t, const WaitInfo& info) {
  if (stops_at_exit(t)) abandon_cancelled(t);
  std::string message = "a destructor waited (" + std::string(to_string(info.op)) + " on " +
                        std::string(to_string(info.kind)) +
                        ") while the task was being dropped; a drop cannot wait (tokio: a Drop "
                        "cannot await), so the task panics here";
  t->join->outcome = TaskOutcome::panicked;
  t->join->panic = std::make_exception_ptr(RuntimeError(message));
  t->join->panic_where = info.where;
  emit(Event{.kind = EventKind::panic, .task = t->id, .text = message, .where = info.where});
  t->panic_message = std::move(message);
  abandon(t);
}

void Scheduler::cancellation_hit_noexcept() {
  Task* t = current_;
  // std::terminate while the task's cancellation was delivered: the exception in flight reached a
  // frame that may not throw. Everything above that frame has unwound; it cannot be resumed, so
  // the task ends here as a panic. Either the cancellation itself reached a destructor that
  // waited at normal scope exit, or a destructor run by the unwinding threw an exception of its
  // own (C++ calls terminate for that); the type of the exception in flight tells which.
  const std::type_info* in_flight = abi::__cxa_current_exception_type();
  const bool threw = in_flight != nullptr && *in_flight != typeid(TaskCancelled);
  if (!threw && stops_at_exit(t)) {
    if (in_flight != nullptr) abi::__cxa_end_catch();
    abandon_cancelled(t);
  }
  std::string message;
  if (threw) {
    message =
        "a destructor threw while the task was being dropped (C++ then calls "
        "std::terminate): " +
        exception_what(std::current_exception())
            .value_or("an exception of a type not derived from std::exception") +
        " (the drop began at the task's last scheduling point); destructors must not "
        "throw: catch inside the destructor";
  } else {
    message = "the task's cancellation reached a destructor that waited (at " +
              location_text(t->last_site) +
              "); a destructor cannot be cancelled and weft cannot resume it (tokio: a Drop "
              "cannot await), so the task panics here";
  }
  if (in_flight != nullptr) abi::__cxa_end_catch();
  t->join->outcome = TaskOutcome::panicked;
  t->join->panic = std::make_exception_ptr(RuntimeError(message));
  t->join->panic_where = t->last_site;
  emit(Event{.kind = EventKind::panic,
             .task = t->id,
             .value = threw ? kPanicThrowingDestructor : 0,
             .text = message,
             .where = t->last_site});
  t->panic_message = std::move(message);
  abandon(t);
}

// The throw is inlined here, in the scheduling point's own frame: one frame less to unwind.
[[gnu::always_inline]] inline void Scheduler::throw_if_cancelled(Task* t) {
  if (t->cancel_requested) [[unlikely]]
    if (cancel_point(t)) throw_forced<TaskCancelled>();
}

bool Scheduler::cancel_point(Task* t) {
  // Never inside a destructor the runtime can see: while the task unwinds (a drop, a panic) or
  // while its finished body's captures are destroyed.
  if (t->in_teardown || t->no_cancel > 0 || uncaught_exception_count() > 0) return false;
  ++t->cancel_throws;
  // A sim thread that caught the exit's unwinding and went on (a service loop's catch (...))
  // stops at its next scheduling point, as the process exit stops it; nothing was swallowed.
  if (t->cancel_throws > 1 && stops_at_exit(t)) abandon_cancelled(t);
  if (t->cancel_throws > 1 && !t->swallow_reported) {
    t->swallow_reported = true;
    emit(Event{.kind = EventKind::swallowed_cancellation,
               .task = t->id,
               .text = "the task caught the cancellation and kept running",
               .where = t->last_site});
  }
  if (t->cancel_throws > kMaxCancelThrows) {
    // It will never let go: leave its stack as it is and never resume it.
    t->abandoned = true;
    t->join->outcome = TaskOutcome::cancelled;
    t->state = TaskState::finished;
    t->join->joiners.notify_all(*this);
    t->fiber.suspend();
    fatal("abandoned task resumed");
  }
  return true;
}

inline void Scheduler::suspend(Task* t) {
  switch_out(t);
  throw_if_cancelled(t);
}

// Records the step and applies the step limit. Returns false when the task must not switch here
// (it is running destructors, or being dropped). No cancellation here: a scheduling point that
// does not suspend is code between two awaits, where tokio cannot cancel a task.
inline bool Scheduler::begin_step(Task* t, Op op, ObjectKind kind, ObjectId object,
                                  SourceLocation where) {
  t->pending_op = op;
  t->pending_kind = kind;
  t->pending_object = object;
  t->last_site = where;
  ++step_;
  if ((t->dropping | t->in_teardown) || uncaught_exception_count() > 0) [[unlikely]]
    return begin_step_unusual(t);
  if (step_ > step_limit_ && phase_ != Phase::aborting) [[unlikely]]
    return step_limit_reached(t);
  return true;
}

bool Scheduler::begin_step_unusual(Task* t) {
  if (t->force_drop) {
    throw_if_cancelled(t);  // after a stop: anywhere but in a destructor or a no-cancel scope
    // It cannot unwind where it keeps stepping: leave its stack as it is, never resume it.
    if (++t->forced_steps > kMaxForcedSteps) [[unlikely]]
      abandon_cancelled(t);
  }
  if (t->dropping && step_ > step_limit_ && phase_ != Phase::aborting && !t->force_drop) {
    // Dropped while running code that never suspends: the drop cannot wait for it forever.
    stop(StopReason::hang, "step limit of " + std::to_string(options_.max_steps) +
                               " scheduling points reached while a dropped task ran to its "
                               "next suspension point");
    t->force_drop = true;
    throw_if_cancelled(t);
  }
  // Running destructors, or dropped (it runs to its next suspension point): no switch.
  return false;
}

bool Scheduler::step_limit_reached(Task* t) {
  stop(StopReason::hang,
       "step limit of " + std::to_string(options_.max_steps) + " scheduling points reached");
  t->state = TaskState::runnable;
  enqueue(t);
  suspend(t);  // the abort that follows drops this task: suspend throws
  return false;
}

// A step begins: t was resumed (enter) or goes on past a scheduling point without switching.
void Scheduler::step_begins(Task* t, bool gave_way) noexcept {
  emit(Event{.kind = EventKind::step,
             .op = t->pending_op,
             .object_kind = t->pending_kind,
             .task = t->id,
             .object = t->pending_object,
             .value = gave_way ? 1 : 0});
}

void Scheduler::schedule_point(Op op, ObjectKind kind, ObjectId object, SourceLocation where) {
  Task* t = current_;
  const bool spin = t->spin.point(op, object, where);
  if (!begin_step(t, op, kind, object, where)) return;
  if (phase_ == Phase::shutting_down) [[unlikely]] {
    if (spin) gave_way(t);
    shutdown_step(t);
  } else if (spin && flavor_ == Flavor::multi_thread) [[unlikely]] {
    // A spin is a yield: it gives way as weft::yield_now does. Not on a current_thread runtime,
    // where a task that spins without yielding really does starve every other task.
    if (let_time_pass() && stop_reason_ != StopReason::none) [[unlikely]] {
      // The time limit: the abort that follows drops this task (suspend throws).
      t->state = TaskState::runnable;
      enqueue(t);
      suspend(t);
      return;
    }
    if (runnable_.empty()) {
      if (observes(EventKind::step)) [[unlikely]]
        step_begins(t);
      return;
    }
    gave_way(t);
    t->state = TaskState::runnable;
    enqueue(t);
    set_preempted(t, true);  // a spin is not an await: cancellation waits for its next suspension
    switch_out(t);
    set_preempted(t, false);
  } else {
    if (flavor_ == Flavor::current_thread || runnable_.empty() || chooser_is_default_) {
      if (observes(EventKind::step)) [[unlikely]]
        step_begins(t);
      return;
    }
    schedule_point_chosen(t, op, object);
  }
  // Resumed after a stop to be dropped: the unwinding starts in this frame. Any other
  // cancellation waits for the task's next suspension point.
  if (t->force_drop) [[unlikely]]
    throw_if_cancelled(t);
}

// Each step during shutdown returns to the shutdown loop, which may run this task on (it is not
// at an await, so it cannot be dropped until it suspends).
void Scheduler::shutdown_step(Task* t) {
  t->state = TaskState::runnable;
  enqueue(t);
  set_preempted(t, true);
  switch_out(t);
  set_preempted(t, false);
}

// A schedule point that the chooser decides: keep running t, or switch to a runnable task.
void Scheduler::schedule_point_chosen(Task* t, Op, ObjectId) {
  // t has not given way (a spin is handled in schedule_point), so it is always offered, first.
  fair_candidates(t);
  std::size_t pick = ask(DecisionKind::schedule, true);
  if (pick == 0) {
    if (observes(EventKind::step)) [[unlikely]]
      step_begins(t);
    return;
  }
  Task* n = candidate_tasks_[pick];
  dequeue(n);
  t->state = TaskState::runnable;
  enqueue(t);
  next_ = n;
  set_preempted(t, true);  // between two awaits: cancellation waits for its next suspension
  switch_out(t);
  set_preempted(t, false);
}

void Scheduler::notify_suspended(Task* t) noexcept {
  t->watch_suspend = false;
  t->join->joiners.notify_all(*this);
}

[[gnu::always_inline]] inline void Scheduler::yield_now(SourceLocation where) {
  Task* t = current_;
  if (!begin_step(t, Op::yield, ObjectKind::none, kNoObject, where)) return;
  // A suspension point: a cancelled task stops here instead of yielding.
  throw_if_cancelled(t);
  ++t->suspends;
  if (t->watch_suspend) [[unlikely]]
    notify_suspended(t);
  // Real threads that only yield, while every other one sleeps or yields too, let real time
  // pass: after this many yields without blocking, the next timer fires (let_time_pass). Far
  // more than a loop that makes progress yields, which keeps the clock still.
  constexpr std::uint32_t kYieldsBeforeTimePasses = 1000;
  if (real_time_ && ++t->yields_unblocked >= kYieldsBeforeTimePasses) [[unlikely]] {
    t->yields_unblocked = 0;
    let_time_pass();  // a time limit reached here stops the task at its suspension below
  }
  // Alone it simply goes on; at shutdown it has ended its poll either way (only dropped now).
  if (!runnable_.empty() || phase_ == Phase::shutting_down) gave_way(t);
  t->state = TaskState::runnable;
  enqueue(t);
  suspend(t);
}

}  // namespace weft::detail

// Defined here, not with the other entry points, so that the scheduler's yield inlines into it:
// the cheapest task switch is what the switch benchmark measures.
void weft::yield_now(SourceLocation where) {
  detail::running_scheduler("weft::yield_now", where).yield_now(where);
}

namespace weft::detail {

WakeReason Scheduler::block(const WaitInfo& info, const Instant* deadline, Waiter* queued) {
  Task* t = current_;
  t->yields_unblocked = 0;
  if (t->cancel_requested) [[unlikely]] {
    // A suspension point: the cancelled task unwinds here instead of waiting, unless it is inside
    // a destructor, where it can neither unwind nor wait.
    if (queued) queued->leave();
    if (cancel_point(t)) throw_forced<TaskCancelled>();
    destructor_waits_while_dropped(t, info);
  }
  if (deadline != nullptr && deadline->time_since_epoch().count() <= now_ns_) [[unlikely]] {
    // The deadline has passed (a zero timeout: try_lock_for(0ms), wait_for(0ms)): the wait times
    // out at once, as tokio's does when its timer has already elapsed and std's timed waits do,
    // rather than waiting until no other task can run, which would hide the timeout path.
    if (queued) queued->leave();
    return WakeReason::timed_out;
  }
  ++t->suspends;
  if (t->watch_suspend) [[unlikely]]
    notify_suspended(t);
  t->wait = info;
  t->state = TaskState::blocked;
  t->wake_reason = WakeReason::woken;
  if (deadline != nullptr) {
    t->has_deadline = true;
    t->deadline_ns = deadline->time_since_epoch().count();
    ++t->timer_generation;
    timers_.arm(t);
  }
  if (observes(EventKind::block))
    emit(Event{.kind = EventKind::block,
               .op = info.op,
               .object_kind = info.kind,
               .task = t->id,
               .other = info.holder,
               .object = info.object,
               .where = info.where});
  switch_out(t);
  if (queued) queued->leave();  // still queued after a timeout, a spurious wake or a drop
  t->wait = WaitInfo{};
  disarm_timer(t);
  if (t->cancel_requested) [[unlikely]] {
    if (cancel_point(t)) throw_forced<TaskCancelled>();
    // Waiting inside a destructor: a drop must end it now; an abort lets the wait re-check (a
    // wait that must go on lands in the check above).
    if (t->dropping) destructor_waits_while_dropped(t, info);
  }
  return t->wake_reason;
}

void Scheduler::disarm_timer(Task* t) noexcept {
  if (!t->has_deadline) return;
  t->has_deadline = false;
  ++t->timer_generation;
}

void Scheduler::wake(Task* t) noexcept {
  if (t == nullptr || t->state != TaskState::blocked) return;
  disarm_timer(t);
  t->wake_reason = WakeReason::woken;
  t->state = TaskState::runnable;
  enqueue(t);
  if (observes(EventKind::wake))
    emit(Event{.kind = EventKind::wake, .task = t->id, .other = current_ ? current_->id : kNoTask});
}

inline void Scheduler::enqueue(Task* t) noexcept {
  if (t->queued) return;
  t->queued = true;
  runnable_.push_back(t);
  if (shutdown_runs_indexed_) [[unlikely]]
    t->run_slot = shutdown_runs_.append(t, t->yielded_at == 0);
}

inline void Scheduler::dequeue(Task* t) noexcept {
  runnable_.remove(t);
  t->queued = false;
  if (shutdown_runs_indexed_) [[unlikely]]
    shutdown_runs_.set(t->run_slot, false);
}

TaskId Scheduler::spawn(std::unique_ptr<TaskBody>&& body, std::shared_ptr<JoinStateBase>&& state,
                        std::string&& name, SourceLocation where) {
  Task* parent = current_;
  schedule_point(Op::spawn, ObjectKind::task, tasks_.next_id(), where);
  Task* t = tasks_.create();
  t->name = std::move(name);  // empty: the default name, built only when someone asks for it
  t->spawn_site = where;
  t->parent = parent ? parent->id : kNoTask;
  t->body = std::move(body);
  t->join = std::move(state);
  t->join->id = t->id;
  if (!t->name.empty()) t->join->name = t->name;
  t->join->task = t;
  link_live(t);
  enqueue(t);
  if (observes(EventKind::spawn))
    emit(Event{.kind = EventKind::spawn,
               .task = t->id,
               .other = t->parent,
               .text = task_name(t),
               .where = where});
  return t->id;
}

void Scheduler::request_abort(JoinStateBase& state, SourceLocation where) {
  schedule_point(Op::abort, ObjectKind::task, state.id, where);
  abort_now(state, where);
}

void Scheduler::abort_now(JoinStateBase& state, SourceLocation where) noexcept {
  Task* t = state.task;
  if (t == nullptr || t->cancel_requested) return;
  t->cancel_requested = true;
  emit(Event{.kind = EventKind::op,
             .op = Op::abort,
             .object_kind = ObjectKind::task,
             .task = current_ ? current_->id : kNoTask,
             .other = t->id,
             .object = t->id,
             .where = where});
  wake(t);
}

void Scheduler::drop_now(JoinStateBase& state) noexcept {
  Task* t = state.task;
  if (t == nullptr || t == current_) return;
  drop_task(t);
}

void Scheduler::settle_inner(JoinStateBase& state, SourceLocation where) {
  Task* inner = state.task;
  // Blocked: pending at an await, the deadline wins. Otherwise it was woken at this instant (or
  // is between two awaits, or never ran): it is polled first, up to its next suspension.
  if (inner == nullptr || state.outcome != TaskOutcome::pending ||
      inner->state == TaskState::blocked)
    return;
  const std::uint64_t seen = inner->suspends;
  inner->watch_suspend = true;
  while (state.outcome == TaskOutcome::pending && state.task == inner && inner->suspends == seen) {
    Waiter w(current_);
    state.joiners.push_back(w);
    block(WaitInfo{Op::join, ObjectKind::task, state.id, state.id, where}, nullptr, &w);
  }
  if (state.task == inner) inner->watch_suspend = false;
}

std::size_t Scheduler::choose_value(std::size_t n, SourceLocation where) {
  if (n == 0) throw std::invalid_argument("weft::choose(0)");
  // A decision lists every value it may take (choose(1 << 33) allocated 1.5 GB per call); past
  // this no search covers the values anyway. Checked outside explorations too, so a program
  // behaves the same under test and under exploration.
  if (n > kMaxChoice)
    throw std::invalid_argument("weft::choose(" + std::to_string(n) + "): at most " +
                                std::to_string(kMaxChoice) +
                                " values (choose a smaller range and scale it)");
  if (n == 1 || chooser_is_default_) return 0;
  candidates_.clear();
  Task* t = current_;
  for (std::size_t i = 0; i < n; ++i)
    candidates_.push_back(Candidate{t ? t->id : kNoTask, Op::choose, static_cast<ObjectId>(i)});
  (void)where;
  return ask(DecisionKind::value, false);
}

std::size_t Scheduler::choose_decision(DecisionKind kind, std::size_t n, Op op, ObjectId object) {
  if (n <= 1 || chooser_is_default_) return 0;
  // The spurious wake-up budget: once spent, a wait asks nothing (an exhaustive search would
  // otherwise find a deeper branch behind every wake-up, without end).
  if (kind == DecisionKind::spurious && spurious_left_ == 0) return 0;
  candidates_.clear();
  const TaskId task = current_ ? current_->id : kNoTask;
  for (std::size_t i = 0; i < n; ++i) candidates_.push_back(Candidate{task, op, object});
  const std::size_t pick = ask(kind, false);
  if (kind == DecisionKind::spurious && pick != 0) --spurious_left_;
  return pick;
}

bool Scheduler::choose_within_budget(DecisionKind kind, Op op, ObjectId object) {
  if (yes_answers_ >= kYesBudget) return false;
  const bool yes = choose_decision(kind, 2, op, object) == 1;
  yes_answers_ += yes ? 1 : 0;
  return yes;
}

void Scheduler::advance(Duration d, SourceLocation where) {
  schedule_point(Op::sleep, ObjectKind::timer, kNoObject, where);
  const std::int64_t target =
      saturating_add(Instant(Duration(now_ns_)), std::max(Duration::zero(), d))
          .time_since_epoch()
          .count();
  fire_due_timers(target);
  if (target > now_ns_) {
    now_ns_ = target;
    emit(Event{.kind = EventKind::clock_advance, .value = now_ns_});
  }
}

std::size_t Scheduler::ask(DecisionKind kind, bool first_is_current) {
  if (candidates_.size() < 2) return 0;
  return ask(kind, Candidates(candidates_), DecisionContext{step_, first_is_current});
}

std::size_t Scheduler::ask(DecisionKind kind, const Candidates& candidates,
                           const DecisionContext& context) {
  const std::size_t n = candidates.size();
  if (n < 2) return 0;
  std::size_t pick;
  if (long_poll_.on()) [[unlikely]] {
    const std::int64_t began = coarse_wall_clock_ns();
    pick = chooser_->choose(kind, candidates, context);
    long_poll_.exclude_since(began);
  } else {
    pick = chooser_->choose(kind, candidates, context);
  }
  if (pick >= n) pick = n - 1;  // a chooser bug must not become memory corruption
  return pick;
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping.

void Scheduler::link_live(Task* t) noexcept {
  t->live_prev = live_tail_;
  t->live_next = nullptr;
  (live_tail_ ? live_tail_->live_next : live_head_) = t;
  live_tail_ = t;
  ++live_count_;
  if (shutdown_indexed_) [[unlikely]]
    t->drop_slot = shutdown_drops_.append(t, !t->preempted);
}

void Scheduler::unlink_live(Task* t) noexcept {
  (t->live_prev ? t->live_prev->live_next : live_head_) = t->live_next;
  (t->live_next ? t->live_next->live_prev : live_tail_) = t->live_prev;
  t->live_prev = t->live_next = nullptr;
  --live_count_;
  if (shutdown_indexed_) [[unlikely]]
    shutdown_drops_.set(t->drop_slot, false);
}

void Scheduler::emit(Event event) noexcept {
  if (!wants(observed_, event.kind, event.object_kind)) return;
  if (event.task == kNoTask && current_ != nullptr && event.kind != EventKind::shutdown_end)
    event.task = current_->id;
  event.step = step_;
  event.time = Duration(now_ns_);
  event.runtime = &runtime_;
  if (long_poll_.on()) [[unlikely]] {  // detector work is not the task's time
    const std::int64_t began = coarse_wall_clock_ns();
    observer_->on_event(event);
    long_poll_.exclude_since(began);
    return;
  }
  observer_->on_event(event);
}

std::string default_task_name(TaskId id) { return "task-" + std::to_string(id); }

std::optional<std::string> exception_what(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
  }
  return std::nullopt;
}

const std::string& Scheduler::task_name(Task* t) {
  if (t->name.empty()) t->name = default_task_name(t->id);
  return t->name;
}

std::string Scheduler::task_label(const Task* t) const {
  return "'" + (t->name.empty() ? default_task_name(t->id) : t->name) + "' (#" +
         std::to_string(t->id) + ")";
}

std::vector<TaskSnapshot> Scheduler::snapshot() const {
  std::vector<TaskSnapshot> out;
  out.reserve(live_count_);
  for (const Task* t = live_head_; t != nullptr; t = t->live_next) {
    TaskSnapshot s;
    s.id = t->id;
    s.name = t->name.empty() ? default_task_name(t->id) : t->name;
    s.spawn_site = t->spawn_site;
    s.parent = t->parent;
    s.state = (!t->fiber.started() && t->state == TaskState::runnable) ? TaskState::idle : t->state;
    s.last_site = t->last_site;
    if (t->state == TaskState::blocked) {
      s.wait_op = t->wait.op;
      s.wait_kind = t->wait.kind;
      s.wait_object = t->wait.object;
      s.wait_holder = t->wait.holder;
      s.wait_site = t->wait.where;
      s.has_deadline = t->has_deadline;
      s.deadline = Duration(t->deadline_ns);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace weft::detail
