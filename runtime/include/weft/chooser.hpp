// The Chooser seam: every nondeterministic decision of the runtime goes through one call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "weft/ids.hpp"

namespace weft {

enum class DecisionKind : std::uint8_t {
  schedule,   // which runnable task runs next
  timer_tie,  // which of several timers with the same deadline fires first
  shutdown,   // during shutdown: run a runnable task one step, or drop a task
  spurious,   // whether a condvar wait wakes spuriously (candidate 0: no, 1: yes)
  value,      // a value requested by user code through weft::choose
};

std::string_view to_string(DecisionKind kind) noexcept;

// One alternative of a decision. For schedule/shutdown candidates `task` is the task and `op`,
// `object` its pending operation (Op::drop for a drop candidate). For timer ties `task` is the
// task the timer wakes. For spurious/value decisions only the index matters.
struct Candidate {
  TaskId task = kNoTask;
  Op op = Op::none;
  ObjectId object = kNoObject;
  // Schedule candidates: the task gave way (weft::yield_now, or a spin the runtime recognised,
  // see runtime/INTERNALS.md "Fairness") and has not run since. The runtime already leaves out a
  // task that gave way while another candidate has not run since; this flag lets a strategy
  // treat the rest as it likes (PCT lowers their priority).
  bool yielded = false;
};

// Context of a decision that strategies may use: the step number (scheduling points so far) and,
// for schedule decisions, whether candidate 0 is the task that was running (so choosing any
// other index is a preemption).
struct DecisionContext {
  std::uint64_t step = 0;
  bool first_is_current = false;
};

class Chooser {
 public:
  virtual ~Chooser() = default;
  // Precondition: candidates.size() >= 2 (single-candidate decisions are never asked or
  // recorded). Returns an index < candidates.size().
  virtual std::size_t choose(DecisionKind kind, std::span<const Candidate> candidates,
                             const DecisionContext& context) = 0;
};

// The chooser a runtime uses outside any exploration: always index 0, which means "keep running
// the current task", FIFO order among runnable tasks, timers in registration order, and at
// shutdown drop tasks in id order.
class FirstChooser final : public Chooser {
 public:
  std::size_t choose(DecisionKind, std::span<const Candidate>, const DecisionContext&) override {
    return 0;
  }
};

}  // namespace weft
