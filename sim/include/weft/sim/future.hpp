// weft::sim::promise, future, shared_future and async: std's futures under weft's scheduler.
// Waiting is a scheduling point and blocks the thread (a wait nobody will satisfy is reported as
// a deadlock); timed waits are on the virtual clock. Errors are std's: std::future_error with
// broken_promise when a promise is destroyed unsatisfied, promise_already_satisfied,
// future_already_retrieved and no_state. async(launch::async, ...) runs the function on a new
// thread whose last future waits for it when destroyed (as std's does); launch::deferred runs it
// in the first thread that waits; the default policy picks async. Left out: packaged_task,
// set_value_at_thread_exit.
#pragma once
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/detail/primitive.hpp"
#include "weft/detail/scheduler_api.hpp"
#include "weft/sim/chrono.hpp"
#include "weft/source_location.hpp"
#include "weft/task.hpp"

namespace weft::sim {

using std::future_category;
using std::future_errc;
using std::future_error;
using std::future_status;
using std::launch;

namespace detail {

// The shared state without its value: readiness, the stored exception, the waiters, a deferred
// function, and the thread of an async call.
class FutureCore {
 public:
  FutureCore() = default;
  FutureCore(const FutureCore&) = delete;
  FutureCore& operator=(const FutureCore&) = delete;
  virtual ~FutureCore() = default;

  bool ready() const noexcept { return ready_; }
  // Where the promise (or the async call) that made the state was written, for reports.
  void created_at(SourceLocation created) noexcept { weft::detail::record_creation(tag_, created); }
  // Blocks until ready (running a deferred function first). A scheduling point.
  void wait(SourceLocation where);
  // false: the deadline passed first (a deferred function: future_status::deferred, no wait).
  future_status wait_until(Instant deadline, SourceLocation where);
  // future_error(promise_already_satisfied) once ready.
  void check_unsatisfied() const;
  // Marks the state ready and wakes the waiters (quiet: without a scheduling point).
  void make_ready(SourceLocation where, bool quiet);
  // quiet: from a destructor (an abandoned promise), without a scheduling point.
  void set_exception(std::exception_ptr error, SourceLocation where, bool quiet = false);
  void rethrow_if_error() const {
    if (error_) std::rethrow_exception(error_);
  }
  // The first get_future() of a promise; then future_already_retrieved.
  void retrieve();

  void set_deferred(std::function<void()> run) { deferred_ = std::move(run); }
  void set_async(JoinHandle<void> thread) { async_ = std::move(thread); }
  // The last future or shared_future of the state goes: an async call's thread is waited for.
  void add_consumer() noexcept { ++consumers_; }
  void drop_consumer() noexcept;

 protected:
  std::exception_ptr error_;

 private:
  bool ready_ = false;
  bool retrieved_ = false;
  unsigned consumers_ = 0;
  std::function<void()> deferred_;
  JoinHandle<void> async_;
  weft::detail::ObjectTag tag_;
  weft::detail::WaitQueue waiters_;
};

template <class R>
using stored_t =
    std::conditional_t<std::is_void_v<R>, bool,
                       std::conditional_t<std::is_reference_v<R>, std::remove_reference_t<R>*, R>>;

template <class R>
class SharedState final : public FutureCore {
 public:
  template <class... V>
  void set_value(SourceLocation where, V&&... v) {
    check_unsatisfied();
    if constexpr (std::is_void_v<R>)
      value_.emplace(true);
    else if constexpr (std::is_reference_v<R>)
      value_.emplace(&v...);
    else
      value_.emplace(std::forward<V>(v)...);
    make_ready(where, false);
  }
  // Precondition: ready().
  stored_t<R>& value() {
    rethrow_if_error();
    return *value_;
  }

 private:
  std::optional<stored_t<R>> value_;
};

template <class R>
using state_ptr = std::shared_ptr<SharedState<R>>;

[[noreturn]] inline void throw_future(future_errc code) { throw future_error(code); }

// Makes the future of a state (promise::get_future, async).
struct future_access {
  template <class R>
  static auto make(state_ptr<R> state) noexcept;
};

// What future and shared_future share: the state and the waits.
template <class R>
class future_base {
 public:
  bool valid() const noexcept { return state_ != nullptr; }
  void wait(SourceLocation where = SourceLocation::current()) const { checked().wait(where); }
  template <class Rep, class Period>
  future_status wait_for(const std::chrono::duration<Rep, Period>& d,
                         SourceLocation where = SourceLocation::current()) const {
    return checked().wait_until(saturating_add(virtual_now(), to_duration(d)), where);
  }
  template <class Clock, class Dur>
  future_status wait_until(const std::chrono::time_point<Clock, Dur>& t,
                           SourceLocation where = SourceLocation::current()) const {
    return checked().wait_until(to_instant(t), where);
  }

 protected:
  future_base() noexcept = default;
  explicit future_base(state_ptr<R> state) noexcept : state_(std::move(state)) {
    if (state_) state_->add_consumer();
  }
  future_base(const future_base& other) noexcept : future_base(other.state_) {}
  future_base(future_base&& other) noexcept : state_(std::move(other.state_)) {}
  ~future_base() { release(); }
  void assign(state_ptr<R> state) noexcept {
    release();
    state_ = std::move(state);
  }
  void release() noexcept {
    if (state_) state_->drop_consumer();
    state_.reset();
  }
  SharedState<R>& checked() const {
    if (!state_) throw_future(future_errc::no_state);
    return *state_;
  }

  state_ptr<R> state_;
};

}  // namespace detail

template <class R>
class shared_future;

template <class R>
class future : public detail::future_base<R> {
  using base = detail::future_base<R>;

 public:
  future() noexcept = default;
  future(future&&) noexcept = default;
  future& operator=(future&& other) noexcept {
    if (this != &other) base::assign(std::move(other.state_));
    return *this;
  }
  future(const future&) = delete;
  future& operator=(const future&) = delete;

  // Waits, then hands over the value or throws the stored exception; the future is then empty.
  R get(SourceLocation where = SourceLocation::current()) {
    auto& state = base::checked();
    state.wait(where);
    auto keep = std::move(base::state_);
    keep->drop_consumer();
    if constexpr (std::is_void_v<R>)
      (void)keep->value();
    else if constexpr (std::is_reference_v<R>)
      return *keep->value();
    else
      return std::move(keep->value());
  }
  shared_future<R> share() noexcept { return shared_future<R>(std::move(*this)); }

 private:
  template <class>
  friend class shared_future;
  friend struct detail::future_access;
  explicit future(detail::state_ptr<R> state) noexcept : base(std::move(state)) {}
};

template <class R>
class shared_future : public detail::future_base<R> {
  using base = detail::future_base<R>;

 public:
  shared_future() noexcept = default;
  shared_future(const shared_future&) noexcept = default;
  shared_future(shared_future&&) noexcept = default;
  shared_future(future<R>&& f) noexcept {
    base::state_ = std::move(f.state_);  // the consumer count moves with it
  }
  shared_future& operator=(const shared_future& other) noexcept {
    if (this != &other) {
      base::release();
      base::state_ = other.state_;
      if (base::state_) base::state_->add_consumer();
    }
    return *this;
  }
  shared_future& operator=(shared_future&& other) noexcept {
    if (this != &other) base::assign(std::move(other.state_));
    return *this;
  }

  // Waits, then returns the value (every copy sees the same one) or throws the stored exception.
  decltype(auto) get(SourceLocation where = SourceLocation::current()) const {
    auto& state = base::checked();
    state.wait(where);
    if constexpr (std::is_void_v<R>)
      (void)state.value();
    else if constexpr (std::is_reference_v<R>)
      return static_cast<R>(*state.value());
    else
      return static_cast<const R&>(state.value());
  }
};

template <class R>
class promise {
 public:
  promise(SourceLocation created = SourceLocation::current())
      : state_(std::make_shared<detail::SharedState<R>>()) {
    state_->created_at(created);
  }
  promise(promise&&) noexcept = default;
  promise& operator=(promise&& other) noexcept {
    if (this != &other) {
      abandon();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  promise(const promise&) = delete;
  promise& operator=(const promise&) = delete;
  // Unsatisfied, the state gets future_error(broken_promise): its future does not wait forever.
  ~promise() { abandon(); }

  void swap(promise& other) noexcept { std::swap(state_, other.state_); }

  future<R> get_future() {
    checked().retrieve();
    return detail::future_access::make(state_);
  }
  template <class V = R>
  requires(!std::is_void_v<R>) void set_value(V&& value,
                                              SourceLocation where = SourceLocation::current()) {
    checked().set_value(where, std::forward<V>(value));
  }
  void set_value(SourceLocation where = SourceLocation::current()) requires std::is_void_v<R> {
    checked().set_value(where);
  }
  void set_exception(std::exception_ptr error, SourceLocation where = SourceLocation::current()) {
    checked().set_exception(std::move(error), where);
  }

 private:
  detail::SharedState<R>& checked() const {
    if (!state_) detail::throw_future(future_errc::no_state);
    return *state_;
  }
  void abandon() noexcept {
    if (state_ && !state_->ready()) {
      state_->set_exception(std::make_exception_ptr(future_error(future_errc::broken_promise)),
                            SourceLocation{}, true);
    }
    state_.reset();
  }

  detail::state_ptr<R> state_;
};

template <class R>
auto detail::future_access::make(state_ptr<R> state) noexcept {
  return future<R>(std::move(state));
}

template <class R>
void swap(promise<R>& a, promise<R>& b) noexcept {
  a.swap(b);
}

namespace detail {
// Starts fn: on a new thread (launch::async, and the default), else deferred to the first wait.
template <class Fn>
auto start_async(launch policy, SourceLocation where, Fn fn) {
  using R = std::invoke_result_t<Fn&>;
  auto state = std::make_shared<SharedState<R>>();
  state->created_at(where);
  auto run = [state, fn = std::move(fn), where]() mutable {
    try {
      if constexpr (std::is_void_v<R>) {
        fn();
        state->set_value(where);
      } else {
        state->set_value(where, fn());
      }
    } catch (...) {
      // Whatever fn throws is the future's ([futures.async]); weft's unwinding of a dropped
      // thread is not fn's and goes on.
      if (weft::detail::handling_cancellation()) throw;
      state->set_exception(std::current_exception(), where);
    }
  };
  if ((policy & launch::async) == launch::async)
    state->set_async(weft::spawn(std::move(run), "async", where));
  else
    state->set_deferred(std::move(run));
  return future_access::make(std::move(state));
}

template <class F, class... Args>
auto bind_async(F&& f, Args&&... args) {
  return [fn = std::decay_t<F>(std::forward<F>(f)),
          args = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...)]() mutable {
    return std::apply([&](auto&... a) { return std::invoke(std::move(fn), std::move(a)...); },
                      args);
  };
}
}  // namespace detail

template <class F>
requires std::invocable<std::decay_t<F>>
auto async(launch policy, F&& f, SourceLocation where = SourceLocation::current()) {
  return detail::start_async(policy, where, detail::bind_async(std::forward<F>(f)));
}
template <class F, class A, class... Args>
requires std::invocable<std::decay_t<F>, std::decay_t<A>, std::decay_t<Args>...>
auto async(launch policy, F&& f, A&& a, Args&&... args) {
  return detail::start_async(
      policy, SourceLocation{},
      detail::bind_async(std::forward<F>(f), std::forward<A>(a), std::forward<Args>(args)...));
}
template <class F>
requires std::invocable<std::decay_t<F>>
auto async(F&& f, SourceLocation where = SourceLocation::current()) {
  return async(launch::async | launch::deferred, std::forward<F>(f), where);
}
template <class F, class A, class... Args>
requires std::invocable<std::decay_t<F>, std::decay_t<A>, std::decay_t<Args>...>
auto async(F&& f, A&& a, Args&&... args) {
  return async(launch::async | launch::deferred, std::forward<F>(f), std::forward<A>(a),
               std::forward<Args>(args)...);
}

}  // namespace weft::sim
