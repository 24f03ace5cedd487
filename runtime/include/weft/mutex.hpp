// weft::Mutex<T>: tokio's async Mutex. FIFO-fair, the data lives inside, access through an RAII
// guard; lock() suspends the task (never the thread) while another task holds the lock.
#pragma once
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "weft/detail/lock_core.hpp"
#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft {

class CondVar;

namespace detail {

// The half of Mutex that does not depend on T: locking, ownership, lock/unlock events.
class MutexBase {
 public:
  explicit MutexBase(SourceLocation created, std::string_view name = {}) {
    detail::record_creation(tag_, created);
    tag_.name = intern_object_name(name);
  }
  MutexBase(const MutexBase&) = delete;
  MutexBase& operator=(const MutexBase&) = delete;

  bool is_locked() const noexcept {
    detail::note_access(tag_, ObjectKind::mutex);
    return core_.is_locked();
  }

 protected:
  // Returns the owner recorded for the new guard.
  TaskId lock_raw(SourceLocation where);
  std::optional<TaskId> try_lock_raw(SourceLocation where);

 private:
  friend class MutexGuardBase;
  friend class weft::CondVar;
  // Acquires without a scheduling point (the caller had one); emits the lock event.
  TaskId acquire_after_point(const OpSite& site, SourceLocation where);
  void release(const OpSite& site, TaskId owner, SourceLocation where) noexcept;

  LockCore core_;
  mutable ObjectTag tag_;  // mutable: a const query assigns the id (note_access)
};

// The half of MutexGuard that does not depend on T; CondVar works on it.
class MutexGuardBase {
 public:
  MutexGuardBase(const MutexGuardBase&) = delete;
  MutexGuardBase& operator=(const MutexGuardBase&) = delete;
  // Releases the lock without a scheduling point (destructors never suspend).
  ~MutexGuardBase() { release_quietly(); }

  // Releases the lock now (a scheduling point first). Precondition: owns_lock().
  void unlock(SourceLocation where = SourceLocation::current());
  bool owns_lock() const noexcept { return mutex_ != nullptr && owns_; }

 protected:
  MutexGuardBase(MutexBase* mutex, TaskId owner) noexcept : mutex_(mutex), owner_(owner) {}
  MutexGuardBase(MutexGuardBase&& other) noexcept
      : mutex_(std::exchange(other.mutex_, nullptr)), owner_(other.owner_), owns_(other.owns_) {}
  void release_quietly() noexcept;
  void check_owns(const char* what) const;

 private:
  friend class weft::CondVar;
  MutexBase* mutex_;
  TaskId owner_;
  // false while a CondVar wait has released the lock, and after a wait that ended by unwinding.
  bool owns_ = true;
};

}  // namespace detail

template <class T>
class Mutex;

// Exclusive access to a Mutex's value until destroyed or unlock()ed. Movable, not copyable.
template <class T>
class MutexGuard : public detail::MutexGuardBase {
 public:
  MutexGuard(MutexGuard&&) noexcept = default;
  MutexGuard& operator=(MutexGuard&&) = delete;

  // Precondition for access: owns_lock().
  T& operator*() const {
    check_owns("MutexGuard::operator*");
    return *value_;
  }
  T* operator->() const {
    check_owns("MutexGuard::operator->");
    return value_;
  }

 private:
  friend class Mutex<T>;
  MutexGuard(detail::MutexBase* mutex, TaskId owner, T* value) noexcept
      : MutexGuardBase(mutex, owner), value_(value) {}
  T* value_;
};

template <class T>
class Mutex : public detail::MutexBase {
 public:
  // The construction site names the lock in reports and identifies it across executions (the
  // lock-order detector); the in_place form cannot record it.
  Mutex(SourceLocation created = SourceLocation::current()) : MutexBase(created) {}
  explicit Mutex(T value, SourceLocation created = SourceLocation::current())
      : MutexBase(created), value_(std::move(value)) {}
  // Named, as tasks are: reports call it "mutex 'name' #id".
  Mutex(T value, std::string_view name, SourceLocation created = SourceLocation::current())
      : MutexBase(created, name), value_(std::move(value)) {}
  template <class... Args>
  explicit Mutex(std::in_place_t, Args&&... args)
      : MutexBase(SourceLocation{}), value_(std::forward<Args>(args)...) {}

  // Suspends until the lock is free and every earlier waiter had its turn (FIFO).
  // Precondition: called from a task.
  MutexGuard<T> lock(SourceLocation where = SourceLocation::current()) {
    const TaskId owner = lock_raw(where);
    return MutexGuard<T>(this, owner, &value_);
  }
  // The guard if the lock is free and nobody queues for it, else std::nullopt.
  std::optional<MutexGuard<T>> try_lock(SourceLocation where = SourceLocation::current()) {
    if (auto owner = try_lock_raw(where)) return MutexGuard<T>(this, *owner, &value_);
    return std::nullopt;
  }
  // Direct access without locking. Precondition: no guard is alive (like tokio's get_mut).
  T& get_mut() noexcept { return value_; }

 private:
  T value_{};
};

}  // namespace weft
