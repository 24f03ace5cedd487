// The non-template part of weft::sim::atomic: spurious weak CAS failures, notifying, fences.
#include "weft/sim/atomic.hpp"

namespace weft::sim {

bool detail::AtomicCore::spurious_failure(const weft::detail::OpSite& site) {
  if (!site.in_task) return false;
  return weft::detail::choose_within_budget(*site.s, DecisionKind::spurious, Op::rmw, site.id);
}

void detail::AtomicCore::notify(bool all, SourceLocation where) {
  const weft::detail::OpSite site = enter(Op::notify, where);
  const std::size_t woken = all ? weft::detail::wake_all(site, waiters_)
                                : (weft::detail::wake_one(site, waiters_) ? 1 : 0);
  done(site, Op::notify, static_cast<std::int64_t>(woken), where);
}

void atomic_thread_fence(memory_order, SourceLocation where) {
  weft::detail::Scheduler* s = weft::detail::current_scheduler();
  if (s == nullptr || weft::detail::current_task() == nullptr) return;
  weft::detail::NoCancelScope no_cancel;
  weft::detail::schedule_point(*s, Op::rmw, ObjectKind::atomic, kNoObject, where);
}

}  // namespace weft::sim
