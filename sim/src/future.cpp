// weft::sim futures: waiting for the shared state, errors, deferred and async calls.
#include "weft/sim/future.hpp"

#include "weft/sim/detail/site.hpp"

namespace weft::sim::detail {

namespace wd = weft::detail;

void FutureCore::wait(SourceLocation where) {
  const wd::OpSite site =
      wd::enter_blocking_op("std::future::wait", tag_, ObjectKind::oneshot, Op::recv, where);
  if (deferred_) std::exchange(deferred_, nullptr)();
  wd::wait_until(site, waiters_,
                 wd::WaitInfo{Op::recv, ObjectKind::oneshot, site.id, kNoTask, where},
                 [&] { return ready_; });
  wd::emit_done(site, Op::recv, ObjectKind::oneshot, 0, where);
}

future_status FutureCore::wait_until(Instant deadline, SourceLocation where) {
  const wd::OpSite site =
      wd::enter_blocking_op("std::future::wait_until", tag_, ObjectKind::oneshot, Op::recv, where);
  if (deferred_) return future_status::deferred;
  const bool in_time = wd::wait_until(
      site, waiters_, wd::WaitInfo{Op::recv, ObjectKind::oneshot, site.id, kNoTask, where},
      deadline, [&] { return ready_; });
  wd::emit_done(site, Op::recv, ObjectKind::oneshot, 0, where, in_time ? "" : "timed_out");
  return in_time ? future_status::ready : future_status::timeout;
}

void FutureCore::check_unsatisfied() const {
  if (ready_) throw_future(future_errc::promise_already_satisfied);
}

void FutureCore::make_ready(SourceLocation where, bool quiet) {
  const wd::OpSite site = quiet ? wd::quiet_site(tag_, ObjectKind::oneshot)
                                : nonblocking_site(tag_, ObjectKind::oneshot, Op::send, where);
  ready_ = true;
  wd::emit_done(site, Op::send, ObjectKind::oneshot, 0, where);
  wd::wake_all(site, waiters_);
}

void FutureCore::set_exception(std::exception_ptr error, SourceLocation where, bool quiet) {
  check_unsatisfied();
  error_ = std::move(error);
  make_ready(where, quiet);
}

void FutureCore::retrieve() {
  if (retrieved_) throw_future(future_errc::future_already_retrieved);
  retrieved_ = true;
}

void FutureCore::drop_consumer() noexcept {
  if (--consumers_ > 0 || !async_.valid()) return;
  // std::async's last future waits for the thread; a thread being dropped (its stack unwinds)
  // cannot wait, and lets it go.
  if (unwinding_dropped_thread() || wd::current_task() == nullptr) {
    async_ = JoinHandle<void>();
    return;
  }
  try {
    std::exchange(async_, JoinHandle<void>()).join(SourceLocation{});
  } catch (...) {
    // The async thread panicked (a failed check): the runtime reports it. Or this thread is
    // dropped while it waits: the destructor must not throw.
  }
}

}  // namespace weft::sim::detail
