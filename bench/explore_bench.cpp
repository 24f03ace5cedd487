// Executions per second of whole explorations of the flagship scenario (producer/worker panic at
// shutdown), per strategy, on one thread and with --jobs 2. Every execution runs the scenario
// from scratch: runtime, tasks, channels, detectors. Exploration continues past failures
// (all_failures) so that each iteration does the same amount of work.
#include <benchmark/benchmark.h>

#include "weft/harness/explorer.hpp"
#include "weft/harness/scenario.hpp"

namespace {

void explore_flagship(benchmark::State& state, const char* strategy, const char* scenario) {
  const weft::Scenario* s = weft::find_scenario(scenario);
  if (s == nullptr) {
    state.SkipWithError("scenario not registered");
    return;
  }
  weft::ExploreOptions options = weft::default_options(*s);
  options.strategy = strategy;
  options.iterations = 2000;
  options.jobs = static_cast<std::uint32_t>(state.range(0));
  options.all_failures = true;
  std::uint64_t executions = 0;
  for (auto _ : state) {
    weft::ExploreReport report = weft::explore(options, weft::target_of(*s));
    executions += report.executions;
    benchmark::DoNotOptimize(report);
  }
  state.counters["executions_per_s"] =
      benchmark::Counter(static_cast<double>(executions), benchmark::Counter::kIsRate);
  state.counters["jobs"] = static_cast<double>(options.jobs);
}

void BM_ExploreFlagshipRandom(benchmark::State& state) {
  explore_flagship(state, "random", "shutdown-producer-worker");
}
void BM_ExploreFlagshipPct(benchmark::State& state) {
  explore_flagship(state, "pct", "shutdown-producer-worker");
}
void BM_ExploreFixedRandom(benchmark::State& state) {
  explore_flagship(state, "random", "shutdown-producer-worker-stop-on-close");
}

BENCHMARK(BM_ExploreFlagshipRandom)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExploreFlagshipPct)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExploreFixedRandom)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
