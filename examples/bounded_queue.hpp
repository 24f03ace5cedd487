// A bounded blocking queue with close(): push waits while full, pop waits while empty, and after
// close() pushes fail and pops drain what is left, then return nothing.
//
// The bug (Fixed = false): close() wakes one waiting thread instead of all. With two consumers
// blocked on an empty queue, one wakes, sees the close and leaves; the other sleeps forever.
#pragma once
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "sync.hpp"

namespace examples {

template <class T, bool Fixed>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // false: the queue was closed (the value is dropped).
  bool push(T value) {
    sync::unique_lock<sync::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(value));
    not_empty_.notify_one();
    return true;
  }

  // Nothing once the queue is closed and empty.
  std::optional<T> pop() {
    sync::unique_lock<sync::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return value;
  }

  void close() {
    sync::lock_guard<sync::mutex> lock(mutex_);
    closed_ = true;
    if constexpr (Fixed) {
      not_empty_.notify_all();
      not_full_.notify_all();
    } else {
      not_empty_.notify_one();  // BUG: every waiter must learn about the close
      not_full_.notify_one();
    }
  }

 private:
  const std::size_t capacity_;
  sync::mutex mutex_;
  sync::condition_variable not_empty_;
  sync::condition_variable not_full_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace examples
