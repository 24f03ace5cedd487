// Shutdown with many live tasks: the root returns while N tasks are still alive, so shutdown
// drops every one of them (each drop is a decision when a chooser is installed). `parked` tasks
// have run and wait in a one-hour sleep (their stacks unwind when dropped); `unstarted` tasks were
// spawned and never polled (their captures are destroyed, nothing runs). The time per dropped task
// must stay flat as N grows in a plain runtime: shutdown is linear in the live tasks. Under a
// chooser that explores, every drop is a decision that offers each live task, so a drop costs
// time linear in the tasks still alive (the `_explored` rows show it).
#include <cstdint>

#include "common.hpp"

namespace weft_bench {
namespace {

using namespace std::chrono_literals;

void shutdown_drops(benchmark::State& state, Setup setup, bool started) {
  const std::int64_t tasks = state.range(0);
  CpuStopwatch watch;
  double shutdown_ns = 0;
  for (auto _ : state) {
    watch.start();
    double began = 0;
    {
      BenchHooks hooks(setup);
      weft::RuntimeOptions options = bench_options();
      weft::Runtime runtime(std::move(options));
      runtime.block_on([&] {
        for (std::int64_t i = 0; i < tasks; ++i) weft::spawn([] { weft::sleep(1h); });
        if (started) weft::yield_now();  // FIFO: every task runs once and parks
        watch.stop();
        began = watch.elapsed_ns();
      });
    }
    watch.stop();
    shutdown_ns += watch.elapsed_ns() - began;
  }
  state.counters["tasks"] = static_cast<double>(tasks);
  state.counters["ns_per_dropped_task"] =
      benchmark::Counter(shutdown_ns / static_cast<double>(tasks * state.iterations()));
}

void shutdown_parked(benchmark::State& state) { shutdown_drops(state, Setup::plain, true); }
void shutdown_parked_explored(benchmark::State& state) {
  shutdown_drops(state, Setup::chooser, true);
}
void shutdown_unstarted(benchmark::State& state) { shutdown_drops(state, Setup::plain, false); }
void shutdown_unstarted_explored(benchmark::State& state) {
  shutdown_drops(state, Setup::chooser, false);
}

BENCHMARK(shutdown_parked)->Arg(10000)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(shutdown_parked_explored)
    ->Arg(1000)
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(shutdown_unstarted)
    ->Arg(10000)
    ->Arg(1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(shutdown_unstarted_explored)
    ->Arg(1000)
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace weft_bench
