// RwLock read/write locking and guard release: scheduling points, owners and events.
#include "weft/rwlock.hpp"

#include <string>

namespace weft::detail {
namespace {
Op acquire_op(bool shared) { return shared ? Op::lock_shared : Op::lock; }
}  // namespace

TaskId RwLockBase::lock_raw(bool shared, SourceLocation where) {
  const Op op = acquire_op(shared);
  const OpSite site = enter_blocking_op(shared ? "RwLock::read" : "RwLock::write", tag_,
                                        ObjectKind::rwlock, op, where);
  core_.acquire(site, shared, WaitInfo{op, ObjectKind::rwlock, site.id, kNoTask, where});
  emit_done(site, op, ObjectKind::rwlock, 0, where);
  return task_id(current_task());
}

std::optional<TaskId> RwLockBase::try_lock_raw(bool shared, SourceLocation where) {
  const Op op = acquire_op(shared);
  const OpSite site = enter_op(tag_, ObjectKind::rwlock, op, where);
  const TaskId owner = task_id(current_task());
  // A failed attempt emits nothing: a lock event always means "now held".
  if (!core_.try_acquire(shared, owner)) return std::nullopt;
  emit_done(site, op, ObjectKind::rwlock, 1, where);  // 1: by try_read / try_write
  return owner;
}

void RwLockBase::release(const OpSite& site, bool shared, TaskId owner,
                         SourceLocation where) noexcept {
  emit_done(site, Op::unlock, ObjectKind::rwlock, shared ? 1 : 0, where);
  core_.release(site, shared, owner);
}

void RwLockGuardBase::check_owns(const char* what) const {
  if (!owns_lock()) throw std::logic_error(std::string(what) + " on a guard that holds no lock");
}

void RwLockGuardBase::unlock(SourceLocation where) {
  check_owns("RwLock guard unlock");
  const OpSite site = enter_op(lock_->tag_, ObjectKind::rwlock, Op::unlock, where);
  lock_->release(site, shared_, owner_, where);
  lock_ = nullptr;
}

void RwLockGuardBase::release_quietly() noexcept {
  if (lock_ == nullptr) return;
  RwLockBase* lock = std::exchange(lock_, nullptr);
  lock->release(quiet_site(lock->tag_, ObjectKind::rwlock), shared_, owner_, {});
}

}  // namespace weft::detail
