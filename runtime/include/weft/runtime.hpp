// weft::Runtime: a simulated tokio-like runtime on one OS thread, driven by a Chooser.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/check.hpp"
#include "weft/chooser.hpp"
#include "weft/ids.hpp"
#include "weft/observer.hpp"
#include "weft/source_location.hpp"
#include "weft/time.hpp"

namespace weft {

enum class Flavor : std::uint8_t {
  multi_thread,    // every runtime operation is a scheduling point; at shutdown, tasks may still
                   // run between drops (other workers keep polling)
  current_thread,  // a task runs until it blocks or yields; shutdown drops back to back
};

std::string_view to_string(Flavor flavor) noexcept;
std::optional<Flavor> parse_flavor(std::string_view text) noexcept;

// The one default step limit, for a plain Runtime and for every execution of an exploration
// (--max-steps): a program gets the same limit in and out of weft's explorations. Far more than a
// test's shutdown race takes (the scenarios take hundreds), few enough that a livelock is a hang
// report in well under a second rather than a stall.
inline constexpr std::uint64_t kDefaultMaxSteps = 100'000;

struct RuntimeOptions {
  // Unset: multi_thread, or inside an exploration the exploration's flavor (its target's, or
  // --flavor). Set, it is what the code asked for and holds in explorations too: code that is
  // correct only because a current_thread runtime never switches tasks between two awaits must
  // not be explored as multi_thread.
  std::optional<Flavor> flavor;
  // A run that takes more scheduling points than this, or whose clock passes max_virtual_time,
  // stops with a Hang. 0 means no limit. Inside an exploration its --max-steps and
  // --max-virtual-time apply instead when they are set (a step limit other than the default).
  std::uint64_t max_steps = kDefaultMaxSteps;
  Duration max_virtual_time = Duration::zero();
  // Bytes of stack per task fiber (pages are committed only when touched).
  std::size_t stack_size = 128 * 1024;
};

// What a task is doing, for deadlock explanations and leak reports.
enum class TaskState : std::uint8_t { idle, runnable, running, blocked, finished };
std::string_view to_string(TaskState state) noexcept;

struct TaskSnapshot {
  TaskId id = kNoTask;
  std::string name;
  SourceLocation spawn_site;
  TaskId parent = kNoTask;
  TaskState state = TaskState::idle;
  // Set when blocked: what the task waits on and, when one task can release it, which.
  Op wait_op = Op::none;
  ObjectKind wait_kind = ObjectKind::none;
  ObjectId wait_object = kNoObject;
  TaskId wait_holder = kNoTask;
  SourceLocation wait_site;   // the user call that blocked
  bool has_deadline = false;  // blocked with a timer armed (sleep, timed wait)
  Duration deadline{};
  SourceLocation last_site;  // the task's latest scheduling point
};

// The execution stopped because it could not go on: thrown by block_on after every task was
// dropped. These are outcomes of the code under test, not errors of weft.
class ExecutionStopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class Deadlock : public ExecutionStopped {
 public:
  using ExecutionStopped::ExecutionStopped;
};
class Hang : public ExecutionStopped {
 public:
  using ExecutionStopped::ExecutionStopped;
};
// The execution reached a point where the real program would call std::terminate (see
// detail::terminate_execution): a failed check of the code under test at `where`.
class Terminated : public CheckFailure {
 public:
  using CheckFailure::CheckFailure;
};
// Misuse of the runtime API, such as block_on inside a task or spawn outside a runtime.
class RuntimeError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {
class Scheduler;
struct Task;
}  // namespace detail

class Runtime {
 public:
  // Inside an exploration the runtime uses the exploration's chooser and observer (see
  // detail::ExplorationHooks); otherwise FirstChooser and no observer.
  explicit Runtime(RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs fn as the root task until it returns, then shuts down the runtime: tasks still alive
  // are dropped in chooser order (see Flavor). Returns fn's value; rethrows its exception.
  // Throws Deadlock or Hang when the run cannot finish, RuntimeError when called from a task.
  template <class F>
  std::invoke_result_t<F&> block_on(F&& fn, SourceLocation where = SourceLocation::current());

  // Runs the root task and shutdown without returning a value; the type-erased core of block_on.
  void run_root(void (*root)(void*), void* arg, SourceLocation where);

  const RuntimeOptions& options() const { return options_; }
  // The flavor this runtime runs in (see RuntimeOptions::flavor).
  Flavor flavor() const;
  // A consistent picture of every task spawned by this runtime and not yet freed, in id order.
  std::vector<TaskSnapshot> tasks() const;
  std::uint64_t steps() const;
  Duration elapsed() const;

 private:
  RuntimeOptions options_;
  std::unique_ptr<detail::Scheduler> scheduler_;
};

template <class F>
std::invoke_result_t<F&> Runtime::block_on(F&& fn, SourceLocation where) {
  using R = std::invoke_result_t<F&>;
  struct Frame {
    std::remove_reference_t<F>* fn;
    std::optional<std::conditional_t<std::is_void_v<R>, bool, std::remove_cvref_t<R>>> result;
  } frame{&fn, {}};
  run_root(
      [](void* arg) {
        auto* f = static_cast<Frame*>(arg);
        if constexpr (std::is_void_v<R>) {
          (*f->fn)();
          f->result.emplace(true);
        } else {
          f->result.emplace((*f->fn)());
        }
      },
      &frame, where);
  if constexpr (!std::is_void_v<R>) return std::move(*frame.result);
}

namespace detail {
// Set by the harness around each execution (thread-local): a Runtime constructed while hooks are
// installed uses them.
struct ExplorationHooks {
  Chooser* chooser = nullptr;
  Observer* observer = nullptr;
  // The flavor of a Runtime whose options do not choose one (RuntimeOptions::flavor).
  std::optional<Flavor> flavor;
  // The step limit (0: the runtime's own); it gives way to a RuntimeOptions::max_steps the code
  // set when it is the default, kDefaultMaxSteps.
  std::uint64_t max_steps = 0;
  Duration max_virtual_time = Duration::zero();
  // Leak checking, when set: after the root task returns, nothing is dropped yet; the other
  // tasks keep running (decisions asked as usual) until every one finished, or none can run and
  // no timer is pending (the rest wait forever), or the clock passed the root's return by
  // leak_grace, or 10'000 more steps were taken. Then EventKind::leak_check says how many tasks
  // are still alive (observers snapshot them with Runtime::tasks()) and shutdown proceeds as
  // usual. This runs tasks that would otherwise be dropped, so it changes the schedule.
  std::optional<Duration> leak_grace;
  // Long-poll timing, when nonzero and the observer wants EventKind::long_poll: the scheduler
  // reads a coarse wall clock at the end of every task step and emits long_poll for a step that
  // held the thread this long. Wall time goes into that event only, never into decisions.
  std::chrono::nanoseconds long_poll{0};
  // Condition-variable spurious wake-ups the chooser is asked about per run: once this many were
  // taken, later waits ask nothing and never wake spuriously. Unset: no limit.
  std::optional<std::uint32_t> spurious_wakeups;
  // Runtimes constructed on this thread before these hooks were installed (set by
  // ScopedExplorationHooks): none since means the body has not started one.
  std::uint64_t runtimes_before = 0;
};
// Installs hooks for the current thread until the returned guard is destroyed.
class ScopedExplorationHooks {
 public:
  explicit ScopedExplorationHooks(const ExplorationHooks& hooks);
  ~ScopedExplorationHooks();
  ScopedExplorationHooks(const ScopedExplorationHooks&) = delete;
  ScopedExplorationHooks& operator=(const ScopedExplorationHooks&) = delete;

 private:
  const ExplorationHooks* previous_;
  ExplorationHooks hooks_;
};
const ExplorationHooks* current_exploration_hooks() noexcept;
}  // namespace detail

}  // namespace weft
