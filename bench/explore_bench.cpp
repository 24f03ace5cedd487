// Executions per second of whole explorations of the flagship scenario (producer/worker panic at
// shutdown), per strategy, on one thread and with --jobs 2. Every execution runs the scenario
// from scratch: runtime, tasks, channels, detectors. Exploration continues past failures
// (all_failures) so that each iteration does the same amount of work.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "weft/harness/explorer.hpp"
#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

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

// A tree search on one thread and split across --jobs 2 (the same 20,878 executions either way):
// the whole DFS (preemption bound 2) of the fixed select-shutdown scenario.
void BM_ExploreTreeDfs(benchmark::State& state) {
  const weft::Scenario* s = weft::find_scenario("select-shutdown-drains-queue");
  if (s == nullptr) {
    state.SkipWithError("scenario not registered");
    return;
  }
  weft::ExploreOptions options = weft::default_options(*s);
  options.strategy = "dfs";
  options.preemption_bound = 2;
  options.iterations = 1'000'000;
  options.jobs = static_cast<std::uint32_t>(state.range(0));
  std::uint64_t executions = 0;
  std::uint64_t parts = 0;
  for (auto _ : state) {
    weft::ExploreReport report = weft::explore(options, weft::target_of(*s));
    if (!report.exhausted) state.SkipWithError("the search did not cover its space");
    executions += report.executions;
    parts = report.tree_parts;
  }
  state.counters["executions_per_s"] =
      benchmark::Counter(static_cast<double>(executions), benchmark::Counter::kIsRate);
  state.counters["jobs"] = static_cast<double>(options.jobs);
  state.counters["parts"] = static_cast<double>(parts);
}

// A long campaign's memory: resident set growth per execution between the first million
// executions and the last, with --all-failures (every execution of this program fails, so the
// failure bookkeeping is exercised too). It must be flat: 0 bytes per execution, give or take
// the allocator (it was 48 bytes per execution, 120 GB for a day's campaign).
std::int64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0, resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<std::int64_t>(resident) * sysconf(_SC_PAGESIZE) : -1;
}

void BM_CampaignMemory(benchmark::State& state) {
  const std::uint64_t executions = static_cast<std::uint64_t>(state.range(0));
  constexpr std::uint64_t kWarm = 1'000'000;  // past the distinct-schedule window
  weft::ExploreOptions options;
  options.iterations = executions;
  options.all_failures = true;
  options.lock_order = false;
  const weft::ExploreTarget target{"campaign-memory", weft::Flavor::multi_thread, [] {
                                     weft::Runtime rt;
                                     rt.block_on([] {
                                       auto t = weft::spawn([] { weft::yield_now(); });
                                       weft::yield_now();
                                       t.join();
                                       throw std::runtime_error("every execution fails");
                                     });
                                   }};
  std::int64_t at_warm = 0;
  std::uint64_t warm_executions = 0;
  std::int64_t at_end = 0;
  std::uint64_t end_executions = 0;
  // Measured while the exploration runs (its last progress report), not after it returned.
  const weft::ProgressFn progress = [&](const weft::Progress& p) {
    if (at_warm == 0 && p.executions >= kWarm) {
      at_warm = resident_bytes();
      warm_executions = p.executions;
    } else if (at_warm != 0) {
      at_end = resident_bytes();
      end_executions = p.executions;
    }
  };
  for (auto _ : state) {
    weft::ExploreReport report = weft::explore(options, target, progress);
    if (report.executions != executions || report.failing_executions != executions)
      state.SkipWithError("the campaign did not run every execution");
  }
  state.counters["executions"] = static_cast<double>(executions);
  state.counters["rss_after_1M_MiB"] = static_cast<double>(at_warm) / (1 << 20);
  state.counters["rss_near_end_MiB"] = static_cast<double>(at_end) / (1 << 20);
  state.counters["bytes_per_execution"] =
      static_cast<double>(at_end - at_warm) / static_cast<double>(end_executions - warm_executions);
}

BENCHMARK(BM_CampaignMemory)->Arg(10'000'000)->Iterations(1)->Unit(benchmark::kSecond);

BENCHMARK(BM_ExploreFlagshipRandom)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExploreFlagshipPct)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExploreFixedRandom)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExploreTreeDfs)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
