// The value queue of a channel: a growable ring. Unlike std::deque it allocates nothing until the
// first value arrives, and a move leaves the source empty without allocating; a test scenario
// makes channels by the thousand per second, most carrying a few values.
#pragma once
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace weft::detail {

template <class T>
class Fifo {
 public:
  Fifo() noexcept = default;
  Fifo(Fifo&& other) noexcept
      : slots_(std::exchange(other.slots_, nullptr)),
        capacity_(std::exchange(other.capacity_, 0)),
        head_(std::exchange(other.head_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  Fifo& operator=(Fifo&& other) noexcept {
    if (this != &other) {
      release();
      slots_ = std::exchange(other.slots_, nullptr);
      capacity_ = std::exchange(other.capacity_, 0);
      head_ = std::exchange(other.head_, 0);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  Fifo(const Fifo&) = delete;
  Fifo& operator=(const Fifo&) = delete;
  ~Fifo() { release(); }

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  // Preconditions: !empty().
  T& front() noexcept { return slots_[head_]; }

  void push_back(T&& value) {
    if (size_ == capacity_) grow();
    ::new (static_cast<void*>(slots_ + ((head_ + size_) & (capacity_ - 1)))) T(std::move(value));
    ++size_;
  }
  void pop_front() noexcept {
    std::destroy_at(slots_ + head_);
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
  }
  void clear() noexcept {
    while (size_ != 0) pop_front();
    head_ = 0;
  }

 private:
  void grow() {
    const std::size_t capacity = capacity_ == 0 ? 4 : capacity_ * 2;  // a power of two
    T* slots = static_cast<T*>(::operator new (capacity * sizeof(T), std::align_val_t{alignof(T)}));
    std::size_t moved = 0;
    try {
      for (; moved < size_; ++moved)
        ::new (static_cast<void*>(slots + moved))
            T(std::move_if_noexcept(slots_[(head_ + moved) & (capacity_ - 1)]));
    } catch (...) {
      std::destroy_n(slots, moved);
      ::operator delete (slots, std::align_val_t{alignof(T)});
      throw;
    }
    const std::size_t size = size_;
    release();
    slots_ = slots;
    capacity_ = capacity;
    head_ = 0;
    size_ = size;
  }
  void release() noexcept {
    clear();
    if (slots_ != nullptr) ::operator delete (slots_, std::align_val_t{alignof(T)});
    slots_ = nullptr;
    capacity_ = 0;
  }

  T* slots_ = nullptr;
  std::size_t capacity_ = 0;  // 0 or a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace weft::detail
