// The parts of mpsc, oneshot and broadcast channels that do not depend on the value type:
// handle counts, closing, waiting and events. The typed headers keep the values.
#pragma once
#include <cstddef>
#include <cstdint>

#include "weft/channel_result.hpp"
#include "weft/detail/permit_core.hpp"
#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft::detail {

// mpsc: any number of senders, one receiver; unbounded, or bounded with FIFO send slots.
class MpscCore {
 public:
  explicit MpscCore(std::size_t capacity) noexcept;  // 0: unbounded
  MpscCore(const MpscCore&) = delete;
  MpscCore& operator=(const MpscCore&) = delete;

  ObjectTag tag;
  std::size_t queued = 0;  // values in the typed buffer; the typed side keeps it in step

  bool bounded() const noexcept { return bounded_; }
  std::size_t max_capacity() const noexcept { return capacity_; }
  // Free slots (bounded), or SIZE_MAX when unbounded.
  std::size_t capacity() const noexcept;
  bool is_closed() const noexcept { return closed_; }
  bool senders_gone() const noexcept { return senders_ == 0; }

  void add_sender() noexcept { ++senders_; }
  // The last sender's drop ends the stream: the receiver wakes and sees it closed once drained.
  void drop_sender() noexcept;
  // After the send's scheduling point: ok when n values may be queued now (n slots are taken).
  // Bounded channels wait for the slots (FIFO), unless try_only (then full). closed if the
  // receiver closed (a wait that ends so holds nothing). Precondition (bounded): n <= capacity.
  SendStatus reserve(const OpSite& site, bool try_only, SourceLocation where, std::size_t n = 1);
  // After the value was queued: wakes the receiver and emits the send.
  void sent(const OpSite& site, std::int64_t value, SourceLocation where) noexcept;

  // After recv's scheduling point: waits until a value is queued (true) or none can come
  // (false: closed and drained). Inline, so that a task dropped while receiving unwinds one
  // frame less.
  bool wait_value(const OpSite& site, SourceLocation where) {
    wait_until(site, receiver_, WaitInfo{Op::recv, ObjectKind::mpsc, site.id, kNoTask, where},
               [this] { return queued > 0 || senders_ == 0 || closed_; });
    return queued > 0;
  }
  // For select branches (select_arm.hpp) and Sender::closed().
  bool recv_ready() const noexcept { return queued > 0 || senders_ == 0 || closed_; }
  WaitQueue& receiver_waiters() noexcept { return receiver_; }
  WaitQueue& closed_waiters() noexcept { return closed_waiters_; }
  PermitCore& slots() noexcept { return slots_; }
  // Waits until the receiving side is closed or dropped (Sender::closed()).
  void wait_closed(const OpSite& site, SourceLocation where) {
    wait_until(site, closed_waiters_, WaitInfo{Op::wait, ObjectKind::mpsc, site.id, kNoTask, where},
               [this] { return closed_; });
  }
  // Reserved slots given back unused (a Permit dropped without sending).
  void unreserve(const OpSite& site, std::size_t n = 1) noexcept {
    if (bounded_) slots_.release(site, n);
  }
  // After a value was taken from the buffer: frees its slot and emits the receive.
  void received(const OpSite& site, std::int64_t value, SourceLocation where) noexcept;
  // Closes the receiving side (rx.close() or its drop): sends fail from now on and blocked
  // senders wake up to get their values back. Values already queued can still be received.
  void close(const OpSite& site, std::string_view why, SourceLocation where) noexcept;

 private:
  std::size_t capacity_;
  bool bounded_;
  std::size_t senders_ = 1;
  bool closed_ = false;
  PermitCore slots_;
  WaitQueue receiver_;
  WaitQueue closed_waiters_;
};

// oneshot: one value from one sender to one receiver.
class OneshotCore {
 public:
  OneshotCore() = default;
  OneshotCore(const OneshotCore&) = delete;
  OneshotCore& operator=(const OneshotCore&) = delete;

  ObjectTag tag;
  bool has_value = false;  // sent and not yet taken; the typed side holds the value

  // The receiver is gone or closed: a send would fail.
  bool is_closed() const noexcept { return closed_; }
  // Marks the value sent, wakes the receiver, emits the send.
  void sent(const OpSite& site, std::int64_t value, SourceLocation where) noexcept;
  // The sender went away (after sending or not); without a value the receiver sees closed.
  void drop_sender() noexcept;
  // Waits until a value is there (true) or can never come (false).
  bool wait_value(const OpSite& site, SourceLocation where);
  // The value was taken; later receives report closed.
  void taken() noexcept { has_value = false; }
  bool sender_gone() const noexcept { return !sender_alive_; }
  // For select branches and Sender::closed().
  bool recv_ready() const noexcept { return has_value || !sender_alive_; }
  WaitQueue& receiver_waiters() noexcept { return receiver_; }
  WaitQueue& closed_waiters() noexcept { return closed_waiters_; }
  void wait_closed(const OpSite& site, SourceLocation where) {
    wait_until(site, closed_waiters_,
               WaitInfo{Op::wait, ObjectKind::oneshot, site.id, kNoTask, where},
               [this] { return closed_; });
  }
  void close(const OpSite& site, std::string_view why, SourceLocation where) noexcept;

 private:
  bool sender_alive_ = true;
  bool closed_ = false;
  WaitQueue receiver_;
  WaitQueue closed_waiters_;
};

// broadcast: every receiver sees every value sent after it subscribed, from a ring of
// `requested` slots (rounded up to a power of two, as tokio does); a receiver that falls further
// behind than that skips to the oldest value still retained and is told how many it missed.
class BroadcastCore {
 public:
  explicit BroadcastCore(std::size_t requested);
  BroadcastCore(const BroadcastCore&) = delete;
  BroadcastCore& operator=(const BroadcastCore&) = delete;

  ObjectTag tag;
  const std::size_t capacity;  // ring size
  std::uint64_t tail = 0;      // position of the next value sent
  std::size_t receivers = 1;
  std::size_t senders = 1;
  WaitQueue waiters;

  // The position of the oldest value still retained.
  std::uint64_t oldest() const noexcept { return tail > capacity ? tail - capacity : 0; }
  void drop_sender() noexcept;
  // After a value was stored at position tail - 1: wakes receivers, emits the send.
  void sent(const OpSite& site, std::int64_t value, SourceLocation where) noexcept;
  // Waits until position `next` holds a value or every sender is gone.
  void wait_value(const OpSite& site, const std::uint64_t& next, SourceLocation where);
};

}  // namespace weft::detail
