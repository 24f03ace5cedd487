// weft::Barrier: tokio's Barrier. n tasks wait until all n arrived; the last to arrive is the
// leader. The barrier resets and can be used again.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft {

class BarrierWaitResult {
 public:
  explicit BarrierWaitResult(bool leader) noexcept : leader_(leader) {}
  // Exactly one task per generation is the leader.
  bool is_leader() const noexcept { return leader_; }

 private:
  bool leader_;
};

class Barrier {
 public:
  // A barrier for n tasks (0 behaves like 1, as in tokio). The construction site (and a name, if
  // given) identify it in reports.
  explicit Barrier(std::size_t n, SourceLocation created = SourceLocation::current()) noexcept
      : n_(n == 0 ? 1 : n) {
    detail::record_creation(tag_, created);
  }
  Barrier(std::size_t n, std::string_view name, SourceLocation created = SourceLocation::current())
      : Barrier(n, created) {
    tag_.name = detail::intern_object_name(name);
  }
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // Waits until n tasks have called wait() in this generation. A task dropped while waiting
  // still counts as arrived (tokio's wait is not cancel safe either).
  // Precondition: called from a task.
  BarrierWaitResult wait(SourceLocation where = SourceLocation::current());

 private:
  detail::ObjectTag tag_;
  detail::WaitQueue waiters_;
  std::size_t n_;
  std::size_t arrived_ = 0;
  std::uint64_t generation_ = 0;
};

}  // namespace weft
