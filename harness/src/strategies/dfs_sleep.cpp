// dfs-sleep: the exhaustive DFS (dfs.cpp) with sleep sets (Godefroid 1996), selectable on its own.
// A sleeping task is one whose next step was already explored from this node and is independent
// of the steps taken since, so running it now only reorders independent steps: the search skips
// those schedules. Sleep sets need the whole space, so the preemption bound is unbounded.
// Guarantee: every failure that unbounded DFS finds, in at most as many executions. Its traces
// name the strategy that runs them: dfs, with preemption_bound -1 and sleep_sets true.
#include <memory>

#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {

const StrategyEntry& dfs_sleep_entry() {
  static const StrategyEntry entry{
      .name = "dfs-sleep",
      .help = "exhaustive DFS without a preemption bound, with sleep-set partial-order reduction",
      .records = "as dfs: preemption_bound -1, sleep_sets true (a trace names it dfs)",
      .options = {},
      .seeded = false,
      .selectable = true,
      .measured = false,
      .parameters =
          [](const ExploreOptions&, const ExplorationProbe&) {
            return nlohmann::json{{"preemption_bound", -1}, {"sleep_sets", true}};
          },
      .make = [](ParameterReader& p) { return dfs_entry().make(p); },
      .validate = {},
  };
  return entry;
}

}  // namespace weft
