// weft::mpsc: tokio's multi-producer single-consumer channels, unbounded and bounded.
// Dropping the last Sender ends the stream; dropping the Receiver makes sends fail.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "weft/channel_result.hpp"
#include "weft/detail/channel_core.hpp"
#include "weft/detail/fifo.hpp"
#include "weft/source_location.hpp"

namespace weft {

namespace mpsc {
template <class T>
class Sender;
template <class T>
class Receiver;
}  // namespace mpsc

namespace detail {
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
std::pair<mpsc::Sender<T>, mpsc::Receiver<T>> make_mpsc(std::size_t capacity);
}  // namespace detail

namespace mpsc {

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

  // Whether the receiver is closed or gone (sends would fail).
  bool is_closed() const noexcept { return !chan_ || chan_->core.is_closed(); }
  // Free slots now (bounded), SIZE_MAX for an unbounded channel.
  std::size_t capacity() const noexcept { return chan_ ? chan_->core.capacity() : 0; }
  // The capacity the channel was created with (0 for unbounded).
  std::size_t max_capacity() const noexcept { return chan_ ? chan_->core.max_capacity() : 0; }
  bool same_channel(const Sender& other) const noexcept { return chan_ == other.chan_; }
  bool valid() const noexcept { return chan_ != nullptr; }

 private:
  template <class U>
  friend std::pair<Sender<U>, Receiver<U>> detail::make_mpsc(std::size_t capacity);
  explicit Sender(std::shared_ptr<detail::MpscChannel<T>> chan) noexcept : chan_(std::move(chan)) {}

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

  std::size_t len() const noexcept { return chan_ ? chan_->core.queued : 0; }
  bool is_empty() const noexcept { return len() == 0; }
  // Whether no value can arrive any more (all senders gone or close() called) and none is queued.
  bool is_closed() const noexcept {
    if (!chan_) return true;
    const auto& core = chan_->core;
    return core.queued == 0 && (core.senders_gone() || core.is_closed());
  }
  bool valid() const noexcept { return chan_ != nullptr; }

 private:
  template <class U>
  friend std::pair<Sender<U>, Receiver<U>> detail::make_mpsc(std::size_t capacity);
  explicit Receiver(std::shared_ptr<detail::MpscChannel<T>> chan) noexcept
      : chan_(std::move(chan)) {}

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

// A channel without a bound: send never waits.
template <class T>
std::pair<Sender<T>, Receiver<T>> unbounded() {
  return detail::make_mpsc<T>(0);
}

// A channel holding at most `capacity` values: send waits while it is full.
// Precondition: capacity > 0 (throws std::invalid_argument otherwise, as tokio panics).
template <class T>
std::pair<Sender<T>, Receiver<T>> bounded(std::size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("mpsc::bounded: capacity must be > 0");
  return detail::make_mpsc<T>(capacity);
}

}  // namespace mpsc

template <class T>
std::pair<mpsc::Sender<T>, mpsc::Receiver<T>> detail::make_mpsc(std::size_t capacity) {
  auto chan = std::make_shared<MpscChannel<T>>(capacity);
  return {mpsc::Sender<T>(chan), mpsc::Receiver<T>(chan)};
}

}  // namespace weft
