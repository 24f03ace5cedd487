// weft::sim reader-writer locks: competing acquisition, misuse, timed waits.
#include "weft/sim/shared_mutex.hpp"

#include <algorithm>

#include "weft/sim/detail/site.hpp"

namespace weft::sim::detail {

namespace wd = weft::detail;

void SharedLockState::misuse(const std::string& what, SourceLocation where) const {
  wd::terminate_execution(std::string(type_) + " " + what + " (undefined behaviour; the mutex " +
                              "was created at " + where_text(tag_.created) + ")",
                          where);
}

void SharedLockState::check_not_held(TaskId self, SourceLocation where) const {
  if (writer_ == self)
    misuse("locked again by " + current_thread_label() + ", which holds it exclusively", where);
  if (std::find(readers_.begin(), readers_.end(), self) != readers_.end())
    misuse("locked again by " + current_thread_label() + ", which holds it shared", where);
}

bool SharedLockState::acquire(bool shared, const Instant* deadline, bool try_only,
                              SourceLocation where) {
  const Op op = shared ? Op::lock_shared : Op::lock;
  const wd::OpSite site = try_only
                              ? wd::enter_op(tag_, ObjectKind::rwlock, op, where)
                              : wd::enter_blocking_op(type_, tag_, ObjectKind::rwlock, op, where);
  const TaskId self = wd::task_id(wd::current_task());
  if (site.in_task) check_not_held(self, where);
  while (!free_for(shared)) {
    if (try_only) return false;
    wd::Waiter w(wd::current_task());
    waiters_.push_back(w);
    const TaskId holder = writer_ != kNoTask ? writer_ : readers_.front();
    const wd::WaitInfo info{op, ObjectKind::rwlock, site.id, holder, where};
    if (wd::block_queued(*site.s, w, info, deadline) == wd::WakeReason::timed_out &&
        !free_for(shared))
      return false;
  }
  if (shared)
    readers_.push_back(self);
  else
    writer_ = self;
  // A try, timed or not, cannot wait forever: no lock-order edge (observer.hpp).
  wd::emit_done(site, op, ObjectKind::rwlock, try_only || deadline != nullptr ? 1 : 0, where);
  return true;
}

void SharedLockState::release(bool shared, SourceLocation where) {
  const wd::OpSite site = nonblocking_site(tag_, ObjectKind::rwlock, Op::unlock, where);
  const TaskId self = wd::task_id(wd::current_task());
  if (shared) {
    auto it = std::find(readers_.begin(), readers_.end(), self);
    if (it == readers_.end()) {
      if (unwinding_dropped_thread()) return;
      misuse("unlock_shared() by " + current_thread_label() + ", which holds no read lock", where);
    }
    readers_.erase(it);
  } else {
    if (writer_ != self) {
      if (unwinding_dropped_thread()) return;
      misuse("unlock() by " + current_thread_label() + ", which does not hold it exclusively",
             where);
    }
    writer_ = kNoTask;
  }
  wd::emit_done(site, Op::unlock, ObjectKind::rwlock, shared ? 1 : 0, where);
  if (readers_.empty()) wd::wake_all(site, waiters_);  // free for anyone: all compete
}

}  // namespace weft::sim::detail
