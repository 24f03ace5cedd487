// Outcomes of channel operations as values, tokio's channel error types in C++: a failed send
// gives the value back, a receive reports closed, empty or lagged instead of throwing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace weft {

// Thrown by expect()/unwrap()/value() on a failed outcome: a panic of the calling task, like
// Rust's unwrap on an Err.
class ChannelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class SendStatus : std::uint8_t {
  ok,
  full,    // try_send on a bounded channel without room
  closed,  // no receiver will ever see the value (receiver dropped or closed, no subscribers)
};

enum class RecvStatus : std::uint8_t {
  ok,
  empty,   // try_recv: nothing yet, but senders remain
  closed,  // every sender is gone and everything sent was received
  lagged,  // broadcast: this receiver fell behind and skipped lagged_count() values
};

constexpr std::string_view to_string(SendStatus status) noexcept {
  switch (status) {
    case SendStatus::ok:
      return "ok";
    case SendStatus::full:
      return "full";
    case SendStatus::closed:
      return "closed";
  }
  return "?";
}

constexpr std::string_view to_string(RecvStatus status) noexcept {
  switch (status) {
    case RecvStatus::ok:
      return "ok";
    case RecvStatus::empty:
      return "empty";
    case RecvStatus::closed:
      return "closed";
    case RecvStatus::lagged:
      return "lagged";
  }
  return "?";
}

// The result of a send: success, or the status and the value that was not sent. Not
// [[nodiscard]]: a fire-and-forget send (`tx.send(41);`) is idiomatic, and a failed one still
// gives its value back to whoever looks.
template <class T>
class SendResult {
 public:
  static SendResult success(std::size_t receivers = 1) { return SendResult(receivers); }
  static SendResult failure(SendStatus status, T value) {
    return SendResult(status, std::move(value));
  }

  SendStatus status() const noexcept { return status_; }
  bool ok() const noexcept { return status_ == SendStatus::ok; }
  explicit operator bool() const noexcept { return ok(); }
  bool is_full() const noexcept { return status_ == SendStatus::full; }
  bool is_closed() const noexcept { return status_ == SendStatus::closed; }

  // The value that was not sent. Precondition: !ok() (throws std::logic_error otherwise).
  T& value() & { return checked_value(); }
  const T& value() const& { return const_cast<SendResult*>(this)->checked_value(); }
  T&& value() && { return std::move(checked_value()); }

  // How many receivers will see the value (broadcast; 1 for mpsc and oneshot). 0 on failure.
  std::size_t receiver_count() const noexcept { return receivers_; }

  // Throws ChannelError("<message>: channel <status>") unless ok(); returns receiver_count().
  std::size_t expect(std::string_view message) const {
    if (!ok())
      throw ChannelError(std::string(message) + ": channel " + std::string(to_string(status_)));
    return receivers_;
  }
  std::size_t unwrap() const { return expect("send failed"); }

 private:
  explicit SendResult(std::size_t receivers) : status_(SendStatus::ok), receivers_(receivers) {}
  SendResult(SendStatus status, T value) : status_(status), value_(std::move(value)) {}
  T& checked_value() {
    if (!value_) throw std::logic_error("SendResult::value: the send succeeded, no value is left");
    return *value_;
  }

  SendStatus status_;
  std::size_t receivers_ = 0;
  std::optional<T> value_;
};

// The result of a receive: a value, or why there is none.
template <class T>
class [[nodiscard]] RecvResult {
 public:
  static RecvResult received(T value) { return RecvResult(std::move(value)); }
  static RecvResult failure(RecvStatus status, std::uint64_t lagged = 0) {
    return RecvResult(status, lagged);
  }

  RecvStatus status() const noexcept { return status_; }
  bool ok() const noexcept { return status_ == RecvStatus::ok; }
  bool has_value() const noexcept { return ok(); }
  explicit operator bool() const noexcept { return ok(); }
  bool is_empty() const noexcept { return status_ == RecvStatus::empty; }
  bool is_closed() const noexcept { return status_ == RecvStatus::closed; }
  bool is_lagged() const noexcept { return status_ == RecvStatus::lagged; }
  // How many values a lagging broadcast receiver skipped (0 unless is_lagged()).
  std::uint64_t lagged_count() const noexcept { return lagged_; }

  // The value. Throws ChannelError naming the status unless ok().
  T& value() & { return checked_value("recv failed"); }
  const T& value() const& { return const_cast<RecvResult*>(this)->checked_value("recv failed"); }
  T&& value() && { return std::move(checked_value("recv failed")); }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }
  T expect(std::string_view message) && { return std::move(checked_value(message)); }
  T unwrap() && { return std::move(checked_value("recv failed")); }
  // The value if any, dropping the reason otherwise.
  std::optional<T> to_optional() && { return std::move(value_); }

 private:
  explicit RecvResult(T value) : status_(RecvStatus::ok), value_(std::move(value)) {}
  RecvResult(RecvStatus status, std::uint64_t lagged) : status_(status), lagged_(lagged) {}
  T& checked_value(std::string_view message) {
    if (!ok()) {
      std::string text = std::string(message) + ": channel " + std::string(to_string(status_));
      if (is_lagged()) text += " by " + std::to_string(lagged_);
      throw ChannelError(text);
    }
    return *value_;
  }

  RecvStatus status_;
  std::uint64_t lagged_ = 0;
  std::optional<T> value_;
};

}  // namespace weft
