// Counting, closing and waiting for mpsc, oneshot and broadcast channels (channel_core.hpp).
#include "weft/detail/channel_core.hpp"

#include <bit>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace weft::detail {

// --- mpsc --------------------------------------------------------------------------------------

MpscCore::MpscCore(std::size_t capacity) noexcept
    : capacity_(capacity), bounded_(capacity != 0), slots_(capacity) {}

std::size_t MpscCore::capacity() const noexcept { return bounded_ ? slots_.available() : SIZE_MAX; }

void MpscCore::drop_sender() noexcept {
  if (--senders_ != 0) return;
  const OpSite site = quiet_site(tag, ObjectKind::mpsc);
  emit_done(site, Op::close, ObjectKind::mpsc, 0, {}, "senders_dropped");
  wake_all(site, receiver_);
}

SendStatus MpscCore::reserve(const OpSite& site, bool try_only, SourceLocation where,
                             std::size_t n) {
  if (closed_) return SendStatus::closed;
  if (!bounded_ || slots_.try_acquire(n)) return SendStatus::ok;
  if (try_only) return SendStatus::full;
  const bool got =
      slots_.acquire(site, n, WaitInfo{Op::send, ObjectKind::mpsc, site.id, kNoTask, where});
  return got && !closed_ ? SendStatus::ok : SendStatus::closed;
}

void MpscCore::sent(const OpSite& site, std::int64_t value, SourceLocation where) noexcept {
  ++queued;
  note_progress(site);
  emit_done(site, Op::send, ObjectKind::mpsc, value, where);
  wake_all(site, receiver_);
}

void MpscCore::received(const OpSite& site, std::int64_t value, SourceLocation where) noexcept {
  --queued;
  note_progress(site);
  emit_done(site, Op::recv, ObjectKind::mpsc, value, where);
  if (bounded_ && !closed_) slots_.release(site, 1);
}

void MpscCore::close(const OpSite& site, std::string_view why, SourceLocation where) noexcept {
  if (closed_) return;
  closed_ = true;
  emit_done(site, Op::close, ObjectKind::mpsc, 0, where, why);
  slots_.close(site);
  wake_all(site, closed_waiters_);
}

// --- oneshot -----------------------------------------------------------------------------------

void OneshotCore::sent(const OpSite& site, std::int64_t value, SourceLocation where) noexcept {
  has_value = true;
  emit_done(site, Op::send, ObjectKind::oneshot, value, where);
  wake_all(site, receiver_);
}

void OneshotCore::drop_sender() noexcept {
  sender_alive_ = false;
  const OpSite site = quiet_site(tag, ObjectKind::oneshot);
  if (!has_value) emit_done(site, Op::close, ObjectKind::oneshot, 0, {}, "sender_dropped");
  wake_all(site, receiver_);
}

bool OneshotCore::wait_value(const OpSite& site, SourceLocation where) {
  wait_until(site, receiver_, WaitInfo{Op::recv, ObjectKind::oneshot, site.id, kNoTask, where},
             [this] { return has_value || !sender_alive_; });
  return has_value;
}

void OneshotCore::close(const OpSite& site, std::string_view why, SourceLocation where) noexcept {
  if (closed_) return;
  closed_ = true;
  emit_done(site, Op::close, ObjectKind::oneshot, 0, where, why);
  wake_all(site, closed_waiters_);
}

// --- broadcast ---------------------------------------------------------------------------------

namespace {
std::size_t ring_size(std::size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("broadcast::channel: capacity must be > 0");
  // tokio's limit too; past it the next power of two does not exist (std::bit_ceil would be
  // undefined behaviour).
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max() / 2;
  if (capacity > kMax)
    throw std::invalid_argument("broadcast::channel: capacity must be at most SIZE_MAX / 2");
  return std::bit_ceil(capacity);
}
}  // namespace

BroadcastCore::BroadcastCore(std::size_t requested) : capacity(ring_size(requested)) {}

void BroadcastCore::drop_sender() noexcept {
  if (--senders != 0) return;
  const OpSite site = quiet_site(tag, ObjectKind::broadcast);
  emit_done(site, Op::close, ObjectKind::broadcast, 0, {}, "senders_dropped");
  wake_all(site, waiters);
}

void BroadcastCore::sent(const OpSite& site, std::int64_t value, SourceLocation where) noexcept {
  emit_done(site, Op::send, ObjectKind::broadcast, value, where);
  wake_all(site, waiters);
}

void BroadcastCore::wait_value(const OpSite& site, const std::uint64_t& next,
                               SourceLocation where) {
  wait_until(site, waiters, WaitInfo{Op::recv, ObjectKind::broadcast, site.id, kNoTask, where},
             [&] { return next < tail || senders == 0; });
}

}  // namespace weft::detail
