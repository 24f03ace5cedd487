// RankedSlots: items in slots appended in order, each slot counted or not, with the i-th counted
// slot found in O(log n) (a Fenwick tree of the counts, searched by binary lifting). An explored
// shutdown keeps its candidates in two of them (the droppable live tasks in id order and the
// runnable ones in run-queue order), so that a drop decision among n tasks costs O(log n) instead
// of listing the n tasks, and removing a task anywhere costs O(log n) instead of an erase.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace weft::detail {

template <class T>
class RankedSlots {
 public:
  // Appends a slot holding `item`; returns its number (slots are numbered in append order).
  std::uint32_t append(T* item, bool counted) {
    const std::size_t node = items_.size() + 1;  // the tree is 1-based
    items_.push_back(item);
    counted_.push_back(counted ? 1 : 0);
    // Node i sums the slots (i - lowbit(i), i]: its own slot plus its children i - 2^k for every
    // 2^k < lowbit(i), all of which exist already.
    std::uint32_t sum = counted ? 1 : 0;
    const std::size_t low = node & (~node + 1);
    for (std::size_t step = 1; step < low; step <<= 1) sum += tree_[node - step - 1];
    tree_.push_back(sum);
    count_ += counted ? 1 : 0;
    return static_cast<std::uint32_t>(node - 1);
  }

  // Precondition: slot < size().
  void set(std::uint32_t slot, bool counted) noexcept {
    if ((counted_[slot] != 0) == counted) return;
    counted_[slot] = counted ? 1 : 0;
    const std::uint32_t add = counted ? 1 : ~std::uint32_t{0};  // +1 or -1, modulo 2^32
    for (std::size_t node = std::size_t{slot} + 1; node <= tree_.size(); node += node & (~node + 1))
      tree_[node - 1] += add;
    count_ = counted ? count_ + 1 : count_ - 1;
  }

  // The slot of the i-th counted slot (0-based, in slot order). Precondition: i < count().
  std::uint32_t find(std::size_t i) const noexcept {
    std::size_t node = 0;
    std::size_t step = 1;
    while (step * 2 <= tree_.size()) step *= 2;
    for (; step != 0; step >>= 1) {
      if (node + step <= tree_.size() && tree_[node + step - 1] <= i) {
        node += step;
        i -= tree_[node - 1];
      }
    }
    return static_cast<std::uint32_t>(node);  // node + 1 is the 1-based answer
  }

  // How many counted slots have a number >= slot. Precondition: slot <= size().
  std::size_t count_from(std::uint32_t slot) const noexcept {
    std::size_t below = 0;
    for (std::size_t node = slot; node != 0; node &= node - 1) below += tree_[node - 1];
    return count_ - below;
  }

  T* item(std::uint32_t slot) const noexcept { return items_[slot]; }
  std::size_t count() const noexcept { return count_; }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(items_.size()); }
  // Empties it, keeping the memory for the next use unless it held more than `keep` slots.
  void clear(std::size_t keep = ~std::size_t{0}) noexcept {
    if (items_.capacity() > keep) {
      *this = RankedSlots();
      return;
    }
    items_.clear();
    counted_.clear();
    tree_.clear();
    count_ = 0;
  }

 private:
  std::vector<T*> items_;
  std::vector<std::uint8_t> counted_;
  std::vector<std::uint32_t> tree_;
  std::size_t count_ = 0;
};

}  // namespace weft::detail
