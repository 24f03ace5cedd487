// weft::mpsc: tokio's multi-producer single-consumer channels, unbounded and bounded.
// Dropping the last Sender ends the stream; dropping the Receiver makes sends fail.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weft/channel_result.hpp"
#include "weft/detail/channel_core.hpp"
#include "weft/detail/fifo.hpp"
#include "weft/detail/primitive.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/source_location.hpp"

namespace weft {

namespace mpsc {
template <class T>
class Sender;
template <class T>
class Receiver;
template <class T>
class Permit;
template <class T>
class OwnedPermit;
}  // namespace mpsc

namespace detail {
template <class T>
class MpscRecvArm;
template <class T>
class ReserveArm;
template <class T>
struct MpscChannel {
  explicit MpscChannel(std::size_t capacity) : core(capacity) {}
  MpscCore core;
  Fifo<T> buffer;
};

template <class T>
MpscChannel<T>& checked(const std::shared_ptr<MpscChannel<T>>& chan, const char* what) {
  if (!chan) throw std::logic_error(std::string(what) + " on a moved-from channel handle");
  return *chan;
}

template <class T>
std::pair<mpsc::Sender<T>, mpsc::Receiver<T>> make_mpsc(std::size_t capacity,
                                                        SourceLocation created,
                                                        std::string_view name);

// A permit's send: the slot is reserved, so it never waits; if the receiver went away meanwhile
// the value is dropped (tokio's Permit::send cannot fail either).
template <class T>
void send_reserved(MpscChannel<T>& chan, T value, SourceLocation where) {
  const auto site = enter_op(chan.core.tag, ObjectKind::mpsc, Op::send, where);
  const std::int64_t reported = event_value(value);
  if (chan.core.is_closed()) {
    emit_done(site, Op::send, ObjectKind::mpsc, reported, where, "closed");
    return;
  }
  chan.buffer.push_back(std::move(value));
  chan.core.sent(site, reported, where);
}
}  // namespace detail

namespace mpsc {

// A reserved slot of a channel (tokio's Permit): send() puts a value in it without waiting;
// destroying it unused gives the slot back. Move-only.
template <class T>
class [[nodiscard]] Permit {
 public:
  Permit(Permit&& other) noexcept = default;
  Permit& operator=(Permit&&) = delete;
  Permit(const Permit&) = delete;
  ~Permit() {
    if (auto chan = std::move(chan_))
      chan->core.unreserve(detail::quiet_site(chan->core.tag, ObjectKind::mpsc));
  }
  // Sends value in the reserved slot and uses the permit up. Never waits; if the receiver went
  // away meanwhile the value is dropped (tokio's Permit::send cannot fail either).
  void send(T value, SourceLocation where = SourceLocation::current()) {
    auto chan = std::move(chan_);
    if (!chan) throw std::logic_error("mpsc::Permit::send on a used permit");
    detail::send_reserved(*chan, std::move(value), where);
  }

 private:
  template <class>
  friend class Sender;
  template <class>
  friend class detail::ReserveArm;
  explicit Permit(std::shared_ptr<detail::MpscChannel<T>> chan) noexcept : chan_(std::move(chan)) {}
  std::shared_ptr<detail::MpscChannel<T>> chan_;
};

// The sending half. Copying it adds a sender (tokio's clone); the channel's stream ends when the
// last copy is destroyed. A moved-from Sender is empty (valid() is false).
template <class T>
class Sender {
 public:
  Sender(const Sender& other) : chan_(other.chan_) {
    if (chan_) chan_->core.add_sender();
  }
  Sender(Sender&& other) noexcept = default;
  Sender& operator=(const Sender& other) {
    if (this != &other) *this = Sender(other);
    return *this;
  }
  Sender& operator=(Sender&& other) noexcept {
    if (this != &other) {
      reset();
      chan_ = std::move(other.chan_);
    }
    return *this;
  }
  // Never suspends; wakes the receiver if this was the last sender.
  ~Sender() { reset(); }

  // Queues value. Bounded: suspends while the channel is full (senders are served in FIFO
  // order). Fails with the value back (SendStatus::closed) once the receiver is closed or gone.
  // Precondition: valid(); for a bounded channel, called from a task.
  SendResult<T> send(T value, SourceLocation where = SourceLocation::current()) const {
    auto& chan = detail::checked(chan_, "mpsc::Sender::send");
    const auto site = chan.core.bounded()
                          ? detail::enter_blocking_op("mpsc::Sender::send", chan.core.tag,
                                                      ObjectKind::mpsc, Op::send, where)
                          : detail::enter_op(chan.core.tag, ObjectKind::mpsc, Op::send, where);
    return finish_send(chan, site, chan.core.reserve(site, false, where), std::move(value), where);
  }
  // Queues value only if that needs no waiting: fails with SendStatus::full or ::closed and the
  // value back otherwise. Precondition: valid().
  SendResult<T> try_send(T value, SourceLocation where = SourceLocation::current()) const {
    auto& chan = detail::checked(chan_, "mpsc::Sender::try_send");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::mpsc, Op::send, where);
    return finish_send(chan, site, chan.core.reserve(site, true, where), std::move(value), where);
  }

  // Waits for a free slot and reserves it (tokio's reserve): the value is sent later through the
  // permit, without waiting. Cancel-safe: a task dropped while waiting here holds nothing.
  // std::nullopt once the receiver is closed or gone. Precondition: valid(), from a task.
  std::optional<Permit<T>> reserve(SourceLocation where = SourceLocation::current()) const {
    auto& chan = detail::checked(chan_, "mpsc::Sender::reserve");
    const auto site = detail::enter_blocking_op("mpsc::Sender::reserve", chan.core.tag,
                                                ObjectKind::mpsc, Op::send, where);
    return finish_reserve(site, chan.core.reserve(site, false, where), where);
  }
  // A permit if a slot is free now; std::nullopt if the channel is full or closed.
  std::optional<Permit<T>> try_reserve(SourceLocation where = SourceLocation::current()) const {
    auto& chan = detail::checked(chan_, "mpsc::Sender::try_reserve");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::mpsc, Op::send, where);
    return finish_reserve(site, chan.core.reserve(site, true, where), where);
  }
  // Waits for n free slots and reserves them all at once (tokio's reserve_many): n permits, each
  // sending one value without waiting; an unused one gives its slot back when destroyed. The
  // wait is FIFO with the other senders, and the head of the queue collects slots as they free
  // up. Cancel-safe: a task dropped while waiting here gives back the slots it had collected.
  // std::nullopt once the receiver is closed or gone, or (bounded) when n is more than the
  // channel's capacity, which could never be free at once. n == 0 gives no permit at once.
  // Precondition: valid(), from a task.
  std::optional<std::vector<Permit<T>>> reserve_many(
      std::size_t n, SourceLocation where = SourceLocation::current()) const {
    auto& chan = detail::checked(chan_, "mpsc::Sender::reserve_many");
    const auto site = detail::enter_blocking_op("mpsc::Sender::reserve_many", chan.core.tag,
                                                ObjectKind::mpsc, Op::send, where);
    if (chan.core.bounded() && n > chan.core.max_capacity()) {
      detail::emit_done(site, Op::send, ObjectKind::mpsc, 0, where, "too_many");
      return std::nullopt;
    }
    return finish_reserve_many(
        site, n == 0 ? zero_status(chan) : chan.core.reserve(site, false, where, n), n, where);
  }
  // n permits if n slots are free now (and nobody waits before); std::nullopt otherwise (full,
  // closed, or n more than the capacity).
  std::optional<std::vector<Permit<T>>> try_reserve_many(
      std::size_t n, SourceLocation where = SourceLocation::current()) const {
    auto& chan = detail::checked(chan_, "mpsc::Sender::try_reserve_many");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::mpsc, Op::send, where);
    if (chan.core.bounded() && n > chan.core.max_capacity()) {
      detail::emit_done(site, Op::send, ObjectKind::mpsc, 0, where, "too_many");
      return std::nullopt;
    }
    return finish_reserve_many(
        site, n == 0 ? zero_status(chan) : chan.core.reserve(site, true, where, n), n, where);
  }

  // Like reserve, but the permit owns a Sender (tokio's reserve_owned, which consumes the
  // sender): on a const Sender the permit gets a copy, on an rvalue (std::move(tx)) this Sender
  // itself. While waiting, that Sender is alive (the stream cannot end); a task dropped while
  // waiting here drops it and holds no slot; std::nullopt (the Sender dropped) once the receiver
  // is closed or gone. Precondition: valid(), from a task.
  std::optional<OwnedPermit<T>> reserve_owned(
      SourceLocation where = SourceLocation::current()) const& {
    return Sender(*this).reserve_owned_impl(false, where);
  }
  std::optional<OwnedPermit<T>> reserve_owned(SourceLocation where = SourceLocation::current()) && {
    return Sender(std::move(*this)).reserve_owned_impl(false, where);
  }
  // An owned permit if a slot is free now; std::nullopt (the Sender dropped) if full or closed.
  std::optional<OwnedPermit<T>> try_reserve_owned(
      SourceLocation where = SourceLocation::current()) const& {
    return Sender(*this).reserve_owned_impl(true, where);
  }
  std::optional<OwnedPermit<T>> try_reserve_owned(
      SourceLocation where = SourceLocation::current()) && {
    return Sender(std::move(*this)).reserve_owned_impl(true, where);
  }

  // Waits until the receiver is closed or dropped (tokio's Sender::closed). A suspension point.
  void closed(SourceLocation where = SourceLocation::current()) const {
    auto& chan = detail::checked(chan_, "mpsc::Sender::closed");
    const auto site = detail::enter_blocking_op("mpsc::Sender::closed", chan.core.tag,
                                                ObjectKind::mpsc, Op::wait, where);
    chan.core.wait_closed(site, where);
    detail::emit_done(site, Op::wait, ObjectKind::mpsc, 0, where, "closed");
  }

  // Whether the receiver is closed or gone (sends would fail).
  bool is_closed() const noexcept {
    if (!chan_) return true;
    detail::note_access(chan_->core.tag, ObjectKind::mpsc);
    return chan_->core.is_closed();
  }
  // Free slots now (bounded), SIZE_MAX for an unbounded channel.
  std::size_t capacity() const noexcept {
    if (!chan_) return 0;
    detail::note_access(chan_->core.tag, ObjectKind::mpsc);
    return chan_->core.capacity();
  }
  // The capacity the channel was created with (0 for unbounded).
  std::size_t max_capacity() const noexcept { return chan_ ? chan_->core.max_capacity() : 0; }
  bool same_channel(const Sender& other) const noexcept { return chan_ == other.chan_; }
  bool valid() const noexcept { return chan_ != nullptr; }
  // The channel's untyped core (for select branches). Precondition: valid().
  detail::MpscCore& core() const { return detail::checked(chan_, "mpsc::Sender").core; }

 private:
  template <class U>
  friend std::pair<Sender<U>, Receiver<U>> detail::make_mpsc(std::size_t capacity,
                                                             SourceLocation created,
                                                             std::string_view name);
  explicit Sender(std::shared_ptr<detail::MpscChannel<T>> chan) noexcept : chan_(std::move(chan)) {}
  template <class>
  friend class detail::ReserveArm;
  template <class>
  friend class OwnedPermit;

  // Called on a Sender of its own (the copy or the moved one), which the permit takes over.
  std::optional<OwnedPermit<T>> reserve_owned_impl(bool try_only, SourceLocation where) && {
    auto& chan = detail::checked(chan_, "mpsc::Sender::reserve_owned");
    const auto site = try_only
                          ? detail::enter_op(chan.core.tag, ObjectKind::mpsc, Op::send, where)
                          : detail::enter_blocking_op("mpsc::Sender::reserve_owned", chan.core.tag,
                                                      ObjectKind::mpsc, Op::send, where);
    const SendStatus status = chan.core.reserve(site, try_only, where);
    detail::emit_done(site, Op::send, ObjectKind::mpsc, 0, where,
                      status == SendStatus::ok ? "reserved" : to_string(status));
    if (status != SendStatus::ok) return std::nullopt;
    return OwnedPermit<T>(std::move(*this));
  }
  // reserve_many(0): nothing to wait for, but a closed channel still fails.
  static SendStatus zero_status(const detail::MpscChannel<T>& chan) noexcept {
    return chan.core.is_closed() ? SendStatus::closed : SendStatus::ok;
  }
  std::optional<std::vector<Permit<T>>> finish_reserve_many(const detail::OpSite& site,
                                                            SendStatus status, std::size_t n,
                                                            SourceLocation where) const {
    detail::emit_done(site, Op::send, ObjectKind::mpsc, static_cast<std::int64_t>(n), where,
                      status == SendStatus::ok ? "reserved" : to_string(status));
    if (status != SendStatus::ok) return std::nullopt;
    std::vector<Permit<T>> permits;
    permits.reserve(n);
    for (std::size_t i = 0; i < n; ++i) permits.push_back(Permit<T>(chan_));
    return permits;
  }

  std::optional<Permit<T>> finish_reserve(const detail::OpSite& site, SendStatus status,
                                          SourceLocation where) const {
    detail::emit_done(site, Op::send, ObjectKind::mpsc, 0, where,
                      status == SendStatus::ok ? "reserved" : to_string(status));
    if (status != SendStatus::ok) return std::nullopt;
    return Permit<T>(chan_);
  }

  static SendResult<T> finish_send(detail::MpscChannel<T>& chan, const detail::OpSite& site,
                                   SendStatus status, T&& value, SourceLocation where) {
    if (status != SendStatus::ok) {
      detail::emit_done(site, Op::send, ObjectKind::mpsc, detail::event_value(value), where,
                        to_string(status));
      return SendResult<T>::failure(status, std::move(value));
    }
    const std::int64_t reported = detail::event_value(value);
    chan.buffer.push_back(std::move(value));
    chan.core.sent(site, reported, where);
    return SendResult<T>::success(1);
  }
  void reset() noexcept {
    if (auto chan = std::move(chan_)) chan->core.drop_sender();
  }

  std::shared_ptr<detail::MpscChannel<T>> chan_;
};

// A reserved slot that owns a Sender (tokio's OwnedPermit, from Sender::reserve_owned): it can
// be moved into another task. send() puts a value in the slot without waiting and hands the
// Sender back; release() gives the slot back unused and hands the Sender back; destroying it
// unused gives the slot back and then drops the Sender (which ends the stream if it was the last
// one). Move-only; a moved-from or used permit is empty (valid() is false).
template <class T>
class [[nodiscard]] OwnedPermit {
 public:
  OwnedPermit(OwnedPermit&& other) noexcept = default;
  OwnedPermit& operator=(OwnedPermit&&) = delete;
  OwnedPermit(const OwnedPermit&) = delete;
  ~OwnedPermit() {
    if (tx_.chan_)
      tx_.chan_->core.unreserve(detail::quiet_site(tx_.chan_->core.tag, ObjectKind::mpsc));
  }
  // Sends value in the reserved slot (never waits; dropped if the receiver went away, as
  // Permit::send) and returns the Sender. Precondition: valid().
  Sender<T> send(T value, SourceLocation where = SourceLocation::current()) {
    if (!tx_.chan_) throw std::logic_error("mpsc::OwnedPermit::send on a used permit");
    Sender<T> tx = std::move(tx_);
    detail::send_reserved(*tx.chan_, std::move(value), where);
    return tx;
  }
  // Gives the slot back without sending and returns the Sender. Precondition: valid().
  Sender<T> release() {
    if (!tx_.chan_) throw std::logic_error("mpsc::OwnedPermit::release on a used permit");
    Sender<T> tx = std::move(tx_);
    tx.chan_->core.unreserve(detail::quiet_site(tx.chan_->core.tag, ObjectKind::mpsc));
    return tx;
  }
  bool valid() const noexcept { return tx_.valid(); }

 private:
  template <class>
  friend class Sender;
  explicit OwnedPermit(Sender<T> tx) noexcept : tx_(std::move(tx)) {}
  Sender<T> tx_;
};

// The receiving half; move-only. Destroying it closes the channel and drops the values still
// queued (their destructors run then, as in tokio).
template <class T>
class Receiver {
 public:
  Receiver(Receiver&&) noexcept = default;
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      reset();
      chan_ = std::move(other.chan_);
    }
    return *this;
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver() { reset(); }

  // The next value in send order; suspends while the channel is empty and a sender remains.
  // std::nullopt once every sender is gone (or close() was called) and the queue is drained.
  // Precondition: valid(), called from a task.
  std::optional<T> recv(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "mpsc::Receiver::recv");
    const auto site = detail::enter_blocking_op("mpsc::Receiver::recv", chan.core.tag,
                                                ObjectKind::mpsc, Op::recv, where);
    if (!chan.core.wait_value(site, where)) {
      detail::emit_done(site, Op::recv, ObjectKind::mpsc, 0, where, "closed");
      return std::nullopt;
    }
    return take(chan, site, where);
  }
  // A value if one is queued; else RecvStatus::empty while senders remain, ::closed after.
  RecvResult<T> try_recv(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "mpsc::Receiver::try_recv");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::mpsc, Op::recv, where);
    if (chan.core.queued > 0) return RecvResult<T>::received(take(chan, site, where));
    const bool closed = chan.core.senders_gone() || chan.core.is_closed();
    const RecvStatus status = closed ? RecvStatus::closed : RecvStatus::empty;
    detail::emit_done(site, Op::recv, ObjectKind::mpsc, 0, where, to_string(status));
    return RecvResult<T>::failure(status);
  }
  // Stops the senders: later sends fail and blocked ones wake with their values back. Values
  // already queued can still be received. Precondition: valid().
  void close(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "mpsc::Receiver::close");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::mpsc, Op::close, where);
    chan.core.close(site, "receiver_closed", where);
  }

  std::size_t len() const noexcept {
    if (!chan_) return 0;
    detail::note_access(chan_->core.tag, ObjectKind::mpsc);
    return chan_->core.queued;
  }
  bool is_empty() const noexcept { return len() == 0; }
  // Whether no value can arrive any more (all senders gone or close() called) and none is queued.
  bool is_closed() const noexcept {
    if (!chan_) return true;
    detail::note_access(chan_->core.tag, ObjectKind::mpsc);
    const auto& core = chan_->core;
    return core.queued == 0 && (core.senders_gone() || core.is_closed());
  }
  bool valid() const noexcept { return chan_ != nullptr; }

 private:
  template <class U>
  friend std::pair<Sender<U>, Receiver<U>> detail::make_mpsc(std::size_t capacity,
                                                             SourceLocation created,
                                                             std::string_view name);
  explicit Receiver(std::shared_ptr<detail::MpscChannel<T>> chan) noexcept
      : chan_(std::move(chan)) {}
  template <class>
  friend class detail::MpscRecvArm;

  static T take(detail::MpscChannel<T>& chan, const detail::OpSite& site, SourceLocation where) {
    T value = std::move(chan.buffer.front());
    chan.buffer.pop_front();
    chan.core.received(site, detail::event_value(value), where);
    return value;
  }
  void reset() noexcept {
    auto chan = std::move(chan_);
    if (!chan) return;
    chan->core.close(detail::quiet_site(chan->core.tag, ObjectKind::mpsc), "receiver_dropped", {});
    // Queued values die with the receiver; moved out first so their destructors see a
    // consistent channel (a value may itself hold a Sender of this channel).
    [[maybe_unused]] detail::Fifo<T> dropped = std::move(chan->buffer);
    chan->core.queued = 0;
  }

  std::shared_ptr<detail::MpscChannel<T>> chan_;
};

// A channel without a bound: send never waits. The caller's line (and a name, if given) identify
// the channel in reports: "mpsc 'jobs' #3 (created at app.cpp:12)".
template <class T>
std::pair<Sender<T>, Receiver<T>> unbounded(SourceLocation created = SourceLocation::current()) {
  return detail::make_mpsc<T>(0, created, {});
}
template <class T>
std::pair<Sender<T>, Receiver<T>> unbounded(std::string_view name,
                                            SourceLocation created = SourceLocation::current()) {
  return detail::make_mpsc<T>(0, created, name);
}

// A channel holding at most `capacity` values: send waits while it is full.
// Precondition: capacity > 0 (throws std::invalid_argument otherwise, as tokio panics).
template <class T>
std::pair<Sender<T>, Receiver<T>> bounded(std::size_t capacity,
                                          SourceLocation created = SourceLocation::current()) {
  if (capacity == 0) throw std::invalid_argument("mpsc::bounded: capacity must be > 0");
  return detail::make_mpsc<T>(capacity, created, {});
}
template <class T>
std::pair<Sender<T>, Receiver<T>> bounded(std::size_t capacity, std::string_view name,
                                          SourceLocation created = SourceLocation::current()) {
  if (capacity == 0) throw std::invalid_argument("mpsc::bounded: capacity must be > 0");
  return detail::make_mpsc<T>(capacity, created, name);
}

}  // namespace mpsc

template <class T>
std::pair<mpsc::Sender<T>, mpsc::Receiver<T>> detail::make_mpsc(std::size_t capacity,
                                                                SourceLocation created,
                                                                std::string_view name) {
  auto chan = std::make_shared<MpscChannel<T>>(capacity);
  describe_object(chan->core.tag, created, name);
  return {mpsc::Sender<T>(chan), mpsc::Receiver<T>(chan)};
}

namespace detail {

// recv() as a select branch: cancel-safe, a lost branch takes nothing from the channel.
template <class T>
class MpscRecvArm final : public SelectArm {
 public:
  using value_type = std::optional<T>;
  explicit MpscRecvArm(mpsc::Receiver<T>& rx) : chan_(&checked(rx.chan_, "when::recv")) {}
  bool ready() noexcept override { return chan_->core.recv_ready(); }
  void arm(const OpSite&) noexcept override { w_.queue_in(chan_->core.receiver_waiters()); }
  void disarm(const OpSite&) noexcept override { w_.leave(); }
  WaitInfo info(Scheduler& s, SourceLocation where) noexcept override {
    where_ = where;
    return WaitInfo{Op::recv, ObjectKind::mpsc, object_id(s, chan_->core.tag, ObjectKind::mpsc),
                    kNoTask, where};
  }
  std::optional<T> take() {
    w_.leave();
    const OpSite site = quiet_site(chan_->core.tag, ObjectKind::mpsc);
    if (chan_->core.queued == 0) {
      emit_done(site, Op::recv, ObjectKind::mpsc, 0, where_, "closed");
      return std::nullopt;
    }
    return mpsc::Receiver<T>::take(*chan_, site, where_);
  }

 private:
  MpscChannel<T>* chan_;
  ArmWaiter w_;
  SourceLocation where_;
};

// reserve() as a select branch: a lost branch gives a slot it was handed back.
template <class T>
class ReserveArm final : public SelectArm {
 public:
  using value_type = std::optional<mpsc::Permit<T>>;
  explicit ReserveArm(const mpsc::Sender<T>& tx) : tx_(&tx) {
    (void)checked(tx.chan_, "when::reserve");
  }
  bool ready() noexcept override {
    MpscCore& core = tx_->chan_->core;
    if (core.is_closed() || !core.bounded()) return true;
    return armed_ ? PermitCore::granted(w_) : core.slots().can_acquire(1);
  }
  void arm(const OpSite& site) noexcept override {
    if (armed_) return;
    armed_ = true;
    tx_->chan_->core.slots().enqueue(site, w_, 1);
  }
  void disarm(const OpSite& site) noexcept override {
    if (!std::exchange(armed_, false)) return;
    tx_->chan_->core.slots().give_back(site, w_, 1);
  }
  WaitInfo info(Scheduler& s, SourceLocation where) noexcept override {
    where_ = where;
    MpscCore& core = tx_->chan_->core;
    return WaitInfo{Op::send, ObjectKind::mpsc, object_id(s, core.tag, ObjectKind::mpsc), kNoTask,
                    where};
  }
  std::optional<mpsc::Permit<T>> take() {
    MpscCore& core = tx_->chan_->core;
    const OpSite site = quiet_site(core.tag, ObjectKind::mpsc);
    if (core.is_closed()) {
      disarm(site);
      return tx_->finish_reserve(site, SendStatus::closed, where_);
    }
    if (armed_) {  // served: the slot is ours
      armed_ = false;
      w_.leave();
    } else if (core.bounded()) {
      (void)core.slots().try_acquire(1);  // ready() said it is free
    }
    return tx_->finish_reserve(site, SendStatus::ok, where_);
  }

 private:
  const mpsc::Sender<T>* tx_;
  ArmWaiter w_;
  bool armed_ = false;
  SourceLocation where_;
};

}  // namespace detail

namespace when {
// The next value of an mpsc channel (std::nullopt once closed and drained), as recv().
template <class T>
detail::MpscRecvArm<T> recv(mpsc::Receiver<T>& rx) {
  return detail::MpscRecvArm<T>(rx);
}
// A reserved slot (std::nullopt once the receiver is closed), as Sender::reserve().
template <class T>
detail::ReserveArm<T> reserve(const mpsc::Sender<T>& tx) {
  return detail::ReserveArm<T>(tx);
}
// The receiver being closed or dropped, as Sender::closed().
template <class T>
detail::ClosedArm<detail::MpscCore, ObjectKind::mpsc> closed(const mpsc::Sender<T>& tx) {
  return detail::ClosedArm<detail::MpscCore, ObjectKind::mpsc>(tx.core());
}
}  // namespace when

}  // namespace weft
