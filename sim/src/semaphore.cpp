// weft::sim semaphores: permits, competing waiters, timed acquisition, release past max().
#include "weft/sim/semaphore.hpp"

#include "weft/sim/detail/site.hpp"

namespace weft::sim::detail {

namespace wd = weft::detail;

void SemaphoreState::release(std::ptrdiff_t update, SourceLocation where) {
  const wd::OpSite site = nonblocking_site(tag_, ObjectKind::semaphore, Op::release, where);
  if (update < 0 || update > max_ - count_)
    wd::terminate_execution("std::counting_semaphore::release(" + std::to_string(update) + ") by " +
                                current_thread_label() + " with " + std::to_string(count_) +
                                " permits free and max() " + std::to_string(max_) +
                                " (undefined behaviour)",
                            where);
  count_ += update;
  wd::emit_done(site, Op::release, ObjectKind::semaphore, update, where);
  wd::wake_all(site, waiters_);
}

bool SemaphoreState::acquire(const Instant* deadline, bool try_only, SourceLocation where) {
  const wd::OpSite site = try_only
                              ? wd::enter_op(tag_, ObjectKind::semaphore, Op::acquire, where)
                              : wd::enter_blocking_op("std::counting_semaphore::acquire", tag_,
                                                      ObjectKind::semaphore, Op::acquire, where);
  while (count_ == 0) {
    if (try_only) return false;
    wd::Waiter w(wd::current_task());
    waiters_.push_back(w);
    const wd::WaitInfo info{Op::acquire, ObjectKind::semaphore, site.id, kNoTask, where};
    if (wd::block_queued(*site.s, w, info, deadline) == wd::WakeReason::timed_out && count_ == 0)
      return false;
  }
  --count_;
  wd::emit_done(site, Op::acquire, ObjectKind::semaphore, 1, where);
  return true;
}

}  // namespace weft::sim::detail
