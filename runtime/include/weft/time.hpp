// Paused virtual time: the clock type, sleeping, timeouts and intervals.
#pragma once
#include <chrono>
#include <cstdint>

#include "weft/source_location.hpp"

namespace weft {

using Duration = std::chrono::nanoseconds;

// The runtime's clock. It starts at zero when a Runtime is created and moves only when no task
// can run and a timer is pending (auto-advance) or when a test calls advance(). It never reads
// the real clock.
struct VirtualClock {
  using rep = Duration::rep;
  using period = Duration::period;
  using duration = Duration;
  using time_point = std::chrono::time_point<VirtualClock, Duration>;
  static constexpr bool is_steady = true;
  // Precondition: called inside a runtime (from a task).
  static time_point now();
};
using Instant = VirtualClock::time_point;

// Instant + Duration and Instant - Instant that saturate at the clock's limits instead of
// overflowing: `sleep(Duration::max())` is the "sleep forever" idiom and must not wrap into the
// past (signed overflow is undefined behaviour besides).
constexpr Instant saturating_add(Instant at, Duration d) {
  Duration::rep sum = 0;
  if (__builtin_add_overflow(at.time_since_epoch().count(), d.count(), &sum))
    return d.count() > 0 ? Instant::max() : Instant::min();
  return Instant(Duration(sum));
}
constexpr Duration saturating_sub(Instant a, Instant b) {
  Duration::rep diff = 0;
  if (__builtin_sub_overflow(a.time_since_epoch().count(), b.time_since_epoch().count(), &diff))
    return a > b ? Duration::max() : Duration::min();
  return Duration(diff);
}

// Precondition for all of these: called from a task of a running weft::Runtime.
Instant now();
// now() + d, saturating (Duration::max() is "never").
inline Instant deadline_after(Duration d) { return saturating_add(now(), d); }
void sleep(Duration d, SourceLocation where = SourceLocation::current());
void sleep_until(Instant deadline, SourceLocation where = SourceLocation::current());
// Moves the clock forward by d at once, firing the timers that fall due in order (like
// tokio::time::advance). The calling task then continues.
void advance(Duration d, SourceLocation where = SourceLocation::current());

// timeout(d, fn) lives in task.hpp: it runs fn as a child task so that running out of time
// drops (unwinds) it, as tokio drops the future.

// What an Interval does when a tick is late (tokio's MissedTickBehavior): the task was busy
// (or waiting elsewhere) past a tick's instant by more than 5 ms, as tokio measures it.
enum class MissedTickBehavior {
  burst,  // the missed ticks fire back to back until the schedule has caught up (the default)
  delay,  // the next tick is one period after the late tick was taken
  skip,   // the missed ticks are skipped: the next tick is the next multiple of the period
};

namespace detail {
class TickArm;
}

// Ticks every `period`. Interval(period) has its first tick at creation time + period; like
// tokio's, interval(period) below ticks first at once, and interval_at(start, period) at start.
// Late ticks follow missed_tick_behavior().
class Interval {
 public:
  explicit Interval(Duration period);
  Interval(Instant start, Duration period);
  // Waits for the next tick and returns its scheduled instant. A suspension point.
  Instant tick(SourceLocation where = SourceLocation::current());
  Duration period() const { return period_; }
  // The instant the next tick is due.
  Instant next_tick() const { return next_; }
  // Makes the next tick due one period from now (tokio's reset).
  void reset();
  MissedTickBehavior missed_tick_behavior() const { return behavior_; }
  void set_missed_tick_behavior(MissedTickBehavior behavior) { behavior_ = behavior; }

 private:
  friend class detail::TickArm;
  // The tick due at next_ is taken now: schedules the one after it. Returns next_'s old value.
  Instant complete_tick();

  Instant next_;
  Duration period_;
  MissedTickBehavior behavior_ = MissedTickBehavior::burst;
};

// tokio's interval(): the first tick completes at once (code ported from tokio, or from Go's
// time.Ticker loops written "tick, then work", keeps its timing).
inline Interval interval(Duration period) { return Interval(now(), period); }
inline Interval interval_at(Instant start, Duration period) { return Interval(start, period); }

}  // namespace weft
