// A strategy is a Chooser with per-execution state: the explorer calls begin_execution, the
// runtime asks choose() at every decision, and the explorer reports the end with end_execution.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "weft/chooser.hpp"
#include "weft/observer.hpp"

namespace weft {

// What a strategy learns when an execution ends.
struct ExecutionSummary {
  std::uint64_t steps = 0;    // scheduling points the execution took
  std::size_t decisions = 0;  // decisions asked (with >= 2 candidates)
  bool failed = false;
};

class Strategy : public Chooser {
 public:
  // Starts execution number `index` (0-based) whose seed is `seed`. Returns false when the
  // strategy has no execution left (an exhaustive search that covered its space).
  virtual bool begin_execution(std::uint64_t index, std::uint64_t seed) = 0;
  virtual void end_execution(const ExecutionSummary&) {}
  // The strategy's name as written in traces and on the command line ("random", "pct", ...).
  virtual std::string name() const = 0;
  // Parameters that, with the seed, reproduce an execution (echoed into trace files).
  virtual nlohmann::json parameters() const = 0;
  // True once an exhaustive strategy has covered every execution within its bounds.
  virtual bool exhausted() const { return false; }
  // Whether execution k depends only on (parameters, seed of k): true for seeded strategies,
  // which can then run on several threads; false for DFS, which must run in order.
  virtual bool independent_executions() const { return true; }
  // An observer the explorer installs for each execution, for strategies that learn from the
  // executed steps (partial-order reduction); nullptr for the others.
  virtual Observer* step_observer() { return nullptr; }
  // The largest preemption bound within which every execution (up to the strategy's
  // equivalence) has been run so far; nullopt for strategies without bounds, or when not even
  // bound 0 is covered yet. Read after the exploration, for the report.
  virtual std::optional<std::int64_t> covered_bound() const { return std::nullopt; }
  // A fresh strategy with the same parameters, for another worker thread.
  virtual std::unique_ptr<Strategy> clone() const = 0;
  // For a tree search on several threads (--jobs): called between executions, gives away part of
  // what this strategy has left to run, as a strategy that runs exactly that part, and never runs
  // that part itself. In the one-thread order of executions, everything this strategy still runs
  // comes before everything the returned one runs, and the returned one runs its part in the
  // one-thread order. Null when there is nothing to give, or the strategy cannot split (the
  // default: seeded strategies run on several threads without it, and DPOR's later executions
  // depend on what every earlier one found).
  virtual std::unique_ptr<Strategy> split() { return nullptr; }
  // Whether split() can ever give something: the exploration then runs on several threads.
  virtual bool splittable() const { return false; }
  // For a part whose next executions depend on what every part before it found (the next bound
  // of an iterative search begins where the whole previous bound refused): true while it cannot
  // begin its next execution until every part before it in the one-thread order has ended (the
  // part is set aside meanwhile and its thread runs other parts: tree_parts.hpp).
  virtual bool awaits_earlier_parts() const { return false; }
  // Called once every part before this one has ended, each having run all of its part (a part
  // cut earlier ends this one too: the one-thread search never got past it); afterwards
  // awaits_earlier_parts() is false and the part goes on (or is exhausted).
  virtual void earlier_parts_ended() {}
};

}  // namespace weft
