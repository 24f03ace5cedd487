// FIFO lock handoff and holder tracking (see lock_core.hpp).
#include "weft/detail/lock_core.hpp"

#include <algorithm>

namespace weft::detail {

TaskId LockCore::holder() const noexcept {
  if (write_locked_) return writer_;
  return readers_.empty() ? kNoTask : readers_.front();
}

bool LockCore::free_for(bool shared) const noexcept {
  return shared ? !write_locked_ : !write_locked_ && readers_.empty();
}

bool LockCore::try_acquire(bool shared, TaskId owner) {
  if (!queue_.empty() || !free_for(shared)) return false;
  grant(shared, owner);
  return true;
}

void LockCore::grant(bool shared, TaskId owner) {
  if (shared) {
    readers_.push_back(owner);
  } else {
    write_locked_ = true;
    writer_ = owner;
  }
}

void LockCore::acquire(const OpSite& site, bool shared, WaitInfo info) {
  Task* self = current_task();
  if (try_acquire(shared, task_id(self))) return;
  ScopedWaiter w(self, shared ? 1 : 0);
  queue_.push_back(w);
  struct Abandon {
    LockCore& core;
    const OpSite& site;
    Waiter& w;
    bool done = false;
    ~Abandon() {
      if (!done) core.abandon(site, w);
    }
  } abandon{*this, site, w};
  while (!w.notified) {
    info.holder = blocker_of(w);
    block(*site.s, info);
  }
  abandon.done = true;  // dispatch() already made this task the owner
}

void LockCore::release(const OpSite& site, bool shared, TaskId owner) noexcept {
  if (shared) {
    auto it = std::find(readers_.begin(), readers_.end(), owner);
    if (it == readers_.end()) it = readers_.begin();  // a guard moved to another task
    if (it != readers_.end()) readers_.erase(it);
  } else {
    write_locked_ = false;
    writer_ = kNoTask;
  }
  dispatch(site);
}

void LockCore::dispatch(const OpSite& site) noexcept {
  while (Waiter* w = queue_.front()) {
    const bool shared = w->tag == 1;
    if (!free_for(shared) || site.s == nullptr) break;
    grant(shared, task_id(w->task));
    wake_one(site, queue_);
  }
  refresh_holders();
}

void LockCore::refresh_holders() noexcept {
  for (Waiter* w = queue_.front(); w != nullptr; w = w->next)
    set_wait_holder(w->task, blocker_of(*w));
}

TaskId LockCore::blocker_of(const Waiter& w) const noexcept {
  const Waiter* first = queue_.front();
  if (first != nullptr && first != &w && free_for(w.tag == 1)) return task_id(first->task);
  return holder();
}

void LockCore::abandon(const OpSite& site, Waiter& w) noexcept {
  if (w.notified) {
    // Handed the lock but dropped before running: pass it on, as if acquired and released.
    release(site, w.tag == 1, task_id(w.task));
  } else {
    // Leaving the queue may unblock readers that queued behind this waiter.
    queue_.remove(w);
    dispatch(site);
  }
}

}  // namespace weft::detail
