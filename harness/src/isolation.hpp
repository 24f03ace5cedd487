// Crash isolation (--isolate): an execution runs first in a forked child process, so that a crash
// in the code under test (a signal, std::terminate, exit, a hang the watchdog stops) ends the
// child instead of the exploration. The child tells its parent how it ended through a block of
// shared memory that its crash handlers fill; the parent turns that into a failure with the
// execution's decisions (a trace that replays) and goes on as for any failure.
//
// The child's results are not sent back: an execution whose child survived runs again in the
// exploring process (the same decisions give the same execution), where the strategy and the
// detectors learn from it as without isolation. Isolation costs a fork and a second run per
// execution; it is for campaigns over code that may crash.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "weft/detail/thread_watch.hpp"
#include "weft/harness/decision.hpp"
#include "weft/harness/failure.hpp"
#include "weft/source_location.hpp"

namespace weft::detail {

struct ThreadSlot;

// How the child's execution ended, as its handlers saw it.
enum class ChildEnding : int { none, signal, failure, exit };

// Shared between the child (writes, from its handlers) and the parent (reads after the child
// ended). Fixed layout, no pointers into the child's heap: the child may die at any instruction.
struct IsolationBlock {
  std::atomic<int> ending{0};  // a ChildEnding; the first handler to claim it writes the rest
  std::atomic<bool> completed{false};
  std::uint64_t progress = 0;  // set_child_progress: where in its work the child was
  // ChildEnding::signal: what the signal handler knew.
  int signal = 0;
  bool stack_overflow = false;
  std::size_t stack_size = 0;
  bool in_task = false;
  std::uint64_t task = 0;
  char task_name[256] = {};
  std::size_t task_name_size = 0;
  // The task's last scheduling point: its strings are the program's literals, at the same
  // addresses in the parent.
  SourceLocation site;
  std::uint64_t step = 0;
  // ChildEnding::failure: the failure as JSON (std::terminate's report, the watchdog's hang).
  char failure_json[32 * 1024] = {};
  std::size_t failure_json_size = 0;
  // The execution's decisions so far (Decision is trivially copyable); the array follows.
  std::size_t decision_count = 0;
  bool decisions_cut = false;  // there were more than fit
};

// The child's side, called by the crash handlers of a slot whose `isolation` is set. The signal
// one is async-signal-safe.
void child_record_signal(IsolationBlock& block, const ThreadSlot& slot, int sig,
                         bool stack_overflow, const RunningTaskInfo& task) noexcept;
void child_record_failure(IsolationBlock& block, const ThreadSlot& slot,
                          const Failure& failure) noexcept;
void child_record_exit(IsolationBlock& block, const ThreadSlot& slot,
                       const RunningTaskInfo& task) noexcept;

// How an isolated execution went, seen from the parent.
struct ChildOutcome {
  bool survived = true;             // it ran to its end (the parent may run it again)
  Failure failure;                  // otherwise: how it ended (kind crash, hang, ...)
  std::vector<Decision> decisions;  // and its decisions up to there
  std::string output;               // what the child wrote to stdout and stderr
  std::uint64_t progress = 0;       // the last set_child_progress before it ended
};

// In the child: the child's work has reached `position` (e.g. the k-th execution of a batch), so
// that the parent knows which one ended it.
void set_child_progress(ThreadSlot& slot, std::uint64_t position) noexcept;

// Runs `execution` (which begins and ends one execution on `slot`'s thread) in a forked child.
// Throws std::runtime_error when the child cannot be created.
ChildOutcome run_in_child(ThreadSlot& slot, const std::function<void()>& execution);

// Writes a crashed child's output to stderr, framed, so that a sanitizer's report or an
// assertion's message is not lost.
void forward_child_output(const ChildOutcome& outcome);

}  // namespace weft::detail
