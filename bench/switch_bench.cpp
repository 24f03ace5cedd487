// Task switch cost: tasks passing control with weft::yield_now, against a bare Boost.Context
// round trip. A runtime switch (task A -> scheduler -> task B) and a raw round trip (caller ->
// fiber -> caller) are both two jump_fcontext calls, so the ratio is the runtime's overhead.
#include <vector>

#include "common.hpp"
#include "raw_fiber.hpp"

namespace weft_bench {
namespace {

void switch_raw_fcontext_round_trip(benchmark::State& state) {
  RawPingFiber fiber;
  CpuStopwatch watch;
  watch.start();
  for (auto _ : state) fiber.round_trip();
  watch.stop();
  state.counters["ns_per_switch"] = ns_per(watch, static_cast<double>(state.iterations()));
  // Full runs only (not the library's short runs that estimate the iteration count).
  if (state.iterations() >= 1'000'000)
    record_raw_round_trip_ns(state.counters["ns_per_switch"].value);
}

// `tasks` tasks (the root and tasks-1 others) yield in a ring; each iteration is one yield of
// the root, so tasks switches.
void switch_runtime_yield(benchmark::State& state, Setup setup) {
  const int tasks = static_cast<int>(state.range(0));
  CpuStopwatch watch;
  run_in_runtime(state, setup, [&] {
    bool done = false;
    std::vector<weft::JoinHandle<void>> others;
    for (int i = 1; i < tasks; ++i)
      others.push_back(weft::spawn([&done] {
        while (!done) weft::yield_now();
      }));
    weft::yield_now();  // every task has started: the loop measures switches, not starts
    watch.start();
    for (auto _ : state) weft::yield_now();
    watch.stop();
    done = true;
    for (auto& h : others) h.join();
  });
  const double switches = static_cast<double>(state.iterations()) * tasks;
  state.counters["ns_per_switch"] = ns_per(watch, switches);
  state.counters["ratio_vs_raw"] = state.counters["ns_per_switch"].value / raw_round_trip_ns();
}

BENCHMARK(switch_raw_fcontext_round_trip);
BENCHMARK_CAPTURE(switch_runtime_yield, plain, Setup::plain)->Arg(2)->ArgName("tasks");
BENCHMARK_CAPTURE(switch_runtime_yield, observer, Setup::observer)->Arg(2)->ArgName("tasks");
// With three tasks every pick has two runnable candidates, so the chooser is asked each switch.
BENCHMARK_CAPTURE(switch_runtime_yield, chooser, Setup::chooser)->Arg(2)->Arg(3)->ArgName("tasks");
BENCHMARK_CAPTURE(switch_runtime_yield, plain, Setup::plain)->Arg(3)->ArgName("tasks");

}  // namespace
}  // namespace weft_bench
