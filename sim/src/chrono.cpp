// The virtual clocks of weft::sim::chrono.
#include "weft/sim/chrono.hpp"

#include "weft/detail/scheduler_api.hpp"

namespace weft::sim {

Instant detail::virtual_now() noexcept {
  if (weft::detail::current_scheduler() == nullptr) return Instant{};
  return weft::now();
}

chrono::steady_clock::time_point chrono::steady_clock::now() noexcept {
  return time_point(detail::virtual_now().time_since_epoch());
}

chrono::system_clock::time_point chrono::system_clock::now() noexcept {
  return time_point(detail::virtual_now().time_since_epoch() + kStart);
}

}  // namespace weft::sim
