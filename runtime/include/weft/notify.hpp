// weft::Notify: tokio's Notify. notify_one() wakes one waiter or stores a single permit for the
// next notified(); notify_waiters() wakes the current waiters and stores nothing.
#pragma once
#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft {

class Notify {
 public:
  Notify() = default;
  Notify(const Notify&) = delete;
  Notify& operator=(const Notify&) = delete;

  // Wakes the longest-waiting task; with nobody waiting, stores a permit (at most one) that the
  // next notified() consumes at once. A woken task dropped before it runs passes the
  // notification on, as tokio's Notified does when dropped.
  void notify_one(SourceLocation where = SourceLocation::current());
  // Wakes every task waiting now. Stores no permit: a task that starts waiting afterwards waits
  // for the next notification (the classic lost wake-up if it checked its condition before).
  void notify_waiters(SourceLocation where = SourceLocation::current());
  // Consumes a stored permit, or waits for a notification. Precondition: called from a task.
  void notified(SourceLocation where = SourceLocation::current());

 private:
  void notify_one_now(const detail::OpSite& site) noexcept;

  detail::ObjectTag tag_;
  detail::WaitQueue waiters_;  // Waiter::tag: 1 once woken by notify_one
  bool permit_ = false;
};

}  // namespace weft
