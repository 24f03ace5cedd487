// The simulated Ctrl-C (weft/signal.hpp): a per-runtime delivery count and its waiters.
#include "weft/signal.hpp"

#include <memory>

namespace weft::signal {
namespace detail {

namespace {
thread_local std::unique_ptr<CtrlC> tls_ctrl_c;
}

CtrlC& ctrl_c_state(weft::detail::Scheduler& s) {
  if (!tls_ctrl_c) tls_ctrl_c = std::make_unique<CtrlC>();
  const std::uint64_t before = tls_ctrl_c->tag.runtime_epoch;
  (void)weft::detail::object_id(s, tls_ctrl_c->tag, ObjectKind::notify);
  if (tls_ctrl_c->tag.runtime_epoch != before) {  // a new runtime: nothing delivered, nobody waits
    while (weft::detail::Waiter* w = tls_ctrl_c->waiters.front()) tls_ctrl_c->waiters.remove(*w);
    tls_ctrl_c->delivered = 0;
  }
  return *tls_ctrl_c;
}

CtrlCArm::CtrlCArm()
    : state_(&ctrl_c_state(
          weft::detail::scheduler_for("weft::when::ctrl_c", SourceLocation::current()))),
      seen_(state_->delivered) {}

weft::detail::WaitInfo CtrlCArm::info(weft::detail::Scheduler& s, SourceLocation where) noexcept {
  return weft::detail::WaitInfo{Op::wait, ObjectKind::notify,
                                weft::detail::object_id(s, state_->tag, ObjectKind::notify),
                                kNoTask, where};
}

}  // namespace detail

void ctrl_c(SourceLocation where) {
  using namespace weft::detail;
  Scheduler& s = scheduler_for("weft::signal::ctrl_c", where);
  detail::CtrlC& state = detail::ctrl_c_state(s);
  const OpSite site =
      enter_blocking_op("weft::signal::ctrl_c", state.tag, ObjectKind::notify, Op::wait, where);
  const std::uint64_t seen = state.delivered;
  wait_until(site, state.waiters, WaitInfo{Op::wait, ObjectKind::notify, site.id, kNoTask, where},
             [&] { return state.delivered != seen; });
  emit_done(site, Op::wait, ObjectKind::notify, 0, where, "ctrl_c");
}

void raise_ctrl_c(SourceLocation where) {
  using namespace weft::detail;
  Scheduler& s = scheduler_for("weft::signal::raise_ctrl_c", where);
  detail::CtrlC& state = detail::ctrl_c_state(s);
  const OpSite site = enter_op(state.tag, ObjectKind::notify, Op::notify, where);
  ++state.delivered;
  const std::size_t woken = wake_all(site, state.waiters);
  emit_done(site, Op::notify, ObjectKind::notify, static_cast<std::int64_t>(woken), where,
            "ctrl_c");
}

}  // namespace weft::signal
