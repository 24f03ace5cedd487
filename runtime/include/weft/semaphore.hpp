// weft::Semaphore: tokio's fair counting semaphore. acquire(n) waits in FIFO order and returns an
// RAII permit that gives its permits back when destroyed.
#pragma once
#include <cstddef>
#include <optional>
#include <utility>

#include "weft/detail/permit_core.hpp"
#include "weft/source_location.hpp"

namespace weft {

class Semaphore;

// n permits of a Semaphore, returned on destruction (without a scheduling point) unless forgotten.
class [[nodiscard]] SemaphorePermit {
 public:
  SemaphorePermit(SemaphorePermit&& other) noexcept
      : sem_(std::exchange(other.sem_, nullptr)), permits_(std::exchange(other.permits_, 0)) {}
  SemaphorePermit& operator=(SemaphorePermit&&) = delete;
  SemaphorePermit(const SemaphorePermit&) = delete;
  ~SemaphorePermit();

  std::size_t num_permits() const noexcept { return permits_; }
  // Keeps the permits out of the semaphore for good (tokio's forget).
  void forget() noexcept {
    sem_ = nullptr;
    permits_ = 0;
  }

 private:
  friend class Semaphore;
  SemaphorePermit(Semaphore* sem, std::size_t permits) noexcept : sem_(sem), permits_(permits) {}
  Semaphore* sem_;
  std::size_t permits_;
};

class Semaphore {
 public:
  explicit Semaphore(std::size_t permits) noexcept : core_(permits) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // Waits until n permits were handed to this task; waiters are served in FIFO order, and a
  // waiter asking for many holds back later ones asking for few. Precondition: from a task.
  SemaphorePermit acquire(std::size_t n = 1, SourceLocation where = SourceLocation::current());
  // n permits if nobody is queued and n are available, else std::nullopt.
  std::optional<SemaphorePermit> try_acquire(std::size_t n = 1,
                                             SourceLocation where = SourceLocation::current());
  // Adds n permits (tokio's add_permits), waking queued waiters that can now be served.
  void release(std::size_t n = 1, SourceLocation where = SourceLocation::current());
  std::size_t available_permits() const noexcept { return core_.available(); }

 private:
  friend class SemaphorePermit;
  void give_back(std::size_t n) noexcept;

  detail::PermitCore core_;
  detail::ObjectTag tag_;
};

}  // namespace weft
