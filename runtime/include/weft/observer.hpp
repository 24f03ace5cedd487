// The Observer seam: the runtime reports what happens; recorders, detectors and reports listen.
#pragma once
#include <cstdint>
#include <string_view>

#include "weft/ids.hpp"
#include "weft/source_location.hpp"
#include "weft/time.hpp"

namespace weft {

class Runtime;

enum class EventKind : std::uint8_t {
  spawn,      // task spawned; other = parent, text = name, where = spawn site
  run,        // task resumed by the scheduler; where = its latest scheduling point
  block,      // task blocked in op on object; other = the task that holds it, if one does
  wake,       // task made runnable; other = the waking task (kNoTask for the runtime)
  op,         // an operation completed: op, object, value (e.g. the value sent or loaded;
              // for a lock or lock_shared, 1 when taken by a try: try_lock, or a timed
              // try_lock_for/until, which cannot wait forever; else 0)
  finish,     // task returned normally
  panic,      // an exception escaped the task; text = what(), where = last scheduling point
  cancelled,  // a dropped or aborted task finished unwinding
  swallowed_cancellation,  // the task caught the unwinding and did not rethrow
  timer_fire,              // a timer woke task; value = deadline (ns)
  clock_advance,           // value = new virtual time (ns)
  shutdown_begin,          // the root task returned (or the runtime is being destroyed)
  drop,                    // the runtime starts dropping task (shutdown or abort)
  deadlock,                // nothing can run, no timer is pending, and tasks are blocked
  hang,                    // a step or virtual-time limit was reached; text says which
  shutdown_end,            // every task is gone
  detach,                  // the JoinHandle of task was dropped without a successful join
  object_created,  // object (of object_kind) got its id in this runtime; where = the line that
                   // constructed it, text = its name ("" if none); emitted for objects that
                   // record a site or a name (every primitive, channel and atomic). value 0, or
                   // for an object a standard-library call built (std::make_shared...): 1 + its
                   // number among those its task built since its last scheduling point, and
                   // where = that scheduling point (unknown outside a task)
  leak_check,      // leak checking (an exploration option): after the root returned, the other
                   // tasks ran until none could; the tasks still alive now are leaked. value =
                   // how many; text = why the runtime stopped waiting for them
  long_poll,       // task held the real thread for value wall-clock nanoseconds in one step (the
                   // exploration's threshold, ExplorationHooks::long_poll); step = the step it
                   // was resumed at, where = where it was resumed (unknown: it started), text =
                   // how the step ended. Emitted as the step ends, while the task still exists.
                   // The only event that carries wall time: event logs leave it out
  step,            // task begins a step: it was resumed, or went on past a scheduling point
                   // without giving up the CPU; op, object_kind, object = the operation the step
                   // performs (for a task resumed from a wait, the operation it waited in). One
                   // per step, for partial-order reduction; only on request (not in kAllEvents);
                   // value 1 when the task had given way (yield, spin) before this step
  access,          // task read (value 0) or changed (value 1) object's state without an
                   // operation: a query that is no scheduling point (is_cancelled, len,
                   // is_locked, is_finished: object_kind task, object = the task's id), or a
                   // token cancelled with its parent; value 2: a read of state no one object
                   // holds (TaskTracker::len). For partial-order reduction, which must see every
                   // read of shared state; only on request (not in kAllEvents)
};

std::string_view to_string(EventKind kind) noexcept;

// A set of event kinds: what an observer wants to hear about. The runtime does not even build
// the events nobody asked for, and an exploration's detectors mostly need a few rare kinds, so
// this is the difference between paying for ~200 events per execution or for a handful.
// Op events can also be asked for by the kind of object operated on: a lock-order detector needs
// lock operations, not the channel traffic that makes up most op events.
using EventMask = std::uint64_t;
inline constexpr unsigned kEventKindCount = static_cast<unsigned>(EventKind::access) + 1;
inline constexpr unsigned kObjectKindCount = static_cast<unsigned>(ObjectKind::watch) + 1;
constexpr EventMask event_bit(EventKind kind) noexcept {
  return EventMask{1} << static_cast<unsigned>(kind);
}
// Op events on objects of this kind (event_bit(EventKind::op) asks for op events on any object).
constexpr EventMask op_bit(ObjectKind kind) noexcept {
  return EventMask{1} << (32 + static_cast<unsigned>(kind));
}
template <class... Kinds>
constexpr EventMask events(Kinds... kinds) noexcept {
  return (EventMask{0} | ... | event_bit(kinds));
}
template <class... Kinds>
constexpr EventMask ops_on(Kinds... kinds) noexcept {
  return (EventMask{0} | ... | op_bit(kinds));
}
// Whether `mask` asks for `event` (by its kind and, for op events, its object's kind).
constexpr bool wants(EventMask mask, EventKind kind, ObjectKind object_kind) noexcept {
  const EventMask bits =
      kind == EventKind::op ? event_bit(kind) | op_bit(object_kind) : event_bit(kind);
  return (mask & bits) != 0;
}
// Every kind but step and access (one per scheduling point, one per query: only a strategy that
// reasons about steps asks).
inline constexpr EventMask kAllEvents = ((EventMask{1} << kEventKindCount) - 1) &
                                        ~event_bit(EventKind::step) & ~event_bit(EventKind::access);
static_assert(kEventKindCount <= 32 && kObjectKindCount <= 32);

// A panic event's value when a destructor threw while its task was being dropped (the task's
// cancellation unwinding it): in C++ that is std::terminate, so it is reported even if the task
// is joined (FailureKind::throwing_destructor).
inline constexpr std::int64_t kPanicThrowingDestructor = 1;

struct Event {
  EventKind kind = EventKind::op;
  Op op = Op::none;
  ObjectKind object_kind = ObjectKind::none;
  TaskId task = kNoTask;
  TaskId other = kNoTask;
  ObjectId object = kNoObject;
  std::int64_t value = 0;
  std::uint64_t step = 0;            // scheduling points so far in this runtime
  Duration time{};                   // virtual time since the runtime started
  std::string_view text;             // valid only during the call
  SourceLocation where;              // user code location of the operation, when known
  const Runtime* runtime = nullptr;  // for snapshots (Runtime::tasks()) during the call
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_event(const Event& event) = 0;
  // The kinds on_event is called for; asked once, when the observer is installed.
  virtual EventMask interests() const { return kAllEvents; }
};

}  // namespace weft
