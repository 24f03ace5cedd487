// weft::oneshot: tokio's oneshot channel, one value from one sender to one receiver. A sender
// dropped without sending wakes the receiver, which then sees the channel closed.
#pragma once
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "weft/channel_result.hpp"
#include "weft/detail/channel_core.hpp"
#include "weft/detail/primitive.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/source_location.hpp"

namespace weft {

namespace oneshot {
template <class T>
class Sender;
template <class T>
class Receiver;
}  // namespace oneshot

namespace detail {
template <class T>
class OneshotRecvArm;
template <class T>
struct OneshotChannel {
  OneshotCore core;
  std::optional<T> value;
};

template <class T>
OneshotChannel<T>& checked(const std::shared_ptr<OneshotChannel<T>>& chan, const char* what) {
  if (!chan) throw std::logic_error(std::string(what) + " on a used or moved-from oneshot handle");
  return *chan;
}
}  // namespace detail

namespace oneshot {

// The caller's line (and a name, if given) identify the channel in reports.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::string_view name,
                                          SourceLocation created = SourceLocation::current());
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(SourceLocation created = SourceLocation::current()) {
  return channel<T>(std::string_view(), created);
}

// Move-only. send() uses it up (tokio's send takes self); so does destruction.
template <class T>
class Sender {
 public:
  Sender(Sender&&) noexcept = default;
  Sender& operator=(Sender&& other) noexcept {
    if (this != &other) {
      reset();
      chan_ = std::move(other.chan_);
    }
    return *this;
  }
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  ~Sender() { reset(); }

  // Hands value to the receiver and uses up this sender. Fails with the value back
  // (SendStatus::closed) if the receiver is gone or closed. Precondition: valid().
  SendResult<T> send(T value, SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "oneshot::Sender::send");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::oneshot, Op::send, where);
    const std::int64_t reported = detail::event_value(value);
    // reset() may free the channel: chan is not used after it.
    if (chan.core.is_closed()) {
      detail::emit_done(site, Op::send, ObjectKind::oneshot, reported, where, "closed");
      reset();
      return SendResult<T>::failure(SendStatus::closed, std::move(value));
    }
    chan.value.emplace(std::move(value));
    chan.core.sent(site, reported, where);
    reset();
    return SendResult<T>::success(1);
  }
  // Waits until the receiver is closed or dropped (tokio's Sender::closed), e.g. to stop
  // computing a value nobody wants. A suspension point. Precondition: valid(), from a task.
  void closed(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "oneshot::Sender::closed");
    const auto site = detail::enter_blocking_op("oneshot::Sender::closed", chan.core.tag,
                                                ObjectKind::oneshot, Op::wait, where);
    chan.core.wait_closed(site, where);
    detail::emit_done(site, Op::wait, ObjectKind::oneshot, 0, where, "closed");
  }
  // Whether the receiver is gone or closed.
  bool is_closed() const noexcept {
    if (!chan_) return true;
    detail::note_access(chan_->core.tag, ObjectKind::oneshot);
    return chan_->core.is_closed();
  }
  bool valid() const noexcept { return chan_ != nullptr; }
  // The channel's untyped core (for select branches). Precondition: valid().
  detail::OneshotCore& core() const { return detail::checked(chan_, "oneshot::Sender").core; }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(std::string_view, SourceLocation);
  explicit Sender(std::shared_ptr<detail::OneshotChannel<T>> chan) noexcept
      : chan_(std::move(chan)) {}
  void reset() noexcept {
    if (auto chan = std::move(chan_)) chan->core.drop_sender();
  }

  std::shared_ptr<detail::OneshotChannel<T>> chan_;
};

// Move-only. Destroying it closes the channel and drops a value sent but not received.
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

  // Suspends until the value arrives; std::nullopt if the sender went away without sending
  // (or the value was already received). Precondition: valid(), called from a task.
  std::optional<T> recv(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "oneshot::Receiver::recv");
    const auto site = detail::enter_blocking_op("oneshot::Receiver::recv", chan.core.tag,
                                                ObjectKind::oneshot, Op::recv, where);
    if (!chan.core.wait_value(site, where)) {
      detail::emit_done(site, Op::recv, ObjectKind::oneshot, 0, where, "closed");
      return std::nullopt;
    }
    return take(chan, site, where);
  }
  // The value if it is there; RecvStatus::empty while the sender may still send, ::closed
  // after it went away (or once the value was received).
  RecvResult<T> try_recv(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "oneshot::Receiver::try_recv");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::oneshot, Op::recv, where);
    if (chan.core.has_value) return RecvResult<T>::received(take(chan, site, where));
    const RecvStatus status = chan.core.sender_gone() ? RecvStatus::closed : RecvStatus::empty;
    detail::emit_done(site, Op::recv, ObjectKind::oneshot, 0, where, to_string(status));
    return RecvResult<T>::failure(status);
  }
  // Makes a later send fail; a value sent before can still be received. Precondition: valid().
  void close(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "oneshot::Receiver::close");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::oneshot, Op::close, where);
    chan.core.close(site, "receiver_closed", where);
  }
  bool valid() const noexcept { return chan_ != nullptr; }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(std::string_view, SourceLocation);
  explicit Receiver(std::shared_ptr<detail::OneshotChannel<T>> chan) noexcept
      : chan_(std::move(chan)) {}
  friend class detail::OneshotRecvArm<T>;
  static T take(detail::OneshotChannel<T>& chan, const detail::OpSite& site, SourceLocation where) {
    T value = std::move(*chan.value);
    chan.value.reset();
    chan.core.taken();
    detail::emit_done(site, Op::recv, ObjectKind::oneshot, detail::event_value(value), where);
    return value;
  }
  void reset() noexcept {
    auto chan = std::move(chan_);
    if (!chan) return;
    chan->core.close(detail::quiet_site(chan->core.tag, ObjectKind::oneshot), "receiver_dropped",
                     {});
    chan->core.taken();
    [[maybe_unused]] std::optional<T> dropped =
        std::move(chan->value);  // dies here, with the receiver
    chan->value.reset();
  }

  std::shared_ptr<detail::OneshotChannel<T>> chan_;
};

template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::string_view name, SourceLocation created) {
  auto chan = std::make_shared<detail::OneshotChannel<T>>();
  detail::describe_object(chan->core.tag, created, name);
  return {Sender<T>(chan), Receiver<T>(chan)};
}

}  // namespace oneshot

namespace detail {
// A oneshot receive as a select branch (cancel-safe: a lost branch leaves the value).
template <class T>
class OneshotRecvArm final : public SelectArm {
 public:
  using value_type = std::optional<T>;
  explicit OneshotRecvArm(oneshot::Receiver<T>& rx) : chan_(&checked(rx.chan_, "when::recv")) {}
  bool ready() noexcept override { return chan_->core.recv_ready(); }
  void arm(const OpSite&) noexcept override { w_.queue_in(chan_->core.receiver_waiters()); }
  void disarm(const OpSite&) noexcept override { w_.leave(); }
  WaitInfo info(Scheduler& s, SourceLocation where) noexcept override {
    where_ = where;
    return WaitInfo{Op::recv, ObjectKind::oneshot,
                    object_id(s, chan_->core.tag, ObjectKind::oneshot), kNoTask, where};
  }
  std::optional<T> take() {
    w_.leave();
    const OpSite site = quiet_site(chan_->core.tag, ObjectKind::oneshot);
    if (!chan_->core.has_value) {
      emit_done(site, Op::recv, ObjectKind::oneshot, 0, where_, "closed");
      return std::nullopt;
    }
    return oneshot::Receiver<T>::take(*chan_, site, where_);
  }

 private:
  OneshotChannel<T>* chan_;
  ArmWaiter w_;
  SourceLocation where_;
};
}  // namespace detail

namespace when {
// The oneshot value (std::nullopt if the sender went away without sending), as recv().
template <class T>
detail::OneshotRecvArm<T> recv(oneshot::Receiver<T>& rx) {
  return detail::OneshotRecvArm<T>(rx);
}
}  // namespace when
}  // namespace weft
