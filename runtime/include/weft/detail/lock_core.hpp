// The lock state under Mutex and RwLock: FIFO-fair exclusive/shared acquisition with direct
// handoff (like tokio's locks, built on a fair semaphore), and the owners that deadlock reports
// name as the holder a blocked task waits for.
#pragma once
#include <cstddef>
#include <vector>

#include "weft/detail/primitive.hpp"

namespace weft::detail {

class LockCore {
 public:
  LockCore() = default;
  LockCore(const LockCore&) = delete;
  LockCore& operator=(const LockCore&) = delete;

  // Takes the lock for owner if it is free for this mode and nobody queues for it (a queued
  // writer holds back new readers: writer preference, as in tokio's RwLock).
  bool try_acquire(bool shared, TaskId owner);
  // Waits in FIFO order until the lock is handed to the current task. Throws TaskCancelled if
  // the task is dropped while waiting; a handoff that arrived meanwhile is passed on.
  void acquire(const OpSite& site, bool shared, WaitInfo info);
  // Releases one hold of owner and hands the lock to the next waiters. Never suspends.
  void release(const OpSite& site, bool shared, TaskId owner) noexcept;

  bool is_locked() const noexcept { return write_locked_ || !readers_.empty(); }
  bool is_write_locked() const noexcept { return write_locked_; }
  std::size_t reader_count() const noexcept { return readers_.size(); }
  // The task a new waiter would wait for: the writer, else the longest-holding reader.
  TaskId holder() const noexcept;

 private:
  bool free_for(bool shared) const noexcept;
  void grant(bool shared, TaskId owner);
  void dispatch(const OpSite& site) noexcept;
  void refresh_holders() noexcept;
  // The task queued waiter w waits for: the lock's holder, or, when the lock would take w now
  // (a reader behind a queued writer), the first waiter queued ahead of it.
  TaskId blocker_of(const Waiter& w) const noexcept;
  void abandon(const OpSite& site, Waiter& w) noexcept;

  WaitQueue queue_;  // Waiter::tag: 1 for a shared (read) request, 0 for exclusive
  bool write_locked_ = false;
  TaskId writer_ = kNoTask;
  std::vector<TaskId> readers_;  // one entry per read hold, oldest first
};

}  // namespace weft::detail
