// Timers: tasks sleeping many times in virtual time, so the clock auto-advances from one deadline
// to the next. Each iteration registers and fires tasks * sleeps timers (1,000,000 by default).
// The baseline is the bare data-structure work: a binary heap with the same number of live
// entries, one pop and one push per timer.
#include <cstdint>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "common.hpp"

namespace weft_bench {
namespace {

using namespace std::chrono_literals;

void timers_baseline_heap(benchmark::State& state) {
  const std::int64_t tasks = state.range(0);
  const std::int64_t sleeps = state.range(1);
  using Entry = std::pair<std::int64_t, std::uint64_t>;  // (deadline, seq)
  CpuStopwatch watch;
  watch.start();
  for (auto _ : state) {
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
    std::uint64_t seq = 0;
    for (std::int64_t i = 0; i < tasks; ++i) heap.push({1000 + i, seq++});
    std::int64_t fired = 0;
    while (!heap.empty()) {
      Entry e = heap.top();
      heap.pop();
      if (++fired <= tasks * (sleeps - 1)) heap.push({e.first + 1000, seq++});
    }
    benchmark::DoNotOptimize(fired);
  }
  watch.stop();
  const double timers = static_cast<double>(state.iterations() * tasks * sleeps);
  state.counters["timers_per_s"] = per_second(timers);
  state.counters["ns_per_timer"] = ns_per(watch, timers);
}

// Task i sleeps until (k + 1) * 1000 + i ns for k = 0 .. sleeps-1: every deadline is distinct,
// so each clock advance fires one timer while `tasks` timers are pending.
// With ties, task i sleeps until (k + 1) * 1000 ns: `tasks` timers fire per advance, in the tie
// order the chooser picks.
void timers_runtime(benchmark::State& state, Setup setup, bool ties) {
  const std::int64_t tasks = state.range(0);
  const std::int64_t sleeps = state.range(1);
  CpuStopwatch watch;
  watch.start();
  for (auto _ : state) {
    run_in_runtime(state, setup, [&] {
      std::vector<weft::JoinHandle<void>> handles;
      handles.reserve(static_cast<std::size_t>(tasks));
      for (std::int64_t i = 0; i < tasks; ++i)
        handles.push_back(weft::spawn([i, sleeps, ties] {
          const weft::Instant start = weft::now();
          for (std::int64_t k = 0; k < sleeps; ++k)
            weft::sleep_until(start + weft::Duration((k + 1) * 1000 + (ties ? 0 : i)));
        }));
      for (auto& h : handles) h.join();
      if (weft::now().time_since_epoch() != weft::Duration(sleeps * 1000 + (ties ? 0 : tasks - 1)))
        throw std::logic_error("timers did not all fire");
    });
  }
  watch.stop();
  const double timers = static_cast<double>(state.iterations() * tasks * sleeps);
  state.counters["timers_per_s"] = per_second(timers);
  state.counters["ns_per_timer"] = ns_per(watch, timers);
}

void timers_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"tasks", "sleeps"})->Args({1000, 1000})->Unit(benchmark::kMillisecond);
}

BENCHMARK(timers_baseline_heap)->Apply(timers_args);
BENCHMARK_CAPTURE(timers_runtime, distinct, Setup::plain, false)->Apply(timers_args);
BENCHMARK_CAPTURE(timers_runtime, distinct_observer, Setup::observer, false)->Apply(timers_args);
BENCHMARK_CAPTURE(timers_runtime, distinct_chooser, Setup::chooser, false)->Apply(timers_args);
BENCHMARK_CAPTURE(timers_runtime, ties, Setup::plain, true)->Apply(timers_args);
// Each tie group asks the chooser once per timer among those left: quadratic in the group size,
// so fewer tasks per deadline.
BENCHMARK_CAPTURE(timers_runtime, ties_chooser, Setup::chooser, true)
    ->ArgNames({"tasks", "sleeps"})
    ->Args({100, 10000})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(timers_runtime, one_task, Setup::plain, false)
    ->ArgNames({"tasks", "sleeps"})
    ->Args({1, 1000000})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace weft_bench
