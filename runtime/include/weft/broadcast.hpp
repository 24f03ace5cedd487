// weft::broadcast: tokio's broadcast channel. Every receiver sees every value sent after it
// subscribed; a receiver that falls more than `capacity` values behind is told how many it
// missed (RecvStatus::lagged) and continues from the oldest value still retained.
#pragma once
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weft/channel_result.hpp"
#include "weft/detail/channel_core.hpp"
#include "weft/detail/primitive.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/source_location.hpp"

namespace weft {

namespace broadcast {
template <class T>
requires std::copy_constructible<T>
class Sender;
template <class T>
requires std::copy_constructible<T>
class Receiver;
}  // namespace broadcast

namespace detail {
template <class T>
class BroadcastRecvArm;
template <class T>
struct BroadcastChannel {
  struct Slot {
    std::optional<T> value;  // reset once every receiver that should see it did
    std::uint64_t pos = 0;
    std::size_t remaining = 0;  // receivers still to see it
  };
  explicit BroadcastChannel(std::size_t capacity) : core(capacity), slots(core.capacity) {}
  Slot& slot(std::uint64_t pos) { return slots[static_cast<std::size_t>(pos % slots.size())]; }
  // One receiver will not read position pos any more.
  void release(std::uint64_t pos) {
    Slot& s = slot(pos);
    if (s.pos == pos && s.remaining > 0 && --s.remaining == 0) {
      [[maybe_unused]] std::optional<T> dropped = std::move(s.value);
      s.value.reset();
    }
  }
  BroadcastCore core;
  std::vector<Slot> slots;
};

template <class T>
BroadcastChannel<T>& checked(const std::shared_ptr<BroadcastChannel<T>>& chan, const char* what) {
  if (!chan) throw std::logic_error(std::string(what) + " on a moved-from broadcast handle");
  return *chan;
}
}  // namespace detail

namespace broadcast {

// The caller's line (and a name, if given) identify the channel in reports.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity, std::string_view name,
                                          SourceLocation created = SourceLocation::current());
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity,
                                          SourceLocation created = SourceLocation::current()) {
  return channel<T>(capacity, std::string_view(), created);
}

// Copyable (tokio's clone); receivers see the channel closed once every copy is gone.
template <class T>
requires std::copy_constructible<T>
class Sender {
 public:
  Sender(const Sender& other) : chan_(other.chan_) {
    if (chan_) ++chan_->core.senders;
  }
  Sender(Sender&&) noexcept = default;
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
  ~Sender() { reset(); }

  // Stores value for every current receiver and returns how many there are
  // (receiver_count()); fails with the value back (SendStatus::closed) when there is none.
  // Never waits: when the ring is full the oldest value is overwritten. Precondition: valid().
  SendResult<T> send(T value, SourceLocation where = SourceLocation::current()) const {
    auto& chan = detail::checked(chan_, "broadcast::Sender::send");
    auto& core = chan.core;
    const auto site = detail::enter_op(core.tag, ObjectKind::broadcast, Op::send, where);
    const std::int64_t reported = detail::event_value(value);
    if (core.receivers == 0) {
      detail::emit_done(site, Op::send, ObjectKind::broadcast, reported, where, "closed");
      return SendResult<T>::failure(SendStatus::closed, std::move(value));
    }
    auto& slot = chan.slot(core.tail);
    // The overwritten value dies after the channel is consistent again.
    [[maybe_unused]] std::optional<T> overwritten = std::move(slot.value);
    slot.value.emplace(std::move(value));
    slot.pos = core.tail++;
    slot.remaining = core.receivers;
    const std::size_t receivers = core.receivers;
    core.sent(site, reported, where);
    return SendResult<T>::success(receivers);
  }
  // A receiver of the values sent from now on.
  Receiver<T> subscribe() const {
    auto& chan = detail::checked(chan_, "broadcast::Sender::subscribe");
    ++chan.core.receivers;
    return Receiver<T>(chan_, chan.core.tail);
  }
  std::size_t receiver_count() const noexcept {
    if (!chan_) return 0;
    detail::note_access(chan_->core.tag, ObjectKind::broadcast);
    return chan_->core.receivers;
  }
  bool valid() const noexcept { return chan_ != nullptr; }

 private:
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(std::size_t, std::string_view,
                                                      SourceLocation);
  explicit Sender(std::shared_ptr<detail::BroadcastChannel<T>> chan) noexcept
      : chan_(std::move(chan)) {}
  void reset() noexcept {
    if (auto chan = std::move(chan_)) chan->core.drop_sender();
  }

  std::shared_ptr<detail::BroadcastChannel<T>> chan_;
};

// Move-only. Each receiver has its own position in the stream.
template <class T>
requires std::copy_constructible<T>
class Receiver {
 public:
  Receiver(Receiver&& other) noexcept : chan_(std::move(other.chan_)), next_(other.next_) {}
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      reset();
      chan_ = std::move(other.chan_);
      next_ = other.next_;
    }
    return *this;
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver() { reset(); }

  // The next value (a copy). Suspends while none is there and a sender remains. Returns
  // RecvStatus::lagged with the number of values skipped if this receiver fell behind (the next
  // call returns the oldest retained value), RecvStatus::closed once every sender is gone and
  // everything was received. Precondition: valid(), called from a task.
  RecvResult<T> recv(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "broadcast::Receiver::recv");
    const auto site = detail::enter_blocking_op("broadcast::Receiver::recv", chan.core.tag,
                                                ObjectKind::broadcast, Op::recv, where);
    chan.core.wait_value(site, next_, where);
    return take(chan, site, where);
  }
  // Like recv without waiting: RecvStatus::empty when nothing is there yet.
  RecvResult<T> try_recv(SourceLocation where = SourceLocation::current()) {
    auto& chan = detail::checked(chan_, "broadcast::Receiver::try_recv");
    const auto site = detail::enter_op(chan.core.tag, ObjectKind::broadcast, Op::recv, where);
    return take(chan, site, where);
  }
  // A new receiver on the same channel, starting with the values sent from now on.
  Receiver resubscribe() const {
    auto& chan = detail::checked(chan_, "broadcast::Receiver::resubscribe");
    ++chan.core.receivers;
    return Receiver(chan_, chan.core.tail);
  }
  // Values this receiver has yet to see (lagged ones not counted).
  std::size_t len() const noexcept {
    if (!chan_) return 0;
    detail::note_access(chan_->core.tag, ObjectKind::broadcast);
    const auto& core = chan_->core;
    return static_cast<std::size_t>(core.tail - std::max(next_, core.oldest()));
  }
  bool is_empty() const noexcept { return len() == 0; }
  bool valid() const noexcept { return chan_ != nullptr; }

 private:
  friend class Sender<T>;
  friend class detail::BroadcastRecvArm<T>;
  friend std::pair<Sender<T>, Receiver<T>> channel<T>(std::size_t, std::string_view,
                                                      SourceLocation);
  Receiver(std::shared_ptr<detail::BroadcastChannel<T>> chan, std::uint64_t next) noexcept
      : chan_(std::move(chan)), next_(next) {}

  RecvResult<T> take(detail::BroadcastChannel<T>& chan, const detail::OpSite& site,
                     SourceLocation where) {
    const auto& core = chan.core;
    if (next_ < core.oldest()) {
      // The values this receiver missed were overwritten: report them and skip ahead.
      const std::uint64_t missed = core.oldest() - next_;
      next_ = core.oldest();
      detail::emit_done(site, Op::recv, ObjectKind::broadcast, static_cast<std::int64_t>(missed),
                        where, "lagged");
      return RecvResult<T>::failure(RecvStatus::lagged, missed);
    }
    if (next_ < core.tail) {
      T value = *chan.slot(next_).value;
      chan.release(next_++);
      detail::emit_done(site, Op::recv, ObjectKind::broadcast, detail::event_value(value), where);
      return RecvResult<T>::received(std::move(value));
    }
    const RecvStatus status = core.senders == 0 ? RecvStatus::closed : RecvStatus::empty;
    detail::emit_done(site, Op::recv, ObjectKind::broadcast, 0, where, to_string(status));
    return RecvResult<T>::failure(status);
  }
  void reset() noexcept {
    auto chan = std::move(chan_);
    if (!chan) return;
    // Values this receiver never read no longer wait for it.
    for (std::uint64_t pos = std::max(next_, chan->core.oldest()); pos < chan->core.tail; ++pos)
      chan->release(pos);
    --chan->core.receivers;
  }

  std::shared_ptr<detail::BroadcastChannel<T>> chan_;
  std::uint64_t next_ = 0;
};

// A channel retaining the last `capacity` values (rounded up to a power of two, as in tokio).
// Precondition: 0 < capacity <= SIZE_MAX / 2 (throws std::invalid_argument otherwise, where
// tokio panics).
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity, std::string_view name,
                                          SourceLocation created) {
  auto chan = std::make_shared<detail::BroadcastChannel<T>>(capacity);
  detail::describe_object(chan->core.tag, created, name);
  return {Sender<T>(chan), Receiver<T>(chan, 0)};
}

}  // namespace broadcast

namespace detail {
// recv() as a select branch: cancel-safe, a lost branch leaves this receiver where it was (the
// value is still there for its next recv, or the lag still to be reported).
template <class T>
class BroadcastRecvArm final : public SelectArm {
 public:
  using value_type = RecvResult<T>;
  explicit BroadcastRecvArm(broadcast::Receiver<T>& rx)
      : rx_(&rx), chan_(&checked(rx.chan_, "when::recv")) {}
  bool ready() noexcept override {
    return rx_->next_ < chan_->core.tail || chan_->core.senders == 0;
  }
  void arm(const OpSite&) noexcept override { w_.queue_in(chan_->core.waiters); }
  void disarm(const OpSite&) noexcept override { w_.leave(); }
  WaitInfo info(Scheduler& s, SourceLocation where) noexcept override {
    where_ = where;
    return WaitInfo{Op::recv, ObjectKind::broadcast,
                    object_id(s, chan_->core.tag, ObjectKind::broadcast), kNoTask, where};
  }
  RecvResult<T> take() {
    w_.leave();
    return rx_->take(*chan_, quiet_site(chan_->core.tag, ObjectKind::broadcast), where_);
  }

 private:
  broadcast::Receiver<T>* rx_;
  BroadcastChannel<T>* chan_;
  ArmWaiter w_;
  SourceLocation where_;
};
}  // namespace detail

namespace when {
// The next value of a broadcast receiver, as its recv(): the value, RecvStatus::lagged with the
// number of values it missed (the next recv returns the oldest retained one), or
// RecvStatus::closed once every sender is gone and everything was received.
template <class T>
detail::BroadcastRecvArm<T> recv(broadcast::Receiver<T>& rx) {
  return detail::BroadcastRecvArm<T>(rx);
}
}  // namespace when

}  // namespace weft
