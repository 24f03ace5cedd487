// weft::sim mutexes: barging acquisition, recursion, misuse, timed waits and call_once.
#include "weft/sim/mutex.hpp"

#include "weft/sim/detail/site.hpp"

namespace weft::sim {

namespace wd = weft::detail;

void detail::LockState::misuse(const std::string& what, SourceLocation where) const {
  wd::terminate_execution(std::string(type_) + " " + what + " (undefined behaviour; " +
                              "the mutex was created at " + where_text(tag_.created) + ")",
                          where);
}

bool detail::LockState::take(const wd::OpSite& site, bool blocking, SourceLocation where,
                             bool timed) {
  const TaskId self = wd::task_id(wd::current_task());
  if (locked_ && owner_ == self && site.in_task) {
    if (recursive_) {
      ++depth_;
      return true;
    }
    misuse(std::string(blocking ? "locked" : "try_lock()ed") + " again by " +
               current_thread_label() + ", which already holds it" +
               (blocking ? ": the real program deadlocks here" : ""),
           where);
  }
  if (locked_) return false;
  locked_ = true;
  owner_ = self;
  depth_ = 1;
  // A try, timed or not, cannot wait forever: no lock-order edge (observer.hpp).
  wd::emit_done(site, Op::lock, ObjectKind::mutex, blocking && !timed ? 0 : 1, where);
  return true;
}

bool detail::LockState::acquire(const wd::OpSite& site, const Instant* deadline,
                                SourceLocation where) {
  const bool timed = deadline != nullptr;
  while (!take(site, true, where, timed)) {
    // Woken by an unlock, the waiter competes again: a thread that locked first keeps it.
    wd::ScopedWaiter w(wd::current_task());
    waiters_.push_back(w);
    struct PassOn {  // a waiter dropped after its wake-up hands the wake-up on
      detail::LockState& state;
      const wd::OpSite& site;
      wd::Waiter& w;
      ~PassOn() {
        if (w.notified && !state.locked_) wd::wake_one(site, state.waiters_);
      }
    } pass_on{*this, site, w};
    const wd::WaitInfo info{Op::lock, ObjectKind::mutex, site.id, owner_, where};
    if (wd::block(*site.s, info, deadline) == wd::WakeReason::timed_out && !w.notified) {
      w.leave();
      return take(site, true, where, timed);
    }
    w.notified = false;  // consumed: PassOn has nothing to hand on
  }
  return true;
}

void detail::LockState::lock(SourceLocation where) {
  const wd::OpSite site = wd::enter_blocking_op(type_, tag_, ObjectKind::mutex, Op::lock, where);
  acquire(site, nullptr, where);
}

bool detail::LockState::try_lock(SourceLocation where) {
  const wd::OpSite site = wd::enter_op(tag_, ObjectKind::mutex, Op::lock, where);
  return take(site, false, where);
}

bool detail::LockState::try_lock_until(Instant deadline, SourceLocation where) {
  const wd::OpSite site = wd::enter_blocking_op(type_, tag_, ObjectKind::mutex, Op::lock, where);
  return acquire(site, &deadline, where);
}

void detail::LockState::unlock(SourceLocation where) {
  const wd::OpSite site = nonblocking_site(tag_, ObjectKind::mutex, Op::unlock, where);
  const TaskId self = wd::task_id(wd::current_task());
  if (!locked_ || (site.in_task && owner_ != self)) {
    if (unwinding_dropped_thread()) return;
    if (!locked_) misuse("unlocked by " + current_thread_label() + " while nobody holds it", where);
    misuse("unlocked by " + current_thread_label() + ", which does not hold it (thread #" +
               std::to_string(owner_) + " does)",
           where);
  }
  if (--depth_ > 0) return;
  locked_ = false;
  owner_ = kNoTask;
  wd::emit_done(site, Op::unlock, ObjectKind::mutex, 0, where);
  wd::wake_one(site, waiters_);
}

bool once_flag::begin(SourceLocation where) {
  const wd::OpSite site =
      wd::enter_blocking_op("call_once", tag_, ObjectKind::mutex, Op::lock, where);
  const TaskId self = wd::task_id(wd::current_task());
  for (;;) {
    if (state_ == State::done) return false;
    if (state_ == State::idle) {
      state_ = State::running;
      runner_ = self;
      wd::emit_done(site, Op::lock, ObjectKind::mutex, 0, where);
      return true;
    }
    if (runner_ == self)
      wd::terminate_execution(
          "call_once called again, for the same once_flag, from inside its "
          "own function by " +
              detail::current_thread_label() +
              " (undefined behaviour: the real program deadlocks here)",
          where);
    wd::Waiter w(wd::current_task());
    waiters_.push_back(w);
    wd::block_queued(*site.s, w,
                     wd::WaitInfo{Op::lock, ObjectKind::mutex, site.id, runner_, where});
  }
}

void once_flag::finish(bool succeeded, SourceLocation where) noexcept {
  const wd::OpSite site = wd::quiet_site(tag_, ObjectKind::mutex);
  state_ = succeeded ? State::done : State::idle;
  runner_ = kNoTask;
  wd::emit_done(site, Op::unlock, ObjectKind::mutex, 0, where);
  wd::wake_all(site, waiters_);
}

}  // namespace weft::sim
