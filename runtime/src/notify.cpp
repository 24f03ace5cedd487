// Notify: permit storage, FIFO wake-ups and passing on notifications of dropped waiters; Notified
// (a notification registered before it is waited for) and its select branch.
#include "weft/notify.hpp"

namespace weft {

void Notify::notify_one_now(const detail::OpSite& site) noexcept {
  if (detail::Waiter* w = waiters_.front()) {
    w->tag = 1;
    detail::wake_one(site, waiters_);
  } else {
    permit_ = true;
  }
}

void Notify::notify_one(SourceLocation where) {
  const detail::OpSite site = detail::enter_op(tag_, ObjectKind::notify, Op::notify, where);
  const bool had_waiter = !waiters_.empty();
  const bool had_permit = permit_;
  notify_one_now(site);
  // Without a waiter a second notify_one collapses into the permit the first one stored.
  detail::emit_done(site, Op::notify, ObjectKind::notify, had_waiter ? 1 : 0, where,
                    had_waiter   ? ""
                    : had_permit ? "permit_merged"
                                 : "permit_stored");
}

void Notify::notify_waiters(SourceLocation where) {
  const detail::OpSite site = detail::enter_op(tag_, ObjectKind::notify, Op::notify, where);
  ++waiters_calls_;
  const std::size_t woken = detail::wake_all(site, waiters_);
  detail::emit_done(site, Op::notify, ObjectKind::notify, static_cast<std::int64_t>(woken), where);
}

void Notify::notified(SourceLocation where) {
  using namespace detail;
  const OpSite site =
      enter_blocking_op("Notify::notified", tag_, ObjectKind::notify, Op::wait, where);
  if (permit_) {
    permit_ = false;
    emit_done(site, Op::wait, ObjectKind::notify, 0, where, "permit");
    return;
  }
  ScopedWaiter w(current_task());
  waiters_.push_back(w);
  struct PassOn {
    Notify& notify;
    const OpSite& site;
    Waiter& w;
    bool done = false;
    ~PassOn() {
      if (!done && w.notified && w.tag == 1) notify.notify_one_now(site);
    }
  } pass_on{*this, site, w};
  const WaitInfo info{Op::wait, ObjectKind::notify, site.id, kNoTask, where};
  while (!w.notified) block(*site.s, info);
  pass_on.done = true;
  emit_done(site, Op::wait, ObjectKind::notify, 0, where);
}

// --- Notified ----------------------------------------------------------------------------------

Notified::Notified(Notified&& other) noexcept
    : notify_(other.notify_), calls_seen_(other.calls_seen_), permit_taken_(other.permit_taken_) {
  // Only an unqueued Notified moves (before enable); a notification it holds moves with it.
  other.w_.leave();
  w_.notified = other.w_.notified;
  w_.tag = other.w_.tag;
  other.w_.notified = false;
  other.permit_taken_ = false;
}

Notified::~Notified() { give_up(detail::quiet_site(notify_->tag_, ObjectKind::notify), true); }

bool Notified::is_notified() const noexcept {
  detail::note_access(notify_->tag_, ObjectKind::notify);
  return permit_taken_ || w_.notified || notify_->waiters_calls_ != calls_seen_;
}

void Notified::enable_now() noexcept {
  if (w_.queued() || is_notified()) return;
  if (notify_->permit_) {
    notify_->permit_ = false;
    permit_taken_ = true;
    return;
  }
  w_.queue_in(notify_->waiters_);
}

void Notified::enable(SourceLocation where) {
  using namespace detail;
  const OpSite site = enter_op(notify_->tag_, ObjectKind::notify, Op::wait, where);
  enable_now();
  emit_done(site, Op::wait, ObjectKind::notify, 0, where, permit_taken_ ? "permit" : "enabled");
}

void Notified::wait(SourceLocation where) {
  using namespace detail;
  const OpSite site =
      enter_blocking_op("Notified::wait", notify_->tag_, ObjectKind::notify, Op::wait, where);
  enable_now();
  const WaitInfo info{Op::wait, ObjectKind::notify, site.id, kNoTask, where};
  while (!is_notified()) block(*site.s, info);
  consume();
  emit_done(site, Op::wait, ObjectKind::notify, 0, where);
}

void Notified::consume() noexcept {
  // Completing on the stored permit (a select branch that was ready before it was enabled).
  if (!is_notified() && notify_->permit_) notify_->permit_ = false;
  w_.leave();
  w_.notified = false;
  w_.tag = 0;
  permit_taken_ = false;
  calls_seen_ = notify_->waiters_calls_;
}

void Notified::give_up(const detail::OpSite& site, bool pass_on) noexcept {
  w_.leave();
  if (!pass_on) return;
  if (w_.notified && w_.tag == 1) notify_->notify_one_now(site);
  // A permit taken by enable() goes back as the permit it was.
  if (permit_taken_) notify_->notify_one_now(site);
  w_.notified = false;
  w_.tag = 0;
  permit_taken_ = false;
}

namespace detail {

bool NotifiedArm::ready() noexcept {
  Notified& n = get();
  return n.is_notified() || (!n.w_.queued() && n.notify_->permit_);
}

void NotifiedArm::arm(const OpSite&) noexcept { get().enable_now(); }

WaitInfo NotifiedArm::info(Scheduler& s, SourceLocation where) noexcept {
  Notify& notify = *get().notify_;
  return WaitInfo{Op::wait, ObjectKind::notify, object_id(s, notify.tag_, ObjectKind::notify),
                  kNoTask, where};
}

}  // namespace detail
}  // namespace weft
