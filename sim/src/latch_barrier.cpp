// weft::sim::latch and barrier: counting down, waiting for zero or for a phase to complete.
#include "weft/sim/barrier.hpp"
#include "weft/sim/detail/site.hpp"
#include "weft/sim/latch.hpp"

namespace weft::sim {

namespace wd = weft::detail;

void latch::decrement(const wd::OpSite& site, std::ptrdiff_t n, SourceLocation where) {
  if (n < 0 || n > count_)
    wd::terminate_execution("std::latch::count_down(" + std::to_string(n) + ") by " +
                                detail::current_thread_label() + " with the count at " +
                                std::to_string(count_) + " (undefined behaviour)",
                            where);
  count_ -= n;
  wd::emit_done(site, Op::release, ObjectKind::barrier, count_, where);
  if (count_ == 0) wd::wake_all(site, waiters_);
}

void latch::block_until_zero(const wd::OpSite& site, SourceLocation where) const {
  wd::wait_until(site, waiters_,
                 wd::WaitInfo{Op::wait, ObjectKind::barrier, site.id, kNoTask, where},
                 [&] { return count_ == 0; });
  wd::emit_done(site, Op::wait, ObjectKind::barrier, 0, where);
}

void latch::count_down(std::ptrdiff_t n, SourceLocation where) {
  decrement(detail::nonblocking_site(tag_, ObjectKind::barrier, Op::release, where), n, where);
}

bool latch::try_wait(SourceLocation where) const noexcept {
  const wd::OpSite site = detail::nonblocking_site(tag_, ObjectKind::barrier, Op::wait, where);
  wd::emit_done(site, Op::wait, ObjectKind::barrier, count_, where, count_ == 0 ? "" : "not_ready");
  return count_ == 0;
}

void latch::wait(SourceLocation where) const {
  block_until_zero(
      wd::enter_blocking_op("std::latch::wait", tag_, ObjectKind::barrier, Op::wait, where), where);
}

void latch::arrive_and_wait(std::ptrdiff_t n, SourceLocation where) {
  const wd::OpSite site = wd::enter_blocking_op("std::latch::arrive_and_wait", tag_,
                                                ObjectKind::barrier, Op::wait, where);
  decrement(site, n, where);
  block_until_zero(site, where);
}

std::pair<std::uint64_t, bool> detail::BarrierState::arrive(std::ptrdiff_t n, bool drop,
                                                            SourceLocation where) {
  const wd::OpSite site = nonblocking_site(tag_, ObjectKind::barrier, Op::release, where);
  if (n <= 0 || n > remaining_)
    wd::terminate_execution("std::barrier::arrive(" + std::to_string(n) + ") by " +
                                current_thread_label() + " with " + std::to_string(remaining_) +
                                " arrivals left in the phase (undefined behaviour)",
                            where);
  if (drop) --expected_;
  remaining_ -= n;
  wd::emit_done(site, Op::release, ObjectKind::barrier, remaining_, where);
  return {phase_, remaining_ == 0};
}

void detail::BarrierState::complete_phase(SourceLocation) noexcept {
  const wd::OpSite site = wd::quiet_site(tag_, ObjectKind::barrier);
  ++phase_;
  remaining_ = expected_;
  wd::wake_all(site, waiters_);
}

void detail::BarrierState::wait_phase(std::uint64_t phase, SourceLocation where) const {
  const wd::OpSite site =
      wd::enter_blocking_op("std::barrier::wait", tag_, ObjectKind::barrier, Op::wait, where);
  wd::wait_until(site, waiters_,
                 wd::WaitInfo{Op::wait, ObjectKind::barrier, site.id, kNoTask, where},
                 [&] { return phase_ != phase; });
  wd::emit_done(site, Op::wait, ObjectKind::barrier, 0, where);
}

}  // namespace weft::sim
