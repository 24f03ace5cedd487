// Shutdown with many live tasks: the root returns while N tasks are still alive, so shutdown
// drops every one of them (each drop is a decision when a chooser is installed). `parked` tasks
// have run and wait in a one-hour sleep (their stacks unwind when dropped); `unstarted` tasks were
// spawned and never polled (their captures are destroyed, nothing runs). The time per dropped task
// must stay flat as N grows in a plain runtime, and grow at most like log N under a chooser that
// explores: the `_explored` rows ask a chooser that always answers 0 (the runtime's cost of a
// decision: its candidates come from an order-statistic index, not a list of every live task),
// the `_explored_random` rows one that answers uniformly at random (drops anywhere in the order,
// and in multi_thread runs of unstarted tasks, as the random strategy makes them).
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common.hpp"

namespace weft_bench {
namespace {

using namespace std::chrono_literals;

// Uniform answers from SplitMix64 with a fixed seed (the random strategy's kind of chooser).
class UniformChooser final : public weft::Chooser {
 public:
  std::size_t choose(weft::DecisionKind, const weft::Candidates& candidates,
                     const weft::DecisionContext&) override {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>((z ^ (z >> 31)) % candidates.size());
  }

 private:
  std::uint64_t state_ = 42;
};

void shutdown_drops(benchmark::State& state, Setup setup, bool started, bool random = false) {
  const std::int64_t tasks = state.range(0);
  CpuStopwatch watch;
  double shutdown_ns = 0;
  for (auto _ : state) {
    watch.start();
    double began = 0;
    {
      UniformChooser uniform;
      std::optional<weft::detail::ScopedExplorationHooks> uniform_hooks;
      if (random) uniform_hooks.emplace(weft::detail::ExplorationHooks{.chooser = &uniform});
      BenchHooks hooks(setup);
      weft::RuntimeOptions options = bench_options();
      // Spawning N tasks under an exploring chooser in multi_thread asks a schedule decision at
      // every spawn, each listing the runnable tasks (quadratic setup): the unstarted rows use
      // current_thread, where spawning asks nothing.
      if (!started) options.flavor = weft::Flavor::current_thread;
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
void shutdown_parked_explored_random(benchmark::State& state) {
  shutdown_drops(state, Setup::plain, true, true);
}
void shutdown_unstarted(benchmark::State& state) { shutdown_drops(state, Setup::plain, false); }
void shutdown_unstarted_explored(benchmark::State& state) {
  shutdown_drops(state, Setup::chooser, false);
}
void shutdown_unstarted_explored_random(benchmark::State& state) {
  shutdown_drops(state, Setup::plain, false, true);
}

// One iteration each: a run of 1M tasks takes seconds. Unstarted tasks, which hold no stack and
// are spawned on a current_thread runtime, go to 1M.
BENCHMARK(shutdown_parked)->Arg(10000)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);
// Explored parked rows stop at 10k: parking N tasks under an exploring chooser asks a schedule
// decision at each park that lists the runnable tasks (quadratic setup, not timed: 100k would
// take minutes before the shutdown starts).
BENCHMARK(shutdown_parked_explored)
    ->Arg(1000)
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(shutdown_parked_explored_random)
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
    ->Arg(100000)
    ->Arg(1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(shutdown_unstarted_explored_random)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace weft_bench
