// weft::sim::latch: std::latch under weft's scheduler. Counting down below zero is undefined
// behaviour in std: the execution ends saying so.
#pragma once
#include <cstddef>
#include <limits>

#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft::sim {

class latch {
 public:
  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::ptrdiff_t>::max();
  }
  // The constructor's location names it in reports.
  constexpr explicit latch(std::ptrdiff_t expected,
                           SourceLocation created = SourceLocation::current())
      : count_(expected) {
    weft::detail::record_creation(tag_, created);
  }
  latch(const latch&) = delete;
  latch& operator=(const latch&) = delete;

  void count_down(std::ptrdiff_t n = 1, SourceLocation where = SourceLocation::current());
  bool try_wait(SourceLocation where = SourceLocation::current()) const noexcept;
  void wait(SourceLocation where = SourceLocation::current()) const;
  void arrive_and_wait(std::ptrdiff_t n = 1, SourceLocation where = SourceLocation::current());

 private:
  void decrement(const weft::detail::OpSite& site, std::ptrdiff_t n, SourceLocation where);
  void block_until_zero(const weft::detail::OpSite& site, SourceLocation where) const;

  std::ptrdiff_t count_;
  mutable weft::detail::ObjectTag tag_;
  mutable weft::detail::WaitQueue waiters_;
};

}  // namespace weft::sim
