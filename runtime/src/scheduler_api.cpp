// The free functions of the runtime's public and internal API, forwarding to the scheduler of
// the task running on this thread.
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "sanitizer.hpp"
#include "scheduler.hpp"
#include "weft/task.hpp"
#include "weft/time.hpp"

namespace weft {
namespace detail {

void throw_outside_task(const char* what, SourceLocation where) {
  if (implicit_root_possible()) throw ImplicitRootNeeded{};
  throw RuntimeError(std::string(what) + " called outside a weft runtime task (at " +
                     where.file_name() + ":" + std::to_string(where.line()) + ")");
}

NoCancelScope::NoCancelScope() noexcept : task_(current_task()) {
  if (task_) ++task_->no_cancel;
}
NoCancelScope::~NoCancelScope() {
  if (task_) --task_->no_cancel;
}

Scheduler& scheduler_for(const char* what, SourceLocation where) {
  return running_scheduler(what, where);
}

Task* current_task() noexcept {
  Scheduler* s = current_scheduler();
  return s ? s->current() : nullptr;
}
TaskId task_id(const Task* task) noexcept { return task ? task->id : kNoTask; }
bool is_cancelling(const Task* task) noexcept { return task && task->cancel_requested; }

ObjectId object_id(Scheduler& s, ObjectTag& tag, ObjectKind kind) {
  if (tag.runtime_epoch != s.epoch()) {
    tag.runtime_epoch = s.epoch();
    tag.id = s.next_object_id();
    const char* file = tag.created.file_name();
    const bool sited = (file != nullptr && *file != '\0') || library_call_site(tag.created);
    if (s.observes(EventKind::object_created) && (sited || tag.name != nullptr))
      s.emit(Event{.kind = EventKind::object_created,
                   .object_kind = kind,
                   .object = tag.id,
                   // Built by a standard-library call: 1 + its number among those (see
                   // settle_library_site), and `where` is the task's position before the call.
                   .value = library_call_site(tag.created) ? tag.library_ordinal + 1 : 0,
                   .text = tag.name != nullptr ? std::string_view(tag.name) : std::string_view(),
                   .where = tag.created});
  }
  return tag.id;
}

void schedule_point(Scheduler& s, Op op, ObjectKind kind, ObjectId object, SourceLocation where) {
  s.schedule_point(op, kind, object, where);
}

void task_body_threw(const std::exception* e) noexcept { tls_scheduler->body_threw(e); }

WakeReason block(Scheduler& s, const WaitInfo& info, const Instant* deadline) {
  return s.block(info, deadline, nullptr);
}

WakeReason block_queued(Scheduler& s, Waiter& w, const WaitInfo& info, const Instant* deadline) {
  return s.block(info, deadline, &w);
}

void wake(Scheduler& s, Task* task) noexcept { s.wake(task); }

void set_wait_holder(Task* task, TaskId holder) noexcept {
  if (task) task->wait.holder = holder;
}

void threads_run_in_real_time() noexcept {
  if (Scheduler* s = current_scheduler()) s->threads_run_in_real_time();
}

void note_failed_check(const std::string& message, const SourceLocation& where) noexcept {
  Task* t = current_task();
  if (t == nullptr) return;
  try {
    t->failed_check = message;
    t->failed_check_where = where;
  } catch (...) {  // out of memory: the report only loses a detail
  }
}

bool last_failed_check(std::string* message, SourceLocation* where) {
  Task* t = current_task();
  if (t == nullptr || t->failed_check.empty()) return false;
  *message = t->failed_check;
  *where = t->failed_check_where;
  return true;
}

bool shutting_down() noexcept {
  Scheduler* s = current_scheduler();
  return s != nullptr && s->shutting_down();
}

void end_at_exit(SourceLocation where) { scheduler_for("end_at_exit", where).end_at_exit(); }

void emit_op(Scheduler& s, Op op, ObjectKind kind, ObjectId object, std::int64_t value,
             SourceLocation where) noexcept {
  if (!s.observes_op(kind)) return;
  s.emit(Event{.kind = EventKind::op,
               .op = op,
               .object_kind = kind,
               .object = object,
               .value = value,
               .where = where});
}

void Waiter::leave() noexcept {
  if (queue) queue->remove(*this);
}

WaitQueue::~WaitQueue() {
  while (head_) remove(*head_);
}

void WaitQueue::push_back(Waiter& w) noexcept {
  if (w.queue) w.queue->remove(w);
  w.queue = this;
  w.prev = tail_;
  w.next = nullptr;
  (tail_ ? tail_->next : head_) = &w;
  tail_ = &w;
  ++size_;
}

void WaitQueue::remove(Waiter& w) noexcept {
  if (w.queue != this) return;
  (w.prev ? w.prev->next : head_) = w.next;
  (w.next ? w.next->prev : tail_) = w.prev;
  w.prev = w.next = nullptr;
  w.queue = nullptr;
  --size_;
}

bool WaitQueue::notify_one(Scheduler& s) noexcept {
  Waiter* w = head_;
  if (w == nullptr) return false;
  remove(*w);
  w->notified = true;
  s.wake(w->task);
  return true;
}

std::size_t WaitQueue::notify_all(Scheduler& s) noexcept {
  std::size_t n = 0;
  while (notify_one(s)) ++n;
  return n;
}

namespace {
// Free blocks by size class (multiples of kCellGranule), linked through their first word.
constexpr std::size_t kCellGranule = 64;
constexpr std::size_t kCellClasses = 16;         // blocks up to 1 KiB; larger ones use operator new
constexpr std::uint32_t kMaxCachedCells = 1024;  // per class: 100k finished tasks are not hoarded

#ifdef WEFT_ASAN
constexpr bool kCacheCells = false;
#else
constexpr bool kCacheCells = true;
#endif

struct CellCache {
  void* heads[kCellClasses] = {};
  std::uint32_t counts[kCellClasses] = {};
  ~CellCache();
};
constinit thread_local CellCache* tls_cell_cache __attribute__((tls_model("initial-exec"))) =
    nullptr;
constinit thread_local bool tls_cell_cache_gone __attribute__((tls_model("initial-exec"))) = false;

CellCache::~CellCache() {
  for (void*& head : heads)
    while (head != nullptr) ::operator delete(std::exchange(head, *static_cast<void**>(head)));
  tls_cell_cache = nullptr;
  tls_cell_cache_gone = true;  // blocks freed later in this thread's exit go to operator delete
}

CellCache* cell_cache() {
  if (CellCache* cache = tls_cell_cache) [[likely]]
    return cache;
  if (tls_cell_cache_gone) return nullptr;
  thread_local CellCache cache;
  return tls_cell_cache = &cache;
}

std::size_t cell_class(std::size_t bytes) { return (bytes + kCellGranule - 1) / kCellGranule - 1; }
}  // namespace

// Under ASan the cache is bypassed, so a use of a freed task's memory is still reported.
void* allocate_task_cell(std::size_t bytes) {
  const std::size_t c = cell_class(bytes);
  if (!kCacheCells) return ::operator new(bytes);
  if (c < kCellClasses) {
    if (CellCache* cache = cell_cache(); cache != nullptr && cache->heads[c] != nullptr) {
      void* block = cache->heads[c];
      cache->heads[c] = *static_cast<void**>(block);
      --cache->counts[c];
      return block;
    }
    return ::operator new((c + 1) * kCellGranule);
  }
  return ::operator new(bytes);
}

void free_task_cell(void* block, std::size_t bytes) noexcept {
  const std::size_t c = cell_class(bytes);
  if (kCacheCells && c < kCellClasses) {
    CellCache* cache = cell_cache();
    if (cache != nullptr && cache->counts[c] < kMaxCachedCells) {
      *static_cast<void**>(block) = cache->heads[c];
      cache->heads[c] = block;
      ++cache->counts[c];
      return;
    }
  }
  ::operator delete(block);
}

TaskId spawn_task(std::unique_ptr<TaskBody> body, std::shared_ptr<JoinStateBase> state,
                  std::string name, SourceLocation where) {
  return scheduler_for("weft::spawn", where)
      .spawn(std::move(body), std::move(state), std::move(name), where);
}

void join_wait(JoinStateBase& state, SourceLocation where) {
  Scheduler& s = scheduler_for("JoinHandle::join", where);
  s.schedule_point(Op::join, ObjectKind::task, state.id, where);
  while (state.outcome == TaskOutcome::pending) {
    Waiter w(s.current());
    state.joiners.push_back(w);
    s.block(WaitInfo{Op::join, ObjectKind::task, state.id, state.id, where}, nullptr, &w);
  }
}

bool join_wait_until(JoinStateBase& state, Instant deadline, SourceLocation where) {
  Scheduler& s = scheduler_for("JoinHandle::join_for", where);
  s.schedule_point(Op::join, ObjectKind::task, state.id, where);
  while (state.outcome == TaskOutcome::pending) {
    if (s.now_ns() >= deadline.time_since_epoch().count()) return false;
    Waiter w(s.current());
    state.joiners.push_back(w);
    s.block(WaitInfo{Op::join, ObjectKind::task, state.id, state.id, where}, &deadline, &w);
  }
  return true;
}

void abort_task(JoinStateBase& state, SourceLocation where) {
  scheduler_for("JoinHandle::abort", where).request_abort(state, where);
}

void abort_task_quietly(JoinStateBase& state) noexcept {
  if (Scheduler* s = current_scheduler()) s->abort_now(state, {});
}

void settle_inner(JoinStateBase& state, SourceLocation where) {
  scheduler_for("weft::timeout", where).settle_inner(state, where);
}

void drop_now(JoinStateBase& state) noexcept {
  if (Scheduler* s = current_scheduler()) s->drop_now(state);
}

void handle_dropped(JoinStateBase& state) noexcept {
  if (state.joined) return;
  Scheduler* s = current_scheduler();
  if (s == nullptr || !s->observes(EventKind::detach)) return;
  s->emit(Event{.kind = EventKind::detach,
                .object_kind = ObjectKind::task,
                .other = state.id,
                .object = state.id});
}

JoinError join_error(JoinStateBase& state) {
  // Tell detectors that this panic or cancellation was observed by a join.
  if (Scheduler* s = current_scheduler(); s && s->observes_op(ObjectKind::task))
    s->emit(Event{.kind = EventKind::op,
                  .op = Op::join,
                  .object_kind = ObjectKind::task,
                  .other = state.id,
                  .object = state.id,
                  .value = 1});
  return JoinError(state.id, state.name.empty() ? default_task_name(state.id) : state.name,
                   state.outcome == TaskOutcome::cancelled, state.panic, state.panic_where);
}

[[noreturn]] void throw_join_error(JoinStateBase& state) { throw join_error(state); }

}  // namespace detail

namespace {
std::string join_error_message(TaskId task, const std::string& name, bool cancelled,
                               const std::exception_ptr& panic) {
  std::string text = "task '" + name + "' (#" + std::to_string(task) + ") ";
  if (cancelled) return text + "was cancelled";
  if (panic)
    if (std::optional<std::string> what = detail::exception_what(panic))
      return text + "panicked: " + *what;
  return text + "panicked";
}
}  // namespace

JoinError::JoinError(TaskId task, std::string name, bool cancelled, std::exception_ptr panic,
                     SourceLocation where)
    : std::runtime_error(join_error_message(task, name, cancelled, panic)),
      task_(task),
      name_(std::move(name)),
      cancelled_(cancelled),
      panic_(std::move(panic)),
      where_(where) {}

std::size_t choose(std::size_t n, SourceLocation where) {
  return detail::scheduler_for("weft::choose", where).choose_value(n, where);
}

TaskId current_task_id() {
  return detail::scheduler_for("weft::current_task_id", SourceLocation::current()).current()->id;
}

std::string_view current_task_name() {
  detail::Scheduler& s =
      detail::scheduler_for("weft::current_task_name", SourceLocation::current());
  return s.task_name(s.current());
}

// Time.

VirtualClock::time_point VirtualClock::now() { return weft::now(); }

Instant now() {
  detail::Scheduler* s = detail::current_scheduler();
  if (s == nullptr) throw RuntimeError("weft::now called outside a weft runtime");
  return Instant(Duration(s->now_ns()));
}

void sleep(Duration d, SourceLocation where) {
  detail::Scheduler& s = detail::scheduler_for("weft::sleep", where);
  sleep_until(saturating_add(Instant(Duration(s.now_ns())), d), where);
}

void sleep_until(Instant deadline, SourceLocation where) {
  detail::Scheduler& s = detail::scheduler_for("weft::sleep_until", where);
  s.schedule_point(Op::sleep, ObjectKind::timer, kNoObject, where);
  while (s.now_ns() < deadline.time_since_epoch().count())
    s.block(detail::WaitInfo{Op::sleep, ObjectKind::timer, kNoObject, kNoTask, where}, &deadline);
}

void advance(Duration d, SourceLocation where) {
  detail::scheduler_for("weft::advance", where).advance(d, where);
}

Interval::Interval(Duration period) : Interval(deadline_after(period), period) {}
Interval::Interval(Instant start, Duration period) : next_(start), period_(period) {
  if (period <= Duration::zero()) throw std::invalid_argument("weft::Interval period must be > 0");
}

Instant Interval::tick(SourceLocation where) {
  sleep_until(next_, where);
  return complete_tick();
}

Instant Interval::complete_tick() {
  const Instant due = next_;
  const Instant at = weft::now();
  // tokio: a tick taken more than 5 ms late is a missed one; otherwise the schedule goes on.
  if (at <= saturating_add(due, std::chrono::milliseconds(5))) {
    next_ = saturating_add(due, period_);
    return due;
  }
  switch (behavior_) {
    case MissedTickBehavior::burst:
      next_ = saturating_add(due, period_);
      break;
    case MissedTickBehavior::delay:
      next_ = saturating_add(at, period_);
      break;
    case MissedTickBehavior::skip:
      next_ = saturating_add(at, period_ - (at - due) % period_);
      break;
  }
  return due;
}

void Interval::reset() { next_ = deadline_after(period_); }

}  // namespace weft
