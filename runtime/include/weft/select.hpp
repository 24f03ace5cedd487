// weft::select: tokio's select! for weft's blocking style. A select waits on several operations at
// once and runs the handler of the first one that completes; the others are cancelled at their
// await (a lost recv keeps its value in the channel, a lost acquire or reserve gives its permit
// back, a lost notified passes its notify_one on).
//
//   weft::select(
//       weft::branch(weft::when::recv(rx), [&](std::optional<Job> job) { ... }),
//       weft::branch(weft::when::cancelled(token), [&] { ... }),
//       weft::branch(weft::when::sleep(1s), [&] { ... }));
//
// An operation is named with weft::when::<op>(object, ...): it does nothing until the select
// waits on it (tokio's futures are lazy too). The handler gets the operation's value (or nothing
// for void operations, or may ignore the value by taking no argument). When several branches are
// ready at once, which one runs is a decision the exploration makes (tokio picks at random);
// select_biased takes the first ready one in order (tokio's `biased;`). branch_if(cond, ...) is a
// branch with tokio's `, if cond` precondition; with every branch disabled select runs the
// otherwise(handler) branch if there is one (tokio's `else =>`) and throws std::logic_error if
// not (tokio panics). select returns the handlers' common result, or the index of
// the branch that ran when the handlers return void. A select is a suspension point: a task
// aborted or shut down while waiting in it is dropped there and every branch is cancelled.
//
// The operations (each documented where it is declared):
//   time:          when::sleep(d), when::deadline(instant), when::tick(interval)
//   tasks:         when::join(handle), when::join_next(join_set)
//   cancellation:  when::cancelled(token)
//   notify:        when::notified(notify), when::notified(notified)
//   mpsc:          when::recv(rx), when::reserve(tx), when::closed(tx)
//   oneshot:       when::recv(rx), when::closed(tx)
//   broadcast:     when::recv(rx) (its RecvResult, lagged included)
//   semaphore:     when::acquire(sem, n), when::acquire_owned(sem_ptr, n)
//   watch:         when::changed(rx), when::closed(tx)
//   signal:        when::ctrl_c()
#pragma once
#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "weft/broadcast.hpp"
#include "weft/cancellation.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/join_set.hpp"
#include "weft/mpsc.hpp"
#include "weft/notify.hpp"
#include "weft/oneshot.hpp"
#include "weft/semaphore.hpp"
#include "weft/signal.hpp"
#include "weft/task.hpp"
#include "weft/time.hpp"
#include "weft/watch.hpp"

namespace weft {

namespace detail {

// Fires at a virtual-time instant (sleep, deadline).
class SleepArm final : public SelectArm {
 public:
  using value_type = void;
  explicit SleepArm(Instant deadline) noexcept : deadline_(deadline) {}
  bool ready() noexcept override { return weft::now() >= deadline_; }
  void arm(const OpSite&) noexcept override {}
  void disarm(const OpSite&) noexcept override {}
  const Instant* deadline() const noexcept override { return &deadline_; }
  WaitInfo info(Scheduler&, SourceLocation where) noexcept override {
    return WaitInfo{Op::sleep, ObjectKind::timer, kNoObject, kNoTask, where};
  }
  void take() noexcept {}

 private:
  Instant deadline_;
};

// The next tick of an Interval; its value is the tick's scheduled instant.
class TickArm final : public SelectArm {
 public:
  using value_type = Instant;
  explicit TickArm(Interval& interval) noexcept : interval_(&interval) {
    due_ = interval.next_tick();
  }
  bool ready() noexcept override { return weft::now() >= due_; }
  void arm(const OpSite&) noexcept override {}
  void disarm(const OpSite&) noexcept override {}
  const Instant* deadline() const noexcept override { return &due_; }
  WaitInfo info(Scheduler&, SourceLocation where) noexcept override {
    return WaitInfo{Op::sleep, ObjectKind::timer, kNoObject, kNoTask, where};
  }
  Instant take() { return interval_->complete_tick(); }

 private:
  Interval* interval_;
  Instant due_;
};

// A JoinHandle's task finishing; the value is join()'s (a JoinError is thrown from select).
template <class T>
class JoinArm final : public SelectArm {
 public:
  using value_type = T;
  explicit JoinArm(JoinHandle<T>& handle) : handle_(&handle) {
    if (!handle.valid()) throw std::logic_error("when::join on an empty JoinHandle");
  }
  bool ready() noexcept override { return handle_->state()->outcome != TaskOutcome::pending; }
  void arm(const OpSite&) noexcept override { w_.queue_in(handle_->state()->joiners); }
  void disarm(const OpSite&) noexcept override { w_.leave(); }
  WaitInfo info(Scheduler&, SourceLocation where) noexcept override {
    const TaskId id = handle_->id();
    return WaitInfo{Op::join, ObjectKind::task, id, id, where};
  }
  T take() {
    w_.leave();
    return handle_->join_finished();
  }

 private:
  JoinHandle<T>* handle_;
  ArmWaiter w_;
};

template <class Arm, class F>
decltype(auto) complete_branch(Arm& arm, F& handler) {
  using V = typename Arm::value_type;
  if constexpr (std::is_void_v<V>) {
    arm.take();
    return handler();
  } else if constexpr (std::is_invocable_v<F&, V&&>) {
    return handler(arm.take());
  } else {
    (void)arm.take();
    return handler();
  }
}

template <class Arm, class F>
using branch_result_t = decltype(complete_branch(std::declval<Arm&>(), std::declval<F&>()));

}  // namespace detail

// One branch of a select: an operation (weft::when::...) and what to do with its value.
template <class Arm, class F>
struct Branch {
  Arm arm;
  F handler;
  bool enabled = true;
  SourceLocation where;
};

template <class Arm, class F>
Branch<std::decay_t<Arm>, std::decay_t<F>> branch(
    Arm&& arm, F&& handler, SourceLocation where = SourceLocation::current()) {
  return {std::forward<Arm>(arm), std::forward<F>(handler), true, where};
}

// A branch with a precondition (tokio's `, if cond`): when cond is false the operation is not
// waited on at all.
template <class Arm, class F>
Branch<std::decay_t<Arm>, std::decay_t<F>> branch_if(
    bool cond, Arm&& arm, F&& handler, SourceLocation where = SourceLocation::current()) {
  return {std::forward<Arm>(arm), std::forward<F>(handler), cond, where};
}

namespace detail {
// The operation of an otherwise branch: never waited on, it runs only when no other branch is
// enabled.
class ElseArm final : public SelectArm {
 public:
  using value_type = void;
  bool ready() noexcept override { return false; }
  void arm(const OpSite&) noexcept override {}
  void disarm(const OpSite&) noexcept override {}
  WaitInfo info(Scheduler&, SourceLocation where) noexcept override {
    return WaitInfo{Op::wait, ObjectKind::none, kNoObject, kNoTask, where};
  }
  void take() noexcept {}
};
}  // namespace detail

// tokio's `else =>` branch: its handler runs, without waiting, when every other branch is
// disabled (branch_if with a false condition), where select would otherwise throw. It must be the
// last branch.
template <class F>
Branch<detail::ElseArm, std::decay_t<F>> otherwise(
    F&& handler, SourceLocation where = SourceLocation::current()) {
  return {detail::ElseArm{}, std::forward<F>(handler), true, where};
}

namespace detail {
template <bool Biased, class... Arms, class... Fs>
auto run_select(Branch<Arms, Fs>&... branches) {
  constexpr std::size_t n = sizeof...(Arms);
  static_assert(n > 0, "weft::select needs at least one branch");
  static_assert((std::is_base_of_v<SelectArm, Arms> && ...),
                "a select branch's operation must be a weft::when::... operation");
  constexpr std::size_t elses = (std::size_t{std::is_same_v<Arms, ElseArm>} + ...);
  static_assert(
      elses == 0 ||
          (elses == 1 && std::is_same_v<std::tuple_element_t<n - 1, std::tuple<Arms...>>, ElseArm>),
      "weft::otherwise must be the last branch, and only one");
  SelectArm* arms[] = {&branches.arm...};
  const bool enabled[] = {(branches.enabled && !std::is_same_v<Arms, ElseArm>)...};
  const SourceLocation where = std::get<0>(std::forward_as_tuple(branches...)).where;
  bool any_enabled = false;
  for (bool e : enabled) any_enabled = any_enabled || e;
  const std::size_t winner =
      elses == 1 && !any_enabled ? n - 1 : select_wait(arms, enabled, n - elses, Biased, where);
  constexpr bool all_void = (std::is_void_v<branch_result_t<Arms, Fs>> && ...);
  if constexpr (all_void) {
    std::size_t i = 0;
    ((i++ == winner ? (void)complete_branch(branches.arm, branches.handler) : void()), ...);
    return winner;
  } else {
    using R = std::common_type_t<branch_result_t<Arms, Fs>...>;
    std::optional<R> out;
    std::size_t i = 0;
    ((i++ == winner ? (void)out.emplace(complete_branch(branches.arm, branches.handler)) : void()),
     ...);
    return R(std::move(*out));
  }
}
}  // namespace detail

// Waits until one of the branches' operations completes and runs its handler; ties between
// branches ready at once are an explored decision. See the top of this header.
template <class... Arms, class... Fs>
auto select(Branch<Arms, Fs>... branches) {
  return detail::run_select<false>(branches...);
}

// Like select, but ties go to the first ready branch in the order written (tokio's `biased;`).
template <class... Arms, class... Fs>
auto select_biased(Branch<Arms, Fs>... branches) {
  return detail::run_select<true>(branches...);
}

namespace when {

// Completes once d has passed (measured from now, when the operation is made, as tokio's sleep).
// Precondition: from a task.
inline detail::SleepArm sleep(Duration d) { return detail::SleepArm(deadline_after(d)); }
// Completes at the instant `at` (tokio's sleep_until).
inline detail::SleepArm deadline(Instant at) { return detail::SleepArm(at); }
// The interval's next tick (tokio's interval.tick() in a select); the value is its instant. A
// lost tick is not consumed.
inline detail::TickArm tick(Interval& interval) { return detail::TickArm(interval); }
// The task finishing: its value, or select throws JoinError as join() would. The handle is used
// up only when this branch wins.
template <class T>
detail::JoinArm<T> join(JoinHandle<T>& handle) {
  return detail::JoinArm<T>(handle);
}
// The receiver being closed or dropped, as oneshot::Sender::closed().
template <class T>
detail::ClosedArm<detail::OneshotCore, ObjectKind::oneshot> closed(const oneshot::Sender<T>& tx) {
  return detail::ClosedArm<detail::OneshotCore, ObjectKind::oneshot>(tx.core());
}

}  // namespace when
}  // namespace weft
