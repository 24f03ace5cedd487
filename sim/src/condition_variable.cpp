// weft::sim condition variables: queueing, spurious decisions, timeouts and notifications.
#include "weft/sim/condition_variable.hpp"

#include "weft/sim/detail/site.hpp"

namespace weft::sim::detail {

namespace wd = weft::detail;

wd::OpSite CondCore::begin_wait(wd::Waiter& w, SourceLocation where) {
  const wd::OpSite site = wd::enter_blocking_op("std::condition_variable::wait", tag_,
                                                ObjectKind::condvar, Op::wait, where);
  waiters_.push_back(w);
  return site;
}

bool CondCore::end_wait(const wd::OpSite& site, wd::Waiter& w, const Instant* deadline,
                        const std::stop_token* stopped, SourceLocation where) {
  const bool spurious =
      wd::choose_within_budget(*site.s, DecisionKind::spurious, Op::wait, site.id);
  bool timed_out = false;
  if (!spurious) {
    const wd::WaitInfo info{Op::wait, ObjectKind::condvar, site.id, kNoTask, where};
    while (!w.notified && !timed_out && !(stopped && stopped->stop_requested())) {
      if (deadline != nullptr && weft::now() >= *deadline)
        timed_out = true;
      else if (wd::block(*site.s, info, deadline) == wd::WakeReason::timed_out)
        timed_out = !w.notified;  // notified after the timer fired still counts as notified
    }
  }
  w.leave();
  wd::emit_done(site, Op::wait, ObjectKind::condvar, 0, where,
                spurious ? "spurious" : (timed_out ? "timed_out" : ""));
  return !timed_out;
}

void CondCore::notify(bool all, SourceLocation where) {
  const wd::OpSite site = nonblocking_site(tag_, ObjectKind::condvar, Op::notify, where);
  const std::size_t woken =
      all ? wd::wake_all(site, waiters_) : (wd::wake_one(site, waiters_) ? 1 : 0);
  wd::emit_done(site, Op::notify, ObjectKind::condvar, static_cast<std::int64_t>(woken), where);
}

void CondCore::wake_all_quietly() noexcept {
  wd::wake_all(wd::quiet_site(tag_, ObjectKind::condvar), waiters_);
}

}  // namespace weft::sim::detail
