// weft::sim mutexes: std::mutex, timed_mutex, recursive_mutex, recursive_timed_mutex, once_flag
// and call_once under weft's scheduler, for std::lock_guard / unique_lock / scoped_lock as they
// are (re-exported here, so sync::unique_lock works with either namespace).
//
// Semantics of the standard, not of tokio: no fairness. unlock() frees the mutex and wakes one
// waiter, which must take it again; any thread that locks before the woken one runs gets it
// instead (barging, as on pthreads), so who gets a released mutex is a scheduling decision.
// Undefined behaviour the real program may or may not survive (unlocking a mutex the thread does
// not hold, locking a non-recursive mutex twice) ends the execution as a failure that says so
// (weft::Terminated), rather than deadlocking or going on. Every operation is a scheduling point
// with the caller's source location; the constructor's location names the mutex in reports.
#pragma once
#include <chrono>
#include <functional>
#include <mutex>
#include <type_traits>
#include <utility>

#include "weft/detail/primitive.hpp"
#include "weft/sim/chrono.hpp"
#include "weft/source_location.hpp"

namespace weft::sim {

using std::adopt_lock;
using std::adopt_lock_t;
using std::defer_lock;
using std::defer_lock_t;
using std::lock;
using std::lock_guard;
using std::scoped_lock;
using std::try_lock;
using std::try_to_lock;
using std::try_to_lock_t;
using std::unique_lock;

namespace detail {

// The lock state under every weft::sim mutex: held or not, by whom, how often (recursive), and
// the threads waiting. `type` names the std type in failure messages.
class LockState {
 public:
  LockState(const char* type, bool recursive, SourceLocation created) noexcept
      : type_(type), recursive_(recursive) {
    weft::detail::record_creation(tag_, created);
  }
  LockState(const LockState&) = delete;
  LockState& operator=(const LockState&) = delete;

  void lock(SourceLocation where);
  bool try_lock(SourceLocation where);
  // false when the deadline passed first.
  bool try_lock_until(Instant deadline, SourceLocation where);
  void unlock(SourceLocation where);

 private:
  // Takes the lock if free (or held by this thread, recursively). Ends the execution when a
  // non-recursive mutex is locked again by its holder.
  // timed: a try_lock_for/until, which waits but not forever (reported as a try).
  bool take(const weft::detail::OpSite& site, bool blocking, SourceLocation where,
            bool timed = false);
  bool acquire(const weft::detail::OpSite& site, const Instant* deadline, SourceLocation where);
  [[noreturn]] void misuse(const std::string& what, SourceLocation where) const;

  const char* type_;
  bool recursive_;
  bool locked_ = false;
  TaskId owner_ = kNoTask;
  unsigned depth_ = 0;
  weft::detail::ObjectTag tag_;
  weft::detail::WaitQueue waiters_;
};

}  // namespace detail

namespace detail {
// The four std mutex types in one: Recursive lets the holder lock again (unlocked by as many
// unlocks); Timed adds try_lock_for/try_lock_until, whose waits are on the virtual clock.
template <bool Recursive, bool Timed>
class lockable {
 public:
  explicit lockable(SourceLocation created) noexcept : state_(type_name(), Recursive, created) {}
  lockable(const lockable&) = delete;
  lockable& operator=(const lockable&) = delete;

  void lock(SourceLocation where = SourceLocation::current()) { state_.lock(where); }
  bool try_lock(SourceLocation where = SourceLocation::current()) { return state_.try_lock(where); }
  void unlock(SourceLocation where = SourceLocation::current()) { state_.unlock(where); }

  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout,
                    SourceLocation where = SourceLocation::current()) requires Timed {
    return state_.try_lock_until(saturating_add(virtual_now(), to_duration(timeout)), where);
  }
  template <class Clock, class Dur>
  bool try_lock_until(const std::chrono::time_point<Clock, Dur>& deadline,
                      SourceLocation where = SourceLocation::current()) requires Timed {
    return state_.try_lock_until(to_instant(deadline), where);
  }

 private:
  static constexpr const char* type_name() {
    if (Recursive) return Timed ? "std::recursive_timed_mutex" : "std::recursive_mutex";
    return Timed ? "std::timed_mutex" : "std::mutex";
  }
  LockState state_;
};
}  // namespace detail

class mutex : public detail::lockable<false, false> {
 public:
  // Spelled out: an inherited constructor would record this header as the creation site.
  mutex(SourceLocation created = SourceLocation::current()) noexcept : lockable(created) {}
};
class recursive_mutex : public detail::lockable<true, false> {
 public:
  recursive_mutex(SourceLocation created = SourceLocation::current()) noexcept
      : lockable(created) {}
};
class timed_mutex : public detail::lockable<false, true> {
 public:
  timed_mutex(SourceLocation created = SourceLocation::current()) noexcept : lockable(created) {}
};
class recursive_timed_mutex : public detail::lockable<true, true> {
 public:
  recursive_timed_mutex(SourceLocation created = SourceLocation::current()) noexcept
      : lockable(created) {}
};

class once_flag;
template <class F>
void call_once(once_flag& flag, F&& f, SourceLocation where = SourceLocation::current());

// std::once_flag. The call in progress holds the flag like a lock (a thread calling call_once
// meanwhile waits for it), so deadlocks and lock-order inversions through call_once are found.
class once_flag {
 public:
  constexpr once_flag() noexcept = default;
  once_flag(const once_flag&) = delete;
  once_flag& operator=(const once_flag&) = delete;

 private:
  template <class F>
  friend void call_once(once_flag& flag, F&& f, SourceLocation where);

  // true: the caller must run the function (then finish or fail); false: it already ran.
  bool begin(SourceLocation where);
  void finish(bool succeeded, SourceLocation where) noexcept;

  enum class State : unsigned char { idle, running, done };
  State state_ = State::idle;
  TaskId runner_ = kNoTask;
  weft::detail::ObjectTag tag_;
  weft::detail::WaitQueue waiters_;
};

// Runs f once per flag. If f throws, the exception reaches the caller and the flag stays unset:
// the next call (perhaps one that waited) runs its function. The single-function form reports
// the caller's location; with arguments there is nowhere to put one.
template <class F>
void call_once(once_flag& flag, F&& f, SourceLocation where) {
  if (!flag.begin(where)) return;
  try {
    std::invoke(std::forward<F>(f));
  } catch (...) {  // also a dropped thread's unwinding, carried on by the rethrow
    flag.finish(false, where);
    throw;
  }
  flag.finish(true, where);
}
template <class F, class... Args>
void call_once(once_flag& flag, F&& f, Args&&... args) {
  call_once(
      flag, [&] { std::invoke(std::forward<F>(f), std::forward<Args>(args)...); },
      SourceLocation{});
}

}  // namespace weft::sim
