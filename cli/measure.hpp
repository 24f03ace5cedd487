// `weft measure`: how fast each strategy finds each registered buggy scenario's failure, and how
// large each fixed scenario's exhaustive space is, as a markdown table (docs/scenario-results.md).
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace weft {

struct MeasureOptions {
  std::uint64_t seeds = 100;              // random and PCT run seeds 1..seeds; DFS runs once
  std::uint64_t max_executions = 100000;  // per run: a failure not found by then counts as missed
  std::vector<std::string> scenarios;     // only these (empty: all registered)
  // These buggy scenarios get `slow_seeds` seeds instead (e.g. ones whose executions cost wall
  // time on purpose, like blocking-in-task).
  std::vector<std::string> slow;
  std::uint64_t slow_seeds = 10;
};

// Writes the table to out and progress lines to err. Returns 0 when every buggy scenario's
// failure was found with its expected kind within its stated budgets and every fixed one came
// out clean, 1 otherwise.
int run_measure(const MeasureOptions& options, std::ostream& out, std::ostream& err);

}  // namespace weft
