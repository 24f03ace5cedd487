// The branch side of weft::select (select.hpp): what an operation must offer to be one of several
// waits of one task. Each primitive's arm lives next to the primitive (it reads its state); the
// engine (src/select.cpp) only sees this interface.
#pragma once
#include <cstddef>

#include "weft/detail/primitive.hpp"

namespace weft::detail {

// A waiter an arm keeps across the select's wake-ups. Arms are moved into select before they
// are armed; a move makes a fresh, unqueued waiter. Leaves its queue when destroyed.
struct ArmWaiter : Waiter {
  ArmWaiter() noexcept : Waiter(nullptr) {}
  ArmWaiter(ArmWaiter&&) noexcept : Waiter(nullptr) {}
  ArmWaiter& operator=(ArmWaiter&&) = delete;
  ~ArmWaiter() { leave(); }
  bool queued() const noexcept { return queue != nullptr; }
  // Queues it for the running task, fresh (not notified, tag given), unless it is queued.
  void queue_in(WaitQueue& q, std::uint64_t tag_value = 0) noexcept {
    if (queue != nullptr) return;
    task = current_task();
    notified = false;
    tag = tag_value;
    q.push_back(*this);
  }
};

// One operation a select waits on. The engine calls, in the waiting task:
//   ready()   whether the branch could complete now without waiting (changes nothing);
//   arm()     when no enabled branch is ready: queue the arm's waiter (if it is not queued);
//   disarm()  on every branch that did not win, and on all of them when the task is dropped
//             while waiting: leave the queue and give back whatever was handed to the arm
//             (a permit, a notify_one), so that a lost branch loses nothing (cancel safety);
// and the typed side then completes the winner (its take()), which leaves its queue.
class SelectArm {
 public:
  virtual bool ready() noexcept = 0;
  virtual void arm(const OpSite& site) noexcept = 0;
  virtual void disarm(const OpSite& site) noexcept = 0;
  // A timer branch's deadline (the wait blocks until the earliest one); nullptr otherwise.
  virtual const Instant* deadline() const noexcept { return nullptr; }
  // What the branch waits on, for the select's events and for deadlock reports. Called with the
  // runtime of the waiting task (assigns the object's id on first use).
  virtual WaitInfo info(Scheduler& s, SourceLocation where) noexcept = 0;

 protected:
  SelectArm() = default;
  SelectArm(const SelectArm&) = default;
  SelectArm& operator=(const SelectArm&) = default;
  ~SelectArm() = default;
};

// The engine: one scheduling point, then until an enabled branch is ready: arm every enabled
// branch and block. Among the branches ready at once the winner is a DecisionKind::value decision
// (tokio's select! starts polling at a random branch), or the first one when biased. Disarms the
// losers and returns the winner's index. A task dropped while waiting is dropped here, every arm
// disarmed. Throws std::logic_error when no branch is enabled (tokio panics).
std::size_t select_wait(SelectArm* const* arms, const bool* enabled, std::size_t n, bool biased,
                        SourceLocation where);

// A sender's closed() (mpsc, oneshot, watch) as a select branch: Core offers is_closed(),
// closed_waiters() and tag.
template <class Core, ObjectKind Kind>
class ClosedArm final : public SelectArm {
 public:
  using value_type = void;
  explicit ClosedArm(Core& core) noexcept : core_(&core) {}
  bool ready() noexcept override { return core_->is_closed(); }
  void arm(const OpSite&) noexcept override { w_.queue_in(core_->closed_waiters()); }
  void disarm(const OpSite&) noexcept override { w_.leave(); }
  WaitInfo info(Scheduler& s, SourceLocation where) noexcept override {
    return WaitInfo{Op::wait, Kind, object_id(s, core_->tag, Kind), kNoTask, where};
  }
  void take() noexcept { w_.leave(); }

 private:
  Core* core_;
  ArmWaiter w_;
};

}  // namespace weft::detail
