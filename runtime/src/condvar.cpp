// CondVar waits: release-and-queue, spurious decisions, timeouts, re-locking and notifications.
#include "weft/condvar.hpp"

namespace weft {

Instant CondVar::deadline_after(Duration limit) { return weft::deadline_after(limit); }

bool CondVar::wait_impl(detail::MutexGuardBase& guard, const Instant* deadline,
                        SourceLocation where) {
  using namespace detail;
  guard.check_owns("CondVar::wait");
  const OpSite site =
      enter_blocking_op("CondVar::wait", tag_, ObjectKind::condvar, Op::wait, where);
  MutexBase& mutex = *guard.mutex_;

  // Queue first, then unlock: a notify after the unlock finds this task waiting.
  ScopedWaiter w(current_task());
  waiters_.push_back(w);
  guard.owns_ = false;
  mutex.release(quiet_site(mutex.tag_, ObjectKind::mutex), guard.owner_, where);

  // A notify_one this task received but never acted on (it was dropped) goes to the next waiter.
  struct PassOn {
    CondVar& cv;
    const OpSite& site;
    Waiter& w;
    bool done = false;
    ~PassOn() {
      if (done || !w.notified || w.tag != 1) return;
      if (Waiter* next = cv.waiters_.front()) {
        next->tag = 1;
        wake_one(site, cv.waiters_);
      }
    }
  } pass_on{*this, site, w};

  const bool spurious = choose_decision(*site.s, DecisionKind::spurious, 2, Op::wait, site.id) == 1;
  bool timed_out = false;
  if (!spurious) {
    const WaitInfo info{Op::wait, ObjectKind::condvar, site.id, kNoTask, where};
    while (!w.notified && !timed_out) {
      if (deadline != nullptr && weft::now() >= *deadline) {
        timed_out = true;
      } else if (block(*site.s, info, deadline) == WakeReason::timed_out) {
        timed_out = !w.notified;  // notified after the timer fired still counts as notified
      }
    }
  }
  pass_on.done = true;
  waiters_.remove(w);
  emit_done(site, Op::wait, ObjectKind::condvar, 0, where,
            spurious ? "spurious" : (timed_out ? "timed_out" : ""));

  const OpSite relock =
      enter_blocking_op("CondVar::wait", mutex.tag_, ObjectKind::mutex, Op::lock, where);
  guard.owner_ = mutex.acquire_after_point(relock, where);
  guard.owns_ = true;
  return !timed_out;
}

void CondVar::notify_one(SourceLocation where) {
  const detail::OpSite site = detail::enter_op(tag_, ObjectKind::condvar, Op::notify, where);
  std::size_t woken = 0;
  if (detail::Waiter* w = waiters_.front()) {
    w->tag = 1;
    woken = detail::wake_one(site, waiters_) ? 1 : 0;
  }
  detail::emit_done(site, Op::notify, ObjectKind::condvar, static_cast<std::int64_t>(woken), where);
}

void CondVar::notify_all(SourceLocation where) {
  const detail::OpSite site = detail::enter_op(tag_, ObjectKind::condvar, Op::notify, where);
  const std::size_t woken = detail::wake_all(site, waiters_);
  detail::emit_done(site, Op::notify, ObjectKind::condvar, static_cast<std::int64_t>(woken), where);
}

}  // namespace weft
