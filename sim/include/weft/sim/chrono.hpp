// weft::sim::chrono: std::chrono with steady_clock and system_clock on the runtime's virtual
// clock. Everything else (durations, time_point, duration_cast, literals) is std's own, so
// `sync::chrono::milliseconds` and `sync::chrono::steady_clock::now() + 10ms` read the same with
// `namespace sync = std;` and `namespace sync = weft::sim;`.
#pragma once
#include <chrono>
#include <concepts>
#include <ctime>

#include "weft/time.hpp"

namespace weft::sim::chrono {

// Qualified lookup finds the clocks declared below first; every other name comes from here.
using namespace std::chrono;

// The virtual clock: zero when the execution's runtime starts, moving only when every thread is
// blocked and a timed wait is pending (or the test calls weft::advance). Reading it is not a
// scheduling point. Outside a runtime it reads zero.
struct steady_clock {
  using rep = std::chrono::nanoseconds::rep;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<steady_clock, duration>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
};

// The same virtual clock, as wall time: an execution starts at 2024-01-01 00:00:00 UTC.
struct system_clock {
  using rep = std::chrono::nanoseconds::rep;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<system_clock, duration>;
  static constexpr bool is_steady = false;
  static constexpr std::chrono::seconds kStart{1'704'067'200};
  static time_point now() noexcept;
  static std::time_t to_time_t(const time_point& t) noexcept {
    return static_cast<std::time_t>(
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
  }
  static time_point from_time_t(std::time_t t) noexcept {
    return time_point(std::chrono::seconds(t));
  }
};

using high_resolution_clock = steady_clock;

}  // namespace weft::sim::chrono

namespace weft::sim::detail {

template <class Clock>
inline constexpr bool is_virtual_clock =
    std::same_as<Clock, chrono::steady_clock> || std::same_as<Clock, chrono::system_clock> ||
    std::same_as<Clock, weft::VirtualClock>;

// A relative timeout as runtime nanoseconds (rounded up; negative means already due), saturating
// where nanoseconds cannot hold it (`wait_for(lock, hours::max())` means "no timeout").
template <class Rep, class Period>
Duration to_duration(const std::chrono::duration<Rep, Period>& d) {
  const std::chrono::duration<long double, std::nano> wide = d;  // converts without overflow
  if (wide.count() >= static_cast<long double>(Duration::max().count())) return Duration::max();
  if (wide.count() <= static_cast<long double>(Duration::min().count())) return Duration::min();
  return std::chrono::ceil<Duration>(d);
}

// The runtime's instant of a time point on one of the virtual clocks (rounded up, so a wait
// until t never ends before t). A real clock's time point cannot be waited for: the exploration
// would depend on the machine's time.
template <class Clock, class Dur>
Instant to_instant(const std::chrono::time_point<Clock, Dur>& t) {
  static_assert(is_virtual_clock<Clock>,
                "weft::sim: waits until a time point need weft::sim::chrono::steady_clock or "
                "system_clock (write sync::chrono::steady_clock, so the build switch picks the "
                "virtual clock), not a real clock");
  const Instant since(to_duration(t.time_since_epoch()));
  if constexpr (std::same_as<Clock, chrono::system_clock>)
    return saturating_add(since, -chrono::system_clock::kStart);
  return since;
}

// Now on the virtual clock, or zero outside a runtime.
Instant virtual_now() noexcept;

}  // namespace weft::sim::detail
