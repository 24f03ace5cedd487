// Barrier arrival, release of a generation and the leader.
#include "weft/barrier.hpp"

namespace weft {

BarrierWaitResult Barrier::wait(SourceLocation where) {
  using namespace detail;
  const OpSite site =
      enter_blocking_op("Barrier::wait", tag_, ObjectKind::barrier, Op::wait, where);
  if (++arrived_ == n_) {
    arrived_ = 0;
    ++generation_;
    wake_all(site, waiters_);
    emit_done(site, Op::wait, ObjectKind::barrier, 1, where, "leader");
    return BarrierWaitResult(true);
  }
  const std::uint64_t generation = generation_;
  wait_until(site, waiters_, WaitInfo{Op::wait, ObjectKind::barrier, site.id, kNoTask, where},
             [&] { return generation_ != generation; });
  emit_done(site, Op::wait, ObjectKind::barrier, 0, where);
  return BarrierWaitResult(false);
}

}  // namespace weft
