// The explorer owns the loop: it runs a body under a strategy many times, collects failures from
// the detectors, and turns the first failing execution into a trace that replays it.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "weft/harness/failure.hpp"
#include "weft/harness/options.hpp"
#include "weft/harness/strategy.hpp"
#include "weft/harness/trace.hpp"
#include "weft/runtime.hpp"

namespace weft {

// What to explore: a body that creates a weft::Runtime and runs it, with the name and flavor
// recorded in traces. The flavor applies to every Runtime the body creates without choosing one
// (a RuntimeOptions::flavor set in code holds).
struct ExploreTarget {
  std::string name = "test";
  Flavor flavor = Flavor::multi_thread;
  std::function<void()> body;
};

// One distinct failure found by an exploration: the first failure of its failing executions, told
// apart by signature (kind, task name, location).
struct FailureSignature {
  Failure failure;               // as the lowest failing execution with it showed it
  std::uint64_t executions = 0;  // failing executions whose first failure has it
  std::uint64_t lowest_execution = 0;
  std::uint64_t lowest_seed = 0;  // replays it: --seed lowest_seed --iterations 1
};

// Distinct schedules are told apart among this many executions at most, so that a campaign's
// memory stays flat however long it runs (each execution in the window keeps 16 bytes).
inline constexpr std::uint64_t kDistinctWindow = std::uint64_t{1} << 20;

struct ExploreReport {
  std::uint64_t executions = 0;          // run (up to and including the first failing one)
  std::uint64_t distinct_schedules = 0;  // distinct decision lists among them
  // Non-zero when there were more executions than kDistinctWindow: distinct_schedules counts the
  // first distinct_window of them only.
  std::uint64_t distinct_window = 0;
  // "N distinct schedules", and "among the first W" when a window applied.
  std::string distinct_text() const {
    std::string text = std::to_string(distinct_schedules) + " distinct schedules";
    if (distinct_window != 0) text += " among the first " + std::to_string(distinct_window);
    return text;
  }
  bool exhausted = false;  // dfs covered its whole space within its bounds
  // Bounded strategies (dfs, dpor-bounded, dfs-iterative): the largest preemption bound within
  // which every schedule (up to equivalence) was run; INT64_MAX when every schedule was.
  std::optional<std::int64_t> covered_bound;
  bool cut_by_time_budget = false;  // the time budget stopped it before its iterations
  int stopped_by_signal = 0;        // SIGINT or SIGTERM stopped it (what it found is kept)
  double seconds = 0;               // wall time (never part of a trace)
  std::uint64_t pct_steps = 0;      // the PCT step estimate used
  std::string strategy;             // as reports name it: "pct depth 3 steps 40"
  std::vector<Failure> failures;    // of the first failing execution, earliest first
  std::optional<std::uint64_t> failing_execution;
  std::uint64_t failing_seed = 0;
  std::optional<Trace> trace;            // the first failing execution, with events
  std::uint64_t failing_executions = 0;  // with all_failures: how many executions failed
  // The distinct failures among the failing executions counted, by lowest execution (with
  // all_failures, every one the exploration ran into; without, the first).
  std::vector<FailureSignature> signatures;
  std::vector<std::string> notes;  // warnings worth printing (e.g. leaks in warn mode)
  // The warnings behind the notes: each signature once, from the lowest execution that showed it
  // (among those counted in `executions`), in execution order.
  std::vector<Failure> warnings;
  // A tree search (dfs, delay-bounded) on several threads: how many parts its tree was cut into
  // (0 on one thread). The result does not depend on it.
  std::uint64_t tree_parts = 0;
  bool ok() const { return failures.empty(); }
};

// Called now and then from the exploring thread (for a progress line).
struct Progress {
  std::uint64_t executions = 0;
  std::uint64_t failures = 0;
  double seconds = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

// Precondition: validate(options) passes. Throws OptionError for a bad combination.
ExploreReport explore(const ExploreOptions& options, const ExploreTarget& target,
                      const ProgressFn& progress = {});

// One execution under a given chooser, with the detectors the options select (and `extra`, an
// observer of the caller's, e.g. the fuzz target's schedule coverage, when not null).
struct ExecutionRecord {
  std::vector<Failure> failures;    // earliest first
  std::vector<Decision> decisions;  // what the chooser decided
  std::uint64_t steps = 0;
};
ExecutionRecord run_execution(const ExploreOptions& options, const ExploreTarget& target,
                              Chooser& chooser, Observer* extra = nullptr);

// A trace's header for an execution of `target` under `strategy` with `options`: names, flavor,
// strategy and its parameters, limits and detectors (no decisions, failure or events yet).
Trace base_trace(const ExploreOptions& options, const ExploreTarget& target,
                 const Strategy& strategy);
// The same without a strategy (its name and parameters left empty).
Trace base_trace(const ExploreOptions& options, const ExploreTarget& target);

struct ReplayResult {
  std::vector<Failure> failures;        // earliest first
  std::optional<std::string> mismatch;  // the decisions did not fit this execution
  Trace trace;                          // the input with events and failure re-recorded
};

// Replays trace.decisions against the target. Decisions past the end of the list take index 0.
ReplayResult replay(const Trace& trace, const ExploreTarget& target, const ExploreOptions& base);

struct ShrinkResult {
  Trace trace;
  std::size_t decisions_before = 0, decisions_after = 0;
  std::size_t preemptions_before = 0, preemptions_after = 0;
  std::uint64_t steps_before = 0, steps_after = 0;
  std::size_t attempts = 0;
};

// Called now and then while shrinking (for a progress line).
struct ShrinkProgress {
  std::size_t attempts = 0;
  std::size_t preemptions = 0;  // of the smallest failing schedule so far
  std::size_t decisions = 0;
  double seconds = 0;
};
using ShrinkProgressFn = std::function<void(const ShrinkProgress&)>;

// Minimises a failing trace's decisions (fewer preemptions, then fewer decisions and steps)
// keeping the failure's signature (kind, task name, location). Precondition: trace.failure.
// Bounded: base.time_budget seconds of wall time when nonzero, and a replay budget always;
// the smallest schedule found by then is the result.
ShrinkResult shrink(const Trace& input, const ExploreTarget& target, const ExploreOptions& base,
                    const ShrinkProgressFn& progress = {});

// Counts schedule decisions that switched away from a task that could have kept running.
std::size_t count_preemptions(const std::vector<Decision>& decisions);

}  // namespace weft
