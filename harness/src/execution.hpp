// What the explorer's three parts share (private to the harness): one execution of a body under a
// chooser (execution.cpp), used by the exploration (exploration.cpp) and by shrinking (shrink.cpp).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weft/harness/detector.hpp"
#include "weft/harness/event_log.hpp"
#include "weft/harness/explorer.hpp"

namespace weft::detail {

using Clock = std::chrono::steady_clock;  // wall time for budgets and reports only

// Seconds of wall time since `start`.
inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What one execution gave: its failures and warnings (each earliest first), the facts for checks
// across executions, the decisions its chooser took, and for a logged run its fingerprint.
struct ExecutionResult {
  std::vector<Failure> failures;
  std::vector<Failure> warnings;
  std::vector<ExecutionFact> facts;
  std::vector<Decision> decisions;
  std::uint64_t steps = 0;
  std::uint64_t fingerprint = 0;
  bool ran_runtime = false;  // the body ran a weft::Runtime (its own, or the implicit root's)
  // Under --isolate: the execution ended its child process (a crash), so this process must not
  // run it; `failures` says how it ended, `decisions` replay it.
  bool ended_process = false;
};

// How a failure's detail line about another OS thread using the runtime's objects begins.
inline constexpr std::string_view kForeignThreadHint =
    "an OS thread that weft does not run (a std::thread?) used this runtime's objects";

// Runs the body once. `chooser` null: the runtime's default choices, nothing recorded. `log` and
// `extra` (a caller's observer) may be null.
ExecutionResult run_once(const ExploreTarget& target, const ExploreOptions& options,
                         Chooser* chooser, std::vector<std::unique_ptr<Detector>>& detectors,
                         EventLog* log, Observer* extra = nullptr);

// The flavor the body's runtimes get: the options', else the target's.
Flavor effective_flavor(const ExploreOptions& options, const ExploreTarget& target);
// `base` with what the trace fixes for its execution (flavor, limits, detectors).
ExploreOptions options_for_trace(const Trace& trace, const ExploreOptions& base);
// The user's source root, when the options name one, applies to every failure located from now on.
void apply_source_root(const ExploreOptions& options);
// Whether a replay of `trace` runs in a child process first: its execution ended its process (a
// crash), or --isolate asks for it.
bool replays_in_child(const Trace& trace, const ExploreOptions& options);
// What crash and hang reports say while a trace replays (no trace is written: it exists).
struct ExplorationContext;
ExplorationContext replay_context(const Trace& trace, const ExploreOptions& options);
// Why `replayed` (a replay of `recorded`) ran another program than the one that recorded it, or
// nullopt: the tasks and source files their first events name differ.
std::optional<std::string> different_program(const Trace& recorded, const Trace& replayed);
// The decisions without the trailing default answers (a replay takes 0 past the end anyway).
std::vector<Decision> trim_defaults(std::vector<Decision> decisions);

}  // namespace weft::detail
