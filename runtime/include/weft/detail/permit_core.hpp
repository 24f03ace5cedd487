// The counting engine under Semaphore and bounded mpsc send slots: tokio's fair batch semaphore.
// Waiters are served in FIFO order and permits are handed to them directly, so a woken waiter
// that is dropped before it runs gives its permits back instead of losing the wake-up.
#pragma once
#include <cstddef>

#include "weft/detail/primitive.hpp"

namespace weft::detail {

class PermitCore {
 public:
  explicit PermitCore(std::size_t permits) noexcept : available_(permits) {}
  PermitCore(const PermitCore&) = delete;
  PermitCore& operator=(const PermitCore&) = delete;

  // Takes n permits if nobody is queued (fairness) and n are available.
  bool try_acquire(std::size_t n) noexcept;
  // Waits in FIFO order until n permits were handed over; false if closed first (then nothing is
  // held). Like tokio, the head of the queue collects permits as they come, so a large request
  // holds back smaller ones behind it. Throws TaskCancelled if the task is dropped while waiting.
  bool acquire(const OpSite& site, std::size_t n, const WaitInfo& info);
  // For a select branch (select_arm.hpp), the steps of acquire(): queue w for n permits (the
  // head collects what is available), whether it was served, and giving back what it was
  // handed when the branch is lost or dropped (abandon's give-back).
  bool can_acquire(std::size_t n) const noexcept {
    return !closed_ && queue_.empty() && available_ >= n;
  }
  void enqueue(const OpSite& site, Waiter& w, std::size_t n) noexcept;
  static bool granted(const Waiter& w) noexcept { return w.notified && w.tag == 0; }
  void give_back(const OpSite& site, Waiter& w, std::size_t requested) noexcept {
    abandon(site, w, requested);
  }
  // Returns n permits and hands them to queued waiters. Never suspends.
  void release(const OpSite& site, std::size_t n) noexcept;
  // Fails every current and future acquire; wakes the waiters.
  void close(const OpSite& site) noexcept;

  std::size_t available() const noexcept { return available_; }
  bool is_closed() const noexcept { return closed_; }
  bool has_waiters() const noexcept { return !queue_.empty(); }

 private:
  void dispatch(const OpSite& site) noexcept;
  void abandon(const OpSite& site, Waiter& w, std::size_t requested) noexcept;

  WaitQueue queue_;  // Waiter::tag: permits the waiter still needs
  std::size_t available_;
  bool closed_ = false;
};

}  // namespace weft::detail
