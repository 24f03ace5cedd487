// weft::sim::thread, jthread and this_thread: std's threads as weft tasks. A thread starts as a
// task of the running execution; join() waits for it (a scheduling point); detach() lets it run
// on as a task the runtime drops at shutdown (when the test's main returns), as a process exit
// ends detached threads. What the real program answers with std::terminate ends the execution as
// a failure (weft::Terminated) that names the thread's creation site: a joinable thread
// destroyed or assigned to, an exception escaping the thread's function.
//
// The creation site is recorded when the thread is given only its function (the common form);
// with arguments after the function there is nowhere to put a defaulted location, and reports
// name the thread that created it instead. join(), yield(), sleep_for() and sleep_until() take a
// defaulted location too, so their addresses (&thread::join) do not have std's type.
// stop_token, stop_source and stop_callback are std's own: stop_requested() is not a scheduling
// point.
#pragma once
#include <chrono>
#include <concepts>
#include <cstddef>
#include <functional>
#include <ostream>
#include <stop_token>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "weft/check.hpp"
#include "weft/detail/scheduler_api.hpp"
#include "weft/sim/chrono.hpp"
#include "weft/source_location.hpp"
#include "weft/task.hpp"
#include "weft/time.hpp"

namespace weft::sim {

using std::nostopstate;
using std::nostopstate_t;
using std::stop_callback;
using std::stop_source;
using std::stop_token;

namespace detail {

// A thread's identity: its task id and the execution (runtime) it belongs to.
class thread_id {
 public:
  thread_id() noexcept = default;
  thread_id(TaskId task, std::uint64_t execution) noexcept : task_(task), execution_(execution) {}
  friend bool operator==(const thread_id&, const thread_id&) = default;
  friend auto operator<=>(const thread_id&, const thread_id&) = default;
  friend std::ostream& operator<<(std::ostream& out, const thread_id& id) {
    if (id.task_ == kNoTask) return out << "thread::id of a non-executing thread";
    return out << id.task_;
  }
  TaskId task() const noexcept { return task_; }
  std::uint64_t execution() const noexcept { return execution_; }

 private:
  TaskId task_ = kNoTask;
  std::uint64_t execution_ = 0;
};

thread_id current_thread_id() noexcept;
// Whether the running thread is being dropped by the runtime (its stack unwinds at shutdown).
bool dropping_current_thread() noexcept;

// Ends the execution: an exception escaped the function of the thread created at `created`.
[[noreturn]] void escaped(const std::exception& e, SourceLocation created);
// Ends the execution: a joinable thread was destroyed (or assigned to); std::terminate.
[[noreturn]] void destroyed_joinable(const char* type, TaskId task, SourceLocation created,
                                     const char* how);

// The task body of a thread: calls the function, turns an escaping exception into a terminate.
// A failed WEFT_CHECK stays a panic of the thread (join() hands it to the joiner).
template <class Call>
auto thread_body(Call call, SourceLocation created) {
  return [call = std::move(call), created]() mutable {
    try {
      call();
    } catch (const weft::CheckFailure&) {
      throw;
    } catch (const std::exception& e) {
      escaped(e, created);
    }
  };
}

template <class F, class... Args>
auto bind_call(F&& f, Args&&... args) {
  return [fn = std::decay_t<F>(std::forward<F>(f)),
          args = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...)]() mutable {
    std::apply([&](auto&... a) { std::invoke(std::move(fn), std::move(a)...); }, args);
  };
}

// What thread and jthread share: the task's join handle and where it was created.
class thread_base {
 public:
  thread_base() noexcept = default;
  thread_base(thread_base&&) noexcept = default;

  bool joinable() const noexcept { return handle_.valid(); }
  thread_id get_id() const noexcept {
    return joinable() ? thread_id(handle_.id(), execution_) : thread_id();
  }
  void join(SourceLocation where);
  void detach(SourceLocation where);

 protected:
  template <class Body>
  void start(Body body, SourceLocation created) {
    created_ = created;
    weft::detail::threads_run_in_real_time();
    handle_ = weft::spawn(thread_body(std::move(body), created), {}, created);
    execution_ = current_thread_id().execution();
  }
  void move_from(thread_base& other) noexcept {
    handle_ = std::move(other.handle_);
    created_ = other.created_;
    execution_ = other.execution_;
  }
  void swap_with(thread_base& other) noexcept {
    std::swap(handle_, other.handle_);
    std::swap(created_, other.created_);
    std::swap(execution_, other.execution_);
  }

  JoinHandle<void> handle_;
  SourceLocation created_;
  std::uint64_t execution_ = 0;
};

}  // namespace detail

class thread : public detail::thread_base {
 public:
  using id = detail::thread_id;
  using native_handle_type = void*;

  thread() noexcept = default;
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, thread>) explicit thread(
      F&& f, SourceLocation created = SourceLocation::current()) {
    start(detail::bind_call(std::forward<F>(f)), created);
  }
  template <class F, class Arg, class... Args>
  requires(!std::same_as<std::remove_cvref_t<F>, thread>) explicit thread(F&& f, Arg&& arg,
                                                                          Args&&... args) {
    start(
        detail::bind_call(std::forward<F>(f), std::forward<Arg>(arg), std::forward<Args>(args)...),
        SourceLocation{});
  }
  thread(thread&& other) noexcept : thread_base(std::move(other)) {}
  thread& operator=(thread&& other) noexcept {
    if (joinable())
      detail::destroyed_joinable("std::thread", handle_.id(), created_, "assigned to");
    move_from(other);
    return *this;
  }
  ~thread() {
    if (joinable() && !detail::dropping_current_thread())
      detail::destroyed_joinable("std::thread", handle_.id(), created_, "destroyed");
  }

  void join(SourceLocation where = SourceLocation::current()) { thread_base::join(where); }
  void detach(SourceLocation where = SourceLocation::current()) { thread_base::detach(where); }
  void swap(thread& other) noexcept { swap_with(other); }
  friend void swap(thread& a, thread& b) noexcept { a.swap(b); }

  // A fixed answer, so explorations do not depend on the machine.
  static unsigned hardware_concurrency() noexcept { return 2; }
};

// std::jthread: requests a stop and joins when destroyed. A function that takes a stop_token
// first gets the thread's.
class jthread : public detail::thread_base {
 public:
  using id = detail::thread_id;

  jthread() noexcept : stop_(std::nostopstate) {}
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, jthread>) explicit jthread(
      F&& f, SourceLocation created = SourceLocation::current()) {
    launch(created, std::forward<F>(f));
  }
  template <class F, class Arg, class... Args>
  requires(!std::same_as<std::remove_cvref_t<F>, jthread>) explicit jthread(F&& f, Arg&& arg,
                                                                            Args&&... args) {
    launch(SourceLocation{}, std::forward<F>(f), std::forward<Arg>(arg),
           std::forward<Args>(args)...);
  }
  jthread(jthread&& other) noexcept
      : thread_base(std::move(other)),
        stop_(std::exchange(other.stop_, stop_source(nostopstate))) {}
  jthread& operator=(jthread&& other) noexcept {
    if (this != &other) {
      finish();
      move_from(other);
      stop_ = std::exchange(other.stop_, stop_source(nostopstate));
    }
    return *this;
  }
  ~jthread() { finish(); }

  void join(SourceLocation where = SourceLocation::current()) { thread_base::join(where); }
  void detach(SourceLocation where = SourceLocation::current()) { thread_base::detach(where); }
  void swap(jthread& other) noexcept {
    swap_with(other);
    std::swap(stop_, other.stop_);
  }
  friend void swap(jthread& a, jthread& b) noexcept { a.swap(b); }

  stop_source get_stop_source() noexcept { return stop_; }
  stop_token get_stop_token() const noexcept { return stop_.get_token(); }
  bool request_stop() noexcept { return stop_.request_stop(); }

  static unsigned hardware_concurrency() noexcept { return thread::hardware_concurrency(); }

 private:
  template <class F, class... Args>
  void launch(SourceLocation created, F&& f, Args&&... args) {
    if constexpr (std::is_invocable_v<std::decay_t<F>, stop_token, std::decay_t<Args>...>)
      start(detail::bind_call(std::forward<F>(f), stop_.get_token(), std::forward<Args>(args)...),
            created);
    else
      start(detail::bind_call(std::forward<F>(f), std::forward<Args>(args)...), created);
  }
  // request_stop() and join(), as ~jthread does; a thread dropped meanwhile only detaches (its
  // stack unwinds: nothing may block).
  void finish() noexcept;

  stop_source stop_;
};

namespace this_thread {

thread::id get_id() noexcept;
void yield(SourceLocation where = SourceLocation::current());
template <class Rep, class Period>
void sleep_for(const std::chrono::duration<Rep, Period>& d,
               SourceLocation where = SourceLocation::current()) {
  weft::sleep(std::max(Duration::zero(), sim::detail::to_duration(d)), where);
}
template <class Clock, class Dur>
void sleep_until(const std::chrono::time_point<Clock, Dur>& t,
                 SourceLocation where = SourceLocation::current()) {
  weft::sleep_until(sim::detail::to_instant(t), where);
}

}  // namespace this_thread
}  // namespace weft::sim

template <>
struct std::hash<weft::sim::detail::thread_id> {
  std::size_t operator()(const weft::sim::detail::thread_id& id) const noexcept {
    return std::hash<std::uint64_t>()((id.execution() << 32) ^ id.task());
  }
};
