// weft::sim::condition_variable and condition_variable_any: every wait form of std, with timed
// waits on the virtual clock and spurious wake-ups chosen by the exploration (a decision of kind
// DecisionKind::spurious within the runtime's budget, so a wait without a predicate loop is
// caught returning early). Waiting queues the thread before it unlocks, so a notify after the
// unlock is never lost; notify_one wakes the longest waiter. Left out:
// notify_all_at_thread_exit.
#pragma once
#include <chrono>
#include <condition_variable>
#include <stop_token>
#include <utility>

#include "weft/detail/primitive.hpp"
#include "weft/sim/chrono.hpp"
#include "weft/sim/mutex.hpp"
#include "weft/source_location.hpp"

namespace weft::sim {

using std::cv_status;

namespace detail {

// The wait queue and notifications shared by both condition variables.
class CondCore {
 public:
  explicit CondCore(SourceLocation created) noexcept {
    weft::detail::record_creation(tag_, created);
  }
  CondCore(const CondCore&) = delete;
  CondCore& operator=(const CondCore&) = delete;

  // Queues the caller (a scheduling point first); the caller unlocks after this.
  weft::detail::OpSite begin_wait(weft::detail::Waiter& w, SourceLocation where);
  // After the unlock: a spurious wake-up, a notify, or the deadline. Returns false on timeout.
  // `stopped` (may be null) ends the wait like a notify once it holds.
  bool end_wait(const weft::detail::OpSite& site, weft::detail::Waiter& w, const Instant* deadline,
                const std::stop_token* stopped, SourceLocation where);
  void notify(bool all, SourceLocation where);
  // From a stop_callback (inside request_stop): wakes every waiter without a scheduling point.
  void wake_all_quietly() noexcept;

  // The whole wait on any lock: queue, unlock, wait, re-lock. A thread dropped while waiting
  // unwinds without re-locking (its lock reports owns_lock() false).
  template <class Lock>
  bool wait(Lock& lock, const Instant* deadline, const std::stop_token* stopped,
            SourceLocation where) {
    weft::detail::ScopedWaiter w(weft::detail::current_task());
    const weft::detail::OpSite site = begin_wait(w, where);
    lock.unlock();
    const bool in_time = end_wait(site, w, deadline, stopped, where);
    lock.lock();
    return in_time;
  }
  template <class Lock>
  cv_status wait_until(Lock& lock, Instant deadline, SourceLocation where) {
    return wait(lock, &deadline, nullptr, where) ? cv_status::no_timeout : cv_status::timeout;
  }
  template <class Lock, class Pred>
  bool wait_until(Lock& lock, Instant deadline, Pred& pred, SourceLocation where) {
    while (!pred())
      if (!wait(lock, &deadline, nullptr, where)) return pred();
    return true;
  }

 private:
  weft::detail::ObjectTag tag_;
  weft::detail::WaitQueue waiters_;
};

}  // namespace detail

class condition_variable {
 public:
  // The constructor's location names it in reports ("condvar #2 (created at f.cpp:9)").
  condition_variable(SourceLocation created = SourceLocation::current()) noexcept
      : core_(created) {}
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  void notify_one(SourceLocation where = SourceLocation::current()) { core_.notify(false, where); }
  void notify_all(SourceLocation where = SourceLocation::current()) { core_.notify(true, where); }

  void wait(unique_lock<mutex>& lock, SourceLocation where = SourceLocation::current()) {
    core_.wait(lock, nullptr, nullptr, where);
  }
  template <class Pred>
  void wait(unique_lock<mutex>& lock, Pred pred, SourceLocation where = SourceLocation::current()) {
    while (!pred()) core_.wait(lock, nullptr, nullptr, where);
  }
  template <class Clock, class Dur>
  cv_status wait_until(unique_lock<mutex>& lock, const std::chrono::time_point<Clock, Dur>& t,
                       SourceLocation where = SourceLocation::current()) {
    return core_.wait_until(lock, detail::to_instant(t), where);
  }
  template <class Clock, class Dur, class Pred>
  bool wait_until(unique_lock<mutex>& lock, const std::chrono::time_point<Clock, Dur>& t, Pred pred,
                  SourceLocation where = SourceLocation::current()) {
    return core_.wait_until(lock, detail::to_instant(t), pred, where);
  }
  template <class Rep, class Period>
  cv_status wait_for(unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d,
                     SourceLocation where = SourceLocation::current()) {
    return core_.wait_until(lock, saturating_add(detail::virtual_now(), detail::to_duration(d)),
                            where);
  }
  template <class Rep, class Period, class Pred>
  bool wait_for(unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& d, Pred pred,
                SourceLocation where = SourceLocation::current()) {
    return core_.wait_until(lock, saturating_add(detail::virtual_now(), detail::to_duration(d)),
                            pred, where);
  }

 private:
  detail::CondCore core_;
};

// Works with any lock that has lock() and unlock() (a weft::sim mutex, a unique_lock or
// shared_lock of one, a user's own). The stop_token forms return when a stop is requested.
class condition_variable_any {
 public:
  condition_variable_any(SourceLocation created = SourceLocation::current()) noexcept
      : core_(created) {}
  condition_variable_any(const condition_variable_any&) = delete;
  condition_variable_any& operator=(const condition_variable_any&) = delete;

  void notify_one(SourceLocation where = SourceLocation::current()) { core_.notify(false, where); }
  void notify_all(SourceLocation where = SourceLocation::current()) { core_.notify(true, where); }

  template <class Lock>
  void wait(Lock& lock, SourceLocation where = SourceLocation::current()) {
    core_.wait(lock, nullptr, nullptr, where);
  }
  template <class Lock, class Pred>
  void wait(Lock& lock, Pred pred, SourceLocation where = SourceLocation::current()) {
    while (!pred()) core_.wait(lock, nullptr, nullptr, where);
  }
  template <class Lock, class Clock, class Dur>
  cv_status wait_until(Lock& lock, const std::chrono::time_point<Clock, Dur>& t,
                       SourceLocation where = SourceLocation::current()) {
    return core_.wait_until(lock, detail::to_instant(t), where);
  }
  template <class Lock, class Clock, class Dur, class Pred>
  bool wait_until(Lock& lock, const std::chrono::time_point<Clock, Dur>& t, Pred pred,
                  SourceLocation where = SourceLocation::current()) {
    return core_.wait_until(lock, detail::to_instant(t), pred, where);
  }
  template <class Lock, class Rep, class Period>
  cv_status wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& d,
                     SourceLocation where = SourceLocation::current()) {
    return core_.wait_until(lock, saturating_add(detail::virtual_now(), detail::to_duration(d)),
                            where);
  }
  template <class Lock, class Rep, class Period, class Pred>
  bool wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& d, Pred pred,
                SourceLocation where = SourceLocation::current()) {
    return core_.wait_until(lock, saturating_add(detail::virtual_now(), detail::to_duration(d)),
                            pred, where);
  }

  // C++20 interruptible waits: false when the stop was requested before pred() held.
  template <class Lock, class Pred>
  bool wait(Lock& lock, std::stop_token stoken, Pred pred,
            SourceLocation where = SourceLocation::current()) {
    return stoppable(lock, stoken, nullptr, pred, where);
  }
  template <class Lock, class Clock, class Dur, class Pred>
  bool wait_until(Lock& lock, std::stop_token stoken, const std::chrono::time_point<Clock, Dur>& t,
                  Pred pred, SourceLocation where = SourceLocation::current()) {
    const Instant deadline = detail::to_instant(t);
    return stoppable(lock, stoken, &deadline, pred, where);
  }
  template <class Lock, class Rep, class Period, class Pred>
  bool wait_for(Lock& lock, std::stop_token stoken, const std::chrono::duration<Rep, Period>& d,
                Pred pred, SourceLocation where = SourceLocation::current()) {
    const Instant deadline = saturating_add(detail::virtual_now(), detail::to_duration(d));
    return stoppable(lock, stoken, &deadline, pred, where);
  }

 private:
  template <class Lock, class Pred>
  bool stoppable(Lock& lock, const std::stop_token& stoken, const Instant* deadline, Pred& pred,
                 SourceLocation where) {
    std::stop_callback wake(stoken, [this] { core_.wake_all_quietly(); });
    while (!pred()) {
      if (stoken.stop_requested()) return pred();
      if (!core_.wait(lock, deadline, &stoken, where)) return pred();
    }
    return true;
  }

  detail::CondCore core_;
};

}  // namespace weft::sim
