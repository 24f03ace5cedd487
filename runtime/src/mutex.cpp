// Mutex locking and guard release: scheduling points, ownership and lock/unlock events.
#include "weft/mutex.hpp"

namespace weft::detail {

TaskId MutexBase::lock_raw(SourceLocation where) {
  const OpSite site = enter_blocking_op("Mutex::lock", tag_, ObjectKind::mutex, Op::lock, where);
  return acquire_after_point(site, where);
}

TaskId MutexBase::acquire_after_point(const OpSite& site, SourceLocation where) {
  core_.acquire(site, false, WaitInfo{Op::lock, ObjectKind::mutex, site.id, kNoTask, where});
  emit_done(site, Op::lock, ObjectKind::mutex, 0, where);
  return task_id(current_task());
}

std::optional<TaskId> MutexBase::try_lock_raw(SourceLocation where) {
  const OpSite site = enter_op(tag_, ObjectKind::mutex, Op::lock, where);
  const TaskId owner = task_id(current_task());
  // A failed try_lock emits nothing: a lock event always means "now held".
  if (!core_.try_acquire(false, owner)) return std::nullopt;
  // value 1: taken by try_lock, which cannot block (the lock-order detector draws no edge to it).
  emit_done(site, Op::lock, ObjectKind::mutex, 1, where);
  return owner;
}

void MutexBase::release(const OpSite& site, TaskId owner, SourceLocation where) noexcept {
  emit_done(site, Op::unlock, ObjectKind::mutex, 0, where);
  core_.release(site, false, owner);
}

void MutexGuardBase::check_owns(const char* what) const {
  if (!owns_lock()) throw std::logic_error(std::string(what) + " on a guard that holds no lock");
}

void MutexGuardBase::unlock(SourceLocation where) {
  check_owns("MutexGuard::unlock");
  const OpSite site = enter_op(mutex_->tag_, ObjectKind::mutex, Op::unlock, where);
  owns_ = false;
  mutex_->release(site, owner_, where);
}

void MutexGuardBase::release_quietly() noexcept {
  if (!owns_lock()) return;
  owns_ = false;
  mutex_->release(quiet_site(mutex_->tag_, ObjectKind::mutex), owner_, SourceLocation{});
}

}  // namespace weft::detail
