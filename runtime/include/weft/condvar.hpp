// weft::CondVar: a condition variable for weft::Mutex guards (std::condition_variable's shape),
// with virtual-time timeouts and spurious wake-ups chosen by the exploration.
#pragma once
#include <concepts>
#include <condition_variable>
#include <string_view>
#include <utility>

#include "weft/detail/primitive.hpp"
#include "weft/mutex.hpp"
#include "weft/source_location.hpp"
#include "weft/time.hpp"

namespace weft {

// Waiting releases the guard's lock and queues the task in one step (no lost wake-up between),
// and re-locks before returning. A wait may return spuriously: that is a chooser decision of
// kind DecisionKind::spurious (index 0, the default, means no), so loops must re-check.
// If the task is dropped while waiting, the guard is left without the lock (nothing to release)
// and a notify_one it had received is passed to the next waiter.
class CondVar {
 public:
  // The construction site (and a name, if given) identify it in reports.
  CondVar(SourceLocation created = SourceLocation::current()) noexcept {
    detail::record_creation(tag_, created);
  }
  explicit CondVar(std::string_view name, SourceLocation created = SourceLocation::current()) {
    detail::record_creation(tag_, created);
    tag_.name = detail::intern_object_name(name);
  }
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Precondition (all waits): guard.owns_lock(), called from a task.
  template <class T>
  void wait(MutexGuard<T>& guard, SourceLocation where = SourceLocation::current()) {
    wait_impl(guard, nullptr, where);
  }
  // Waits until pred() holds, checked with the lock held.
  template <class T, std::predicate Pred>
  void wait(MutexGuard<T>& guard, Pred pred, SourceLocation where = SourceLocation::current()) {
    while (!pred()) wait_impl(guard, nullptr, where);
  }
  template <class T>
  std::cv_status wait_until(MutexGuard<T>& guard, Instant deadline,
                            SourceLocation where = SourceLocation::current()) {
    return wait_impl(guard, &deadline, where) ? std::cv_status::no_timeout
                                              : std::cv_status::timeout;
  }
  // Returns pred() (false: the deadline passed first).
  template <class T, std::predicate Pred>
  bool wait_until(MutexGuard<T>& guard, Instant deadline, Pred pred,
                  SourceLocation where = SourceLocation::current()) {
    while (!pred())
      if (!wait_impl(guard, &deadline, where)) return pred();
    return true;
  }
  template <class T>
  std::cv_status wait_for(MutexGuard<T>& guard, Duration limit,
                          SourceLocation where = SourceLocation::current()) {
    return wait_until(guard, deadline_after(limit), where);
  }
  template <class T, std::predicate Pred>
  bool wait_for(MutexGuard<T>& guard, Duration limit, Pred pred,
                SourceLocation where = SourceLocation::current()) {
    return wait_until(guard, deadline_after(limit), std::move(pred), where);
  }

  // Wakes the longest-waiting task, if any (no permit is stored).
  void notify_one(SourceLocation where = SourceLocation::current());
  // Wakes every waiting task.
  void notify_all(SourceLocation where = SourceLocation::current());

 private:
  // Returns false when the deadline passed without a notification.
  bool wait_impl(detail::MutexGuardBase& guard, const Instant* deadline, SourceLocation where);
  static Instant deadline_after(Duration limit);

  detail::ObjectTag tag_;
  detail::WaitQueue waiters_;  // Waiter::tag: 1 once woken by notify_one
};

}  // namespace weft
