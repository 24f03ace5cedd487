// weft::Notify: tokio's Notify. notify_one() wakes one waiter or stores a single permit for the
// next notified(); notify_waiters() wakes the current waiters and stores nothing. weft::Notified
// is tokio's Notified future with enable(): made before a condition is checked, it cannot miss a
// notification sent after.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "weft/detail/primitive.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/source_location.hpp"

namespace weft {

class Notified;
namespace detail {
class NotifiedArm;
}

class Notify {
 public:
  // The construction site (and a name, if given) identify it in reports.
  Notify(SourceLocation created = SourceLocation::current()) noexcept {
    detail::record_creation(tag_, created);
  }
  explicit Notify(std::string_view name, SourceLocation created = SourceLocation::current()) {
    detail::record_creation(tag_, created);
    tag_.name = detail::intern_object_name(name);
  }
  Notify(const Notify&) = delete;
  Notify& operator=(const Notify&) = delete;

  // Wakes the longest-waiting task; with nobody waiting, stores a permit (at most one) that the
  // next notified() consumes at once. A woken task dropped before it runs passes the
  // notification on, as tokio's Notified does when dropped.
  void notify_one(SourceLocation where = SourceLocation::current());
  // Wakes every task waiting now, and completes every weft::Notified made before this call
  // (waiting or not, enabled or not: tokio's guarantee). Stores no permit: a plain notified()
  // that starts afterwards waits for the next notification (the classic lost wake-up if it
  // checked its condition before; weft::Notified is the fix).
  void notify_waiters(SourceLocation where = SourceLocation::current());
  // Consumes a stored permit, or waits for a notification. Precondition: called from a task.
  void notified(SourceLocation where = SourceLocation::current());

 private:
  friend class Notified;
  friend class detail::NotifiedArm;
  void notify_one_now(const detail::OpSite& site) noexcept;

  detail::ObjectTag tag_;
  detail::WaitQueue waiters_;  // Waiter::tag: 1 once woken by notify_one
  bool permit_ = false;
  std::uint64_t waiters_calls_ = 0;  // notify_waiters() calls so far
};

// tokio's Notified future: made from a Notify, it is notified by any notify_waiters() call from
// its creation on, and by notify_one() once it is enabled (enable() or wait() queue it; a stored
// permit is consumed then). The pattern that cannot lose a wake-up:
//
//   weft::Notified notified(notify);  // or notified.enable() for notify_one senders
//   if (condition()) return;
//   notified.wait();
//
// Destroying an enabled Notified that a notify_one chose (but that did not complete) passes the
// notification on to the next waiter, or stores it as the permit. Movable until enabled.
class Notified {
 public:
  explicit Notified(Notify& notify) noexcept
      : notify_(&notify), calls_seen_(notify.waiters_calls_) {}
  Notified(Notified&& other) noexcept;
  Notified& operator=(Notified&&) = delete;
  ~Notified();

  // Queues it for notify_one (consuming a stored permit instead, if there is one). Never waits.
  void enable(SourceLocation where = SourceLocation::current());
  // Waits until notified (at once if it already was). A suspension point. Uses it up: a second
  // wait() waits for a new notification. Precondition: from a task.
  void wait(SourceLocation where = SourceLocation::current());
  // Whether wait() would return at once.
  bool is_notified() const noexcept;

 private:
  friend class detail::NotifiedArm;
  // The notification is consumed (wait returned, or its select branch won).
  void consume() noexcept;
  // Queues it (or takes the stored permit) unless it is queued or notified.
  void enable_now() noexcept;
  // Not completed: leaves the queue; with pass_on, a notify_one that chose it goes to the next
  // waiter (a Notified being destroyed), else it keeps it (a borrowed one whose branch lost).
  void give_up(const detail::OpSite& site, bool pass_on) noexcept;

  Notify* notify_;
  std::uint64_t calls_seen_;
  detail::ArmWaiter w_;  // Waiter::tag: 1 once woken by notify_one
  bool permit_taken_ = false;
};

namespace detail {
// A Notified as a select branch: its own (when::notified(notify)) or the caller's.
class NotifiedArm final : public SelectArm {
 public:
  using value_type = void;
  explicit NotifiedArm(Notify& notify) : own_(Notified(notify)), n_(nullptr) {}
  explicit NotifiedArm(Notified& notified) : n_(&notified) {}
  NotifiedArm(NotifiedArm&& other) noexcept : own_(std::move(other.own_)), n_(other.n_) {}
  bool ready() noexcept override;
  void arm(const OpSite& site) noexcept override;
  void disarm(const OpSite& site) noexcept override { get().give_up(site, n_ == nullptr); }
  WaitInfo info(Scheduler& s, SourceLocation where) noexcept override;
  void take() noexcept { get().consume(); }

 private:
  Notified& get() noexcept { return n_ ? *n_ : *own_; }
  std::optional<Notified> own_;
  Notified* n_;
};
}  // namespace detail

namespace when {
// A notification of notify (tokio's notify.notified() in a select): a lost branch passes a
// notify_one it was chosen for on.
inline detail::NotifiedArm notified(Notify& notify) { return detail::NotifiedArm(notify); }
// The caller's Notified (made, and maybe enabled, before a condition was checked). When this
// branch loses, the Notified stays usable (and keeps a notify_waiters that completed it).
inline detail::NotifiedArm notified(Notified& notified) { return detail::NotifiedArm(notified); }
}  // namespace when

}  // namespace weft
