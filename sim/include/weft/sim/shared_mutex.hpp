// weft::sim::shared_mutex and shared_timed_mutex: std's reader-writer locks under weft's
// scheduler, for std::shared_lock / unique_lock as they are. std specifies no preference between
// readers and writers, and none is built in: every unlock wakes the waiters, who compete again,
// so whether a reader overtakes a waiting writer is a scheduling decision. Misuse (unlocking what
// the thread does not hold, locking again what it holds) ends the execution, as for mutex.
#pragma once
#include <chrono>
#include <shared_mutex>
#include <vector>

#include "weft/detail/primitive.hpp"
#include "weft/sim/chrono.hpp"
#include "weft/sim/mutex.hpp"
#include "weft/source_location.hpp"

namespace weft::sim {

using std::shared_lock;

namespace detail {

class SharedLockState {
 public:
  SharedLockState(const char* type, SourceLocation created) noexcept : type_(type) {
    weft::detail::record_creation(tag_, created);
  }
  SharedLockState(const SharedLockState&) = delete;
  SharedLockState& operator=(const SharedLockState&) = delete;

  // shared: a read hold. deadline: null waits for ever; with try_only, never waits.
  bool acquire(bool shared, const Instant* deadline, bool try_only, SourceLocation where);
  void release(bool shared, SourceLocation where);

 private:
  bool free_for(bool shared) const noexcept {
    return writer_ == kNoTask && (shared || readers_.empty());
  }
  void check_not_held(TaskId self, SourceLocation where) const;
  [[noreturn]] void misuse(const std::string& what, SourceLocation where) const;

  const char* type_;
  TaskId writer_ = kNoTask;
  std::vector<TaskId> readers_;  // one entry per read hold
  weft::detail::ObjectTag tag_;
  weft::detail::WaitQueue waiters_;
};

template <bool Timed>
class shared_lockable {
 public:
  explicit shared_lockable(SourceLocation created) noexcept
      : state_(Timed ? "std::shared_timed_mutex" : "std::shared_mutex", created) {}
  shared_lockable(const shared_lockable&) = delete;
  shared_lockable& operator=(const shared_lockable&) = delete;

  void lock(SourceLocation where = SourceLocation::current()) {
    state_.acquire(false, nullptr, false, where);
  }
  bool try_lock(SourceLocation where = SourceLocation::current()) {
    return state_.acquire(false, nullptr, true, where);
  }
  void unlock(SourceLocation where = SourceLocation::current()) { state_.release(false, where); }
  void lock_shared(SourceLocation where = SourceLocation::current()) {
    state_.acquire(true, nullptr, false, where);
  }
  bool try_lock_shared(SourceLocation where = SourceLocation::current()) {
    return state_.acquire(true, nullptr, true, where);
  }
  void unlock_shared(SourceLocation where = SourceLocation::current()) {
    state_.release(true, where);
  }

  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout,
                    SourceLocation where = SourceLocation::current()) requires Timed {
    const Instant deadline = saturating_add(virtual_now(), to_duration(timeout));
    return state_.acquire(false, &deadline, false, where);
  }
  template <class Clock, class Dur>
  bool try_lock_until(const std::chrono::time_point<Clock, Dur>& t,
                      SourceLocation where = SourceLocation::current()) requires Timed {
    const Instant deadline = to_instant(t);
    return state_.acquire(false, &deadline, false, where);
  }
  template <class Rep, class Period>
  bool try_lock_shared_for(const std::chrono::duration<Rep, Period>& timeout,
                           SourceLocation where = SourceLocation::current()) requires Timed {
    const Instant deadline = saturating_add(virtual_now(), to_duration(timeout));
    return state_.acquire(true, &deadline, false, where);
  }
  template <class Clock, class Dur>
  bool try_lock_shared_until(const std::chrono::time_point<Clock, Dur>& t,
                             SourceLocation where = SourceLocation::current()) requires Timed {
    const Instant deadline = to_instant(t);
    return state_.acquire(true, &deadline, false, where);
  }

 private:
  SharedLockState state_;
};

}  // namespace detail

class shared_mutex : public detail::shared_lockable<false> {
 public:
  shared_mutex(SourceLocation created = SourceLocation::current()) noexcept
      : shared_lockable(created) {}
};
class shared_timed_mutex : public detail::shared_lockable<true> {
 public:
  shared_timed_mutex(SourceLocation created = SourceLocation::current()) noexcept
      : shared_lockable(created) {}
};

}  // namespace weft::sim
