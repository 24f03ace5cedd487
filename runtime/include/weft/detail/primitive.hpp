// Plumbing shared by the sync primitives and channels: the prologue and epilogue of an operation
// (scheduling point, lazily assigned object id, observer event) and waiting on a WaitQueue.
#pragma once
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "weft/detail/scheduler_api.hpp"
#include "weft/ids.hpp"
#include "weft/source_location.hpp"

namespace weft::detail {

// Where an operation runs. s is this thread's scheduler (nullptr outside any runtime); in_task
// says whether a task is running (false before block_on or in destructors the scheduler runs).
struct OpSite {
  Scheduler* s = nullptr;
  ObjectId id = kNoObject;
  bool in_task = false;
};

// Prologue of an operation that never blocks: inside a task, a scheduling point before op (it
// may switch tasks, or throw TaskCancelled); outside one the operation proceeds without, so
// channels can be filled and atomics read before or after block_on.
OpSite enter_op(ObjectTag& tag, ObjectKind kind, Op op, SourceLocation where);
// Prologue of an operation that may block. Throws RuntimeError naming `what` outside a task.
OpSite enter_blocking_op(const char* what, ObjectTag& tag, ObjectKind kind, Op op,
                         SourceLocation where);
// For destructors, which never suspend: no scheduling point, but wakes and events still work.
OpSite quiet_site(ObjectTag& tag, ObjectKind kind) noexcept;

// A read (or, with write, a change) of the object's state that is no operation: a query
// such as is_cancelled() or len(). Not a scheduling point and not in the trace; it tells
// partial-order reduction that the running step depends on the object (EventKind::access), which
// it must know to try the other order of this read and a change of the object by another task.
// Assigns the object's id (in every exploration alike, so ids do not depend on the strategy).
void note_access(ObjectTag& tag, ObjectKind kind, bool write = false) noexcept;
// The same for a read of whether task `id` has ended (JoinHandle::is_finished).
void note_task_read(TaskId id) noexcept;
// A read of state that changes without any operation on one object (TaskTracker::len: the
// tracked tasks' ends): the step depends on every other step.
void note_read_of_everything() noexcept;

// The running task's operation changed shared state (an atomic now holds another value, a
// channel holds one value more or less): its loop, if it is in one, makes progress and is not a
// spin (scheduler.hpp, SpinTracker). Loops of operations that change nothing for good (loads,
// failed exchanges, lock and unlock) are still recognised.
void note_progress(const OpSite& site) noexcept;

// The observer event of a completed operation. `outcome` names a result that is not a plain
// success ("closed", "full", "empty", "lagged", "timed_out"); it becomes the event's text.
void emit_done(const OpSite& site, Op op, ObjectKind kind, std::int64_t value, SourceLocation where,
               std::string_view outcome = {}) noexcept;

// Wakes the waiters of q; no-ops without a scheduler (then nobody can be waiting).
bool wake_one(const OpSite& site, WaitQueue& q) noexcept;
std::size_t wake_all(const OpSite& site, WaitQueue& q) noexcept;

// The value an op event carries: integers (and bools, enums) as themselves, anything else 0 so
// traces never depend on addresses.
template <class T>
constexpr std::int64_t event_value(const T& value) noexcept {
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>)
    return static_cast<std::int64_t>(value);
  else
    return 0;
}

// Blocks the current task on q until ready() holds. Every waker only wakes; the waiter re-checks,
// so a waiter dropped after its wake-up loses nothing. Throws TaskCancelled if dropped.
template <class Ready>
void wait_until(const OpSite& site, WaitQueue& q, const WaitInfo& info, Ready ready) {
  while (!ready()) {
    Waiter w(current_task());
    q.push_back(w);
    block_queued(*site.s, w, info);
  }
}

// Same with a virtual-time deadline; returns ready() once the deadline passed.
template <class Ready>
bool wait_until(const OpSite& site, WaitQueue& q, const WaitInfo& info, Instant deadline,
                Ready ready) {
  while (!ready()) {
    Waiter w(current_task());
    q.push_back(w);
    if (block_queued(*site.s, w, info, &deadline) == WakeReason::timed_out) return ready();
  }
  return true;
}

}  // namespace weft::detail
