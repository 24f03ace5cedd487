// The watch channel's untyped core: versions, closing and waiting (weft/watch.hpp).
#include "weft/watch.hpp"

namespace weft::detail {

void WatchCore::published(const OpSite& site, std::int64_t value, SourceLocation where) noexcept {
  ++version;
  emit_done(site, Op::send, ObjectKind::watch, value, where);
  wake_all(site, changed_waiters);
}

void WatchCore::drop_sender() noexcept {
  sender_alive = false;
  const OpSite site = quiet_site(tag, ObjectKind::watch);
  emit_done(site, Op::close, ObjectKind::watch, 0, {}, "sender_dropped");
  wake_all(site, changed_waiters);
}

void WatchCore::drop_receiver() noexcept {
  if (--receivers != 0) return;
  const OpSite site = quiet_site(tag, ObjectKind::watch);
  emit_done(site, Op::close, ObjectKind::watch, 0, {}, "receivers_dropped");
  wake_all(site, closed_queue_);
}

void WatchCore::wait_changed(const OpSite& site, const std::uint64_t& seen, SourceLocation where) {
  wait_until(site, changed_waiters, WaitInfo{Op::recv, ObjectKind::watch, site.id, kNoTask, where},
             [&] { return version != seen || !sender_alive; });
}

void WatchCore::wait_closed(const OpSite& site, SourceLocation where) {
  wait_until(site, closed_queue_, WaitInfo{Op::wait, ObjectKind::watch, site.id, kNoTask, where},
             [this] { return receivers == 0; });
}

}  // namespace weft::detail
