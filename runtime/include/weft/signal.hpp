// weft::signal::ctrl_c(): tokio's ctrl_c() in the simulation. No real signal is involved: the test
// delivers one with raise_ctrl_c() (from any task, at a moment it chooses, e.g. after
// weft::sleep(std::chrono::milliseconds(weft::choose(3))) so every moment is explored).
#pragma once
#include <cstdint>

#include "weft/detail/primitive.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/source_location.hpp"

namespace weft::signal {

// Waits for the next Ctrl-C delivered after this call (tokio: a signal is seen by the listeners
// registered when it arrives). A suspension point. Precondition: from a task.
void ctrl_c(SourceLocation where = SourceLocation::current());
// Delivers a Ctrl-C to the current runtime: wakes every task waiting in ctrl_c(). Never waits.
void raise_ctrl_c(SourceLocation where = SourceLocation::current());

namespace detail {
// The current runtime's Ctrl-C state (one per runtime, reset for each new one on the thread).
struct CtrlC {
  weft::detail::ObjectTag tag;
  weft::detail::WaitQueue waiters;
  std::uint64_t delivered = 0;
};
CtrlC& ctrl_c_state(weft::detail::Scheduler& s);

// ctrl_c() as a select branch: the next Ctrl-C after the branch was made.
class CtrlCArm final : public weft::detail::SelectArm {
 public:
  using value_type = void;
  CtrlCArm();
  bool ready() noexcept override { return state_->delivered != seen_; }
  void arm(const weft::detail::OpSite&) noexcept override { w_.queue_in(state_->waiters); }
  void disarm(const weft::detail::OpSite&) noexcept override { w_.leave(); }
  weft::detail::WaitInfo info(weft::detail::Scheduler& s, SourceLocation where) noexcept override;
  void take() noexcept { w_.leave(); }

 private:
  CtrlC* state_;
  std::uint64_t seen_;
  weft::detail::ArmWaiter w_;
};
}  // namespace detail
}  // namespace weft::signal

namespace weft::when {
// The next Ctrl-C, as weft::signal::ctrl_c().
inline signal::detail::CtrlCArm ctrl_c() { return signal::detail::CtrlCArm(); }
}  // namespace weft::when
