// Memory per parked task: N tasks each blocked in a one-hour sleep, resident memory read while
// they are all parked. Stacks are 128 KiB of address space, of which only touched pages count.
// Then the root sleeps past the deadline so every task wakes and finishes (no shutdown drops).
//
// rss_parked_MiB is the process's whole resident set while parked (the target: under 1 GiB for
// 100,000 tasks). bytes_per_task is the growth over the resident set before the runtime was made;
// stacks recycled by an earlier repetition are already resident then, so later repetitions
// report somewhat less than the first.
#include <cstdint>

#include "common.hpp"

namespace weft_bench {
namespace {

using namespace std::chrono_literals;

void memory_parked_tasks(benchmark::State& state) {
  const std::int64_t tasks = state.range(0);
  std::int64_t before = 0, parked = 0;
  for (auto _ : state) {
    before = resident_bytes();
    run_in_runtime(state, Setup::plain, [&] {
      for (std::int64_t i = 0; i < tasks; ++i) weft::spawn([] { weft::sleep(1h); });
      weft::yield_now();  // FIFO: every task runs once and parks before the root runs again
      parked = resident_bytes();
      weft::sleep(2h);
    });
  }
  state.counters["parked_tasks"] = static_cast<double>(tasks);
  state.counters["rss_parked_MiB"] = static_cast<double>(parked) / (1 << 20);
  state.counters["bytes_per_task"] =
      static_cast<double>(parked - before) / static_cast<double>(tasks);
}

// Checks that the parked picture is what the benchmark claims (every task blocked in sleep), so a
// change in the runtime cannot silently turn the benchmark into something else.
void memory_parked_tasks_check(benchmark::State& state) {
  for (auto _ : state) {
    weft::Runtime runtime(bench_options());
    std::size_t blocked = 0;
    runtime.block_on([&] {
      for (int i = 0; i < 1000; ++i) weft::spawn([] { weft::sleep(1h); });
      weft::yield_now();
      for (const weft::TaskSnapshot& t : runtime.tasks())
        blocked += t.state == weft::TaskState::blocked && t.wait_op == weft::Op::sleep;
      weft::sleep(2h);
    });
    if (blocked != 1000) state.SkipWithError("tasks were not all parked in sleep");
  }
}

BENCHMARK(memory_parked_tasks)
    ->Arg(100000)
    ->ArgName("tasks")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(memory_parked_tasks_check)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace weft_bench
