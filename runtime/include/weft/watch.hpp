// weft::watch: tokio's watch channel. One sender publishes the latest value; any number of
// receivers read it and wait for it to change. Each receiver remembers the version it has seen:
// changed() returns at once while a newer one is there, and reports the channel closed once the
// sender is gone and the receiver has seen the last value.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "weft/channel_result.hpp"
#include "weft/detail/primitive.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/source_location.hpp"

namespace weft {

namespace watch {
template <class T>
class Sender;
template <class T>
class Receiver;
}  // namespace watch

namespace detail {

// The untyped part of a watch channel: versions, handle counts and waiters.
struct WatchCore {
  ObjectTag tag;
  std::uint64_t version = 0;  // bumped by every send
  std::size_t receivers = 1;
  bool sender_alive = true;
  WaitQueue changed_waiters;  // receivers in changed()

  bool is_closed() const noexcept { return receivers == 0; }
  WaitQueue& closed_waiters() noexcept { return closed_queue_; }
  // A new value was stored: emits the send and wakes the receivers waiting for a change.
  void published(const OpSite& site, std::int64_t value, SourceLocation where) noexcept;
  void drop_sender() noexcept;
  void drop_receiver() noexcept;
  // Waits until version != seen or the sender is gone (changed()).
  void wait_changed(const OpSite& site, const std::uint64_t& seen, SourceLocation where);
  void wait_closed(const OpSite& site, SourceLocation where);

 private:
  WaitQueue closed_queue_;  // the sender in closed()
};

template <class T>
struct WatchChannel {
  explicit WatchChannel(T init) : value(std::move(init)) {}
  WatchCore core;
  T value;
};

template <class T>
WatchChannel<T>& checked(const std::shared_ptr<WatchChannel<T>>& chan, const char* what) {
  if (!chan) throw std::logic_error(std::string(what) + " on a moved-from watch handle");
  return *chan;
}

template <class T>
class ChangedArm;

}  // namespace detail

namespace watch {

// The caller's line (and a name, if given) identify the channel in reports.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(T init, std::string_view name,
                                          SourceLocation created = SourceLocation::current());
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(T init,
                                          SourceLocation created = SourceLocation::current()) {
  return channel<T>(std::move(init), std::string_view(), created);
}

// The sending half; move-only. Dropping it closes the channel: receivers see the last value,
// and changed() reports closed once they have seen it.
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

  // Stores value and notifies the receivers; fails with the value back (SendStatus::closed)
  // when no receiver is left (tokio's send). Never waits.
  SendResult<T> send(T value, SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "watch::Sender::send");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::watch, Op::send, where);
    if (chan.core.is_closed()) {
      detail::emit_done(site, Op::send, ObjectKind::watch, detail::event_value(value), where,
                        "closed");
      return SendResult<T>::failure(SendStatus::closed, std::move(value));
    }
    const std::int64_t reported = detail::event_value(value);
    chan.value = std::move(value);
    chan.core.published(site, reported, where);
    return SendResult<T>::success(1);
  }
  // Stores value whether or not a receiver is left and returns the previous one.
  T send_replace(T value, SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "watch::Sender::send_replace");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::watch, Op::send, where);
    const std::int64_t reported = detail::event_value(value);
    T old = std::exchange(chan.value, std::move(value));
    chan.core.published(site, reported, where);
    return old;
  }
  // Modifies the value in place with modify(T&) and notifies the receivers.
  template <class F>
  void send_modify(F&& modify, SourceLocation where = SourceLocation::current()) {
    send_if_modified(
        [&modify](T& value) {
          modify(value);
          return true;
        },
        where);
  }
  // Modifies the value with modify(T&) -> bool; notifies the receivers only if it returns true.
  template <class F>
  bool send_if_modified(F&& modify, SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "watch::Sender::send_if_modified");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::watch, Op::send, where);
    if (!modify(chan.value)) {
      detail::emit_done(site, Op::send, ObjectKind::watch, 0, where, "unmodified");
      return false;
    }
    chan.core.published(site, detail::event_value(chan.value), where);
    return true;
  }
  // The current value (never waits; not a scheduling point).
  const T& borrow() const { return detail::checked(chan_, "watch::Sender::borrow").value; }
  // A new receiver that has seen the current value.
  Receiver<T> subscribe() const;
  std::size_t receiver_count() const noexcept { return chan_ ? chan_->core.receivers : 0; }
  // Whether every receiver is gone.
  bool is_closed() const noexcept { return !chan_ || chan_->core.is_closed(); }
  // Waits until every receiver is gone. A suspension point. Precondition: from a task.
  void closed(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "watch::Sender::closed");
    const auto site = detail::enter_blocking_op("watch::Sender::closed", chan.core.tag,
                                                ObjectKind::watch, Op::wait, where);
    chan.core.wait_closed(site, where);
    detail::emit_done(site, Op::wait, ObjectKind::watch, 0, where, "closed");
  }
  bool valid() const noexcept { return chan_ != nullptr; }
  detail::WatchCore& core() const { return detail::checked(chan_, "watch::Sender").core; }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(T init, std::string_view, SourceLocation);
  explicit Sender(std::shared_ptr<detail::WatchChannel<T>> chan) noexcept
      : chan_(std::move(chan)) {}
  void reset() noexcept {
    if (auto chan = std::move(chan_)) chan->core.drop_sender();
  }
  std::shared_ptr<detail::WatchChannel<T>> chan_;
};

// A receiving half. Copies are further receivers that start at the same seen version (tokio's
// clone).
template <class T>
class Receiver {
 public:
  Receiver(const Receiver& other) : chan_(other.chan_), seen_(other.seen_) {
    if (chan_) ++chan_->core.receivers;
  }
  Receiver(Receiver&& other) noexcept : chan_(std::move(other.chan_)), seen_(other.seen_) {}
  Receiver& operator=(Receiver other) noexcept {
    reset();
    chan_ = std::move(other.chan_);
    seen_ = other.seen_;
    return *this;
  }
  ~Receiver() { reset(); }

  // The latest value, without marking it seen. Never waits (a scheduling point inside a task).
  const T& borrow(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "watch::Receiver::borrow");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::watch, Op::recv, where);
    detail::emit_done(site, Op::recv, ObjectKind::watch, detail::event_value(chan.value), where,
                      "borrow");
    return chan.value;
  }
  // The latest value, marked seen.
  const T& borrow_and_update(SourceLocation where = SourceLocation::current()) {
    const T& value = borrow(where);
    seen_ = chan_->core.version;
    return value;
  }
  // Whether a value this receiver has not seen is there (tokio's has_changed, which also
  // reports closed: see is_closed()).
  bool has_changed() const noexcept {
    if (!chan_) return false;
    detail::note_access(chan_->core.tag, ObjectKind::watch);
    return chan_->core.version != seen_;
  }
  // Whether the sender is gone.
  bool is_closed() const noexcept {
    if (!chan_) return true;
    detail::note_access(chan_->core.tag, ObjectKind::watch);
    return !chan_->core.sender_alive;
  }
  // Waits for a value this receiver has not seen and marks it seen: true. False once the sender
  // is gone and the last value was seen (tokio's Err(RecvError)). Returns at once while an
  // unseen value is there, even after the sender went. A suspension point; cancel-safe.
  bool changed(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "watch::Receiver::changed");
    const auto site = detail::enter_blocking_op("watch::Receiver::changed", chan.core.tag,
                                                ObjectKind::watch, Op::recv, where);
    chan.core.wait_changed(site, seen_, where);
    return finish_changed(site, where);
  }
  // Waits until pred(value) holds, looking at the current value first; marks it seen. False if
  // the sender went away first (tokio's wait_for).
  template <class Pred>
  bool wait_for(Pred pred, SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "watch::Receiver::wait_for");
    for (;;) {
      seen_ = chan.core.version;
      if (pred(chan.value)) return true;
      if (!changed(where)) return false;
    }
  }
  // Marks the current value unseen / seen.
  void mark_changed() noexcept {
    if (chan_) seen_ = chan_->core.version - 1;
  }
  void mark_unchanged() noexcept {
    if (chan_) seen_ = chan_->core.version;
  }
  bool same_channel(const Receiver& other) const noexcept { return chan_ == other.chan_; }
  bool valid() const noexcept { return chan_ != nullptr; }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(T init, std::string_view, SourceLocation);
  friend class Sender<T>;
  friend class detail::ChangedArm<T>;
  Receiver(std::shared_ptr<detail::WatchChannel<T>> chan, std::uint64_t seen) noexcept
      : chan_(std::move(chan)), seen_(seen) {}
  bool finish_changed(const detail::OpSite& site, SourceLocation where) {
    auto& core = chan_->core;
    if (core.version != seen_) {
      seen_ = core.version;
      detail::emit_done(site, Op::recv, ObjectKind::watch, detail::event_value(chan_->value), where,
                        "changed");
      return true;
    }
    detail::emit_done(site, Op::recv, ObjectKind::watch, 0, where, "closed");
    return false;
  }
  void reset() noexcept {
    if (auto chan = std::move(chan_)) chan->core.drop_receiver();
  }
  std::shared_ptr<detail::WatchChannel<T>> chan_;
  std::uint64_t seen_ = 0;
};

template <class T>
Receiver<T> Sender<T>::subscribe() const {
  auto& chan = detail::checked(chan_, "watch::Sender::subscribe");
  ++chan.core.receivers;
  return Receiver<T>(chan_, chan.core.version);
}

// A watch channel holding init (seen by the first receiver).
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(T init, std::string_view name, SourceLocation created) {
  auto chan = std::make_shared<detail::WatchChannel<T>>(std::move(init));
  detail::describe_object(chan->core.tag, created, name);
  return {Sender<T>(chan), Receiver<T>(chan, 0)};
}

}  // namespace watch

namespace detail {
// changed() as a select branch; its value is changed()'s.
template <class T>
class ChangedArm final : public SelectArm {
 public:
  using value_type = bool;
  explicit ChangedArm(watch::Receiver<T>& rx) : rx_(&rx) {
    (void)checked(rx.chan_, "when::changed");
  }
  bool ready() noexcept override {
    const WatchCore& core = rx_->chan_->core;
    return core.version != rx_->seen_ || !core.sender_alive;
  }
  void arm(const OpSite&) noexcept override { w_.queue_in(rx_->chan_->core.changed_waiters); }
  void disarm(const OpSite&) noexcept override { w_.leave(); }
  WaitInfo info(Scheduler& s, SourceLocation where) noexcept override {
    where_ = where;
    return WaitInfo{Op::recv, ObjectKind::watch,
                    object_id(s, rx_->chan_->core.tag, ObjectKind::watch), kNoTask, where};
  }
  bool take() {
    w_.leave();
    return rx_->finish_changed(quiet_site(rx_->chan_->core.tag, ObjectKind::watch), where_);
  }

 private:
  watch::Receiver<T>* rx_;
  ArmWaiter w_;
  SourceLocation where_;
};
}  // namespace detail

namespace when {
// A value the receiver has not seen (true), or the channel closed (false), as changed().
template <class T>
detail::ChangedArm<T> changed(watch::Receiver<T>& rx) {
  return detail::ChangedArm<T>(rx);
}
// Every receiver gone, as watch::Sender::closed().
template <class T>
detail::ClosedArm<detail::WatchCore, ObjectKind::watch> closed(const watch::Sender<T>& tx) {
  return detail::ClosedArm<detail::WatchCore, ObjectKind::watch>(tx.core());
}
}  // namespace when

}  // namespace weft
