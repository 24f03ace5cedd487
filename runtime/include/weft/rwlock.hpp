// weft::RwLock<T>: tokio's fair RwLock. Readers share, a writer excludes everyone, and requests
// are served in FIFO order, so a queued writer holds back readers that arrive after it.
#pragma once
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "weft/detail/lock_core.hpp"
#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft {

namespace detail {

// The half of RwLock that does not depend on T. Events: Op::lock_shared / Op::lock when a read /
// write hold is acquired (value 1 when by try_read / try_write), Op::unlock (value 1 for a read
// hold, 0 for a write hold) on release.
class RwLockBase {
 public:
  explicit RwLockBase(SourceLocation created, std::string_view name = {}) {
    detail::record_creation(tag_, created);
    tag_.name = intern_object_name(name);
  }
  RwLockBase(const RwLockBase&) = delete;
  RwLockBase& operator=(const RwLockBase&) = delete;

  std::size_t reader_count() const noexcept {
    detail::note_access(tag_, ObjectKind::rwlock);
    return core_.reader_count();
  }
  bool is_write_locked() const noexcept {
    detail::note_access(tag_, ObjectKind::rwlock);
    return core_.is_write_locked();
  }

 protected:
  TaskId lock_raw(bool shared, SourceLocation where);
  std::optional<TaskId> try_lock_raw(bool shared, SourceLocation where);

 private:
  friend class RwLockGuardBase;
  void release(const OpSite& site, bool shared, TaskId owner, SourceLocation where) noexcept;

  LockCore core_;
  mutable ObjectTag tag_;  // mutable: a const query assigns the id (note_access)
};

class RwLockGuardBase {
 public:
  RwLockGuardBase(const RwLockGuardBase&) = delete;
  RwLockGuardBase& operator=(const RwLockGuardBase&) = delete;
  ~RwLockGuardBase() { release_quietly(); }

  // Releases the hold now (a scheduling point first). Precondition: owns_lock().
  void unlock(SourceLocation where = SourceLocation::current());
  bool owns_lock() const noexcept { return lock_ != nullptr; }

 protected:
  RwLockGuardBase(RwLockBase* lock, bool shared, TaskId owner) noexcept
      : lock_(lock), shared_(shared), owner_(owner) {}
  RwLockGuardBase(RwLockGuardBase&& other) noexcept
      : lock_(std::exchange(other.lock_, nullptr)), shared_(other.shared_), owner_(other.owner_) {}
  void release_quietly() noexcept;
  void check_owns(const char* what) const;

 private:
  RwLockBase* lock_;
  bool shared_;
  TaskId owner_;
};

}  // namespace detail

template <class T>
class RwLock;

// Shared read access until destroyed or unlock()ed.
template <class T>
class RwLockReadGuard : public detail::RwLockGuardBase {
 public:
  RwLockReadGuard(RwLockReadGuard&&) noexcept = default;
  RwLockReadGuard& operator=(RwLockReadGuard&&) = delete;
  // Precondition for access: owns_lock().
  const T& operator*() const {
    check_owns("RwLockReadGuard::operator*");
    return *value_;
  }
  const T* operator->() const {
    check_owns("RwLockReadGuard::operator->");
    return value_;
  }

 private:
  friend class RwLock<T>;
  RwLockReadGuard(detail::RwLockBase* lock, TaskId owner, const T* value) noexcept
      : RwLockGuardBase(lock, true, owner), value_(value) {}
  const T* value_;
};

// Exclusive write access until destroyed or unlock()ed.
template <class T>
class RwLockWriteGuard : public detail::RwLockGuardBase {
 public:
  RwLockWriteGuard(RwLockWriteGuard&&) noexcept = default;
  RwLockWriteGuard& operator=(RwLockWriteGuard&&) = delete;
  T& operator*() const {
    check_owns("RwLockWriteGuard::operator*");
    return *value_;
  }
  T* operator->() const {
    check_owns("RwLockWriteGuard::operator->");
    return value_;
  }

 private:
  friend class RwLock<T>;
  RwLockWriteGuard(detail::RwLockBase* lock, TaskId owner, T* value) noexcept
      : RwLockGuardBase(lock, false, owner), value_(value) {}
  T* value_;
};

template <class T>
class RwLock : public detail::RwLockBase {
 public:
  // The construction site names the lock in reports and identifies it across executions; the
  // in_place form cannot record it.
  RwLock(SourceLocation created = SourceLocation::current()) : RwLockBase(created) {}
  explicit RwLock(T value, SourceLocation created = SourceLocation::current())
      : RwLockBase(created), value_(std::move(value)) {}
  // Named, as tasks are: reports call it "rwlock 'name' #id".
  RwLock(T value, std::string_view name, SourceLocation created = SourceLocation::current())
      : RwLockBase(created, name), value_(std::move(value)) {}
  template <class... Args>
  explicit RwLock(std::in_place_t, Args&&... args)
      : RwLockBase(SourceLocation{}), value_(std::forward<Args>(args)...) {}

  // Suspends while a writer holds the lock or any request queued earlier is still waiting.
  // Precondition (both): called from a task.
  RwLockReadGuard<T> read(SourceLocation where = SourceLocation::current()) {
    const TaskId owner = lock_raw(true, where);
    return RwLockReadGuard<T>(this, owner, &value_);
  }
  // Suspends until no reader or writer holds the lock and earlier requests were served.
  RwLockWriteGuard<T> write(SourceLocation where = SourceLocation::current()) {
    const TaskId owner = lock_raw(false, where);
    return RwLockWriteGuard<T>(this, owner, &value_);
  }
  std::optional<RwLockReadGuard<T>> try_read(SourceLocation where = SourceLocation::current()) {
    if (auto owner = try_lock_raw(true, where)) return RwLockReadGuard<T>(this, *owner, &value_);
    return std::nullopt;
  }
  std::optional<RwLockWriteGuard<T>> try_write(SourceLocation where = SourceLocation::current()) {
    if (auto owner = try_lock_raw(false, where)) return RwLockWriteGuard<T>(this, *owner, &value_);
    return std::nullopt;
  }
  // Direct access without locking. Precondition: no guard is alive.
  T& get_mut() noexcept { return value_; }

 private:
  T value_{};
};

}  // namespace weft
