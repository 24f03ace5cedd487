// Notify: permit storage, FIFO wake-ups and passing on notifications of dropped waiters.
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

}  // namespace weft
