// A vector that keeps its first N elements inline, for the partial-order reduction's short lists.
// A step touches its own key, its operation's object and seldom more; a step waits on one or two
// other steps; a decision has a handful of candidates. As std::vector these lists were the DPOR
// search's most frequent allocations: every step recorded, every sleeper copied between
// decisions, every branch of a wake-up tree (docs/dpor.md, "Speed"). Trivially copyable elements
// only, so that copies are plain copies and growing needs no element moves.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

namespace weft {

template <typename T, std::uint32_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "elements are copied as bytes");
  static_assert(N > 0);

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  SmallVector(const SmallVector& other) {
    if (other.size_ <= N)
      copy_inline(other);
    else
      append(other.begin(), other.end());
  }
  SmallVector(SmallVector&& other) noexcept { take(other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this == &other) return *this;
    if (!heap_ && other.size_ <= N) {
      copy_inline(other);
    } else {
      clear();
      append(other.begin(), other.end());
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      heap_.reset();
      take(other);
    }
    return *this;
  }
  ~SmallVector() = default;

  T* data() noexcept { return heap_ ? heap_.get() : inline_; }
  const T* data() const noexcept { return heap_ ? heap_.get() : inline_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size_; }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size_; }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }
  T& back() noexcept { return data()[size_ - 1]; }
  const T& back() const noexcept { return data()[size_ - 1]; }

  void push_back(const T& value) {
    if (size_ == capacity_) grow(size_ + 1);
    data()[size_++] = value;
  }
  void pop_back() noexcept { --size_; }
  void reserve(std::size_t count) {
    if (count > capacity_) grow(count);
  }
  // Keeps the memory, as std::vector::clear does.
  void clear() noexcept { size_ = 0; }
  void assign(std::size_t count, const T& value) {
    clear();
    if (count > capacity_) grow(count);
    std::fill_n(data(), count, value);
    size_ = static_cast<std::uint32_t>(count);
  }
  void append(const T* first, const T* last) {
    const auto count = static_cast<std::size_t>(last - first);
    if (size_ + count > capacity_) grow(size_ + count);
    std::copy(first, last, data() + size_);
    size_ += static_cast<std::uint32_t>(count);
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  void grow(std::size_t at_least) {
    const std::size_t capacity = std::max<std::size_t>(at_least, std::size_t{capacity_} * 2);
    auto bigger = std::make_unique_for_overwrite<T[]>(capacity);
    std::copy(begin(), end(), bigger.get());
    heap_ = std::move(bigger);
    capacity_ = static_cast<std::uint32_t>(capacity);
  }
  // The whole inline block, a copy of constant size the compiler inlines (the elements past
  // size_ are copied too, unused).
  void copy_inline(const SmallVector& other) noexcept {
    std::memcpy(inline_, other.data(), sizeof inline_);
    size_ = other.size_;
  }
  void take(SmallVector& other) noexcept {
    size_ = other.size_;
    if (other.heap_) {
      heap_ = std::move(other.heap_);
      capacity_ = other.capacity_;
    } else {
      std::memcpy(inline_, other.inline_, sizeof inline_);
      capacity_ = N;
    }
    other.size_ = 0;
    other.capacity_ = N;
  }

  std::unique_ptr<T[]> heap_;  // the elements once more than N were held; else inline_
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = N;
  T inline_[N]{};  // initialised: whole-block copies read it all
};

}  // namespace weft
