// Spawning, running and joining a trivial task, against a heap-allocated type-erased call and a
// bare fiber created and run to completion.
#include <functional>
#include <memory>

#include "common.hpp"
#include "raw_fiber.hpp"

namespace weft_bench {
namespace {

// What a task minimally is without fibers: a shared result slot and a type-erased body on the
// heap, called once.
void spawn_join_baseline_heap_function(benchmark::State& state) {
  for (auto _ : state) {
    auto result = std::make_shared<int>(0);
    auto body = std::make_unique<std::function<void()>>([result] { *result = 1; });
    benchmark::DoNotOptimize(body.get());
    (*body)();
    benchmark::DoNotOptimize(*result);
  }
}

// A fiber without a runtime: make_fcontext on a reused stack, jump in, run, jump out.
void spawn_join_baseline_raw_fiber(benchmark::State& state) {
  RawFiberRunner runner;
  int value = 0;
  for (auto _ : state) {
    runner.run([](void* arg) { *static_cast<int*>(arg) += 1; }, &value);
    benchmark::DoNotOptimize(value);
  }
}

void spawn_join_runtime(benchmark::State& state, Setup setup) {
  CpuStopwatch watch;
  run_in_runtime(state, setup, [&] {
    watch.start();
    for (auto _ : state) {
      auto handle = weft::spawn([] { return 1; });
      benchmark::DoNotOptimize(handle.join());
    }
    watch.stop();
  });
  state.counters["ns_per_task"] = ns_per(watch, static_cast<double>(state.iterations()));
}

// The same with a name given by the caller (no default name to build).
void spawn_join_runtime_named(benchmark::State& state) {
  CpuStopwatch watch;
  run_in_runtime(state, Setup::plain, [&] {
    watch.start();
    for (auto _ : state) {
      auto handle = weft::spawn([] { return 1; }, "worker");
      benchmark::DoNotOptimize(handle.join());
    }
    watch.stop();
  });
  state.counters["ns_per_task"] = ns_per(watch, static_cast<double>(state.iterations()));
}

BENCHMARK(spawn_join_baseline_heap_function);
BENCHMARK(spawn_join_baseline_raw_fiber);
BENCHMARK_CAPTURE(spawn_join_runtime, plain, Setup::plain);
BENCHMARK_CAPTURE(spawn_join_runtime, observer, Setup::observer);
BENCHMARK_CAPTURE(spawn_join_runtime, chooser, Setup::chooser);
BENCHMARK(spawn_join_runtime_named);

}  // namespace
}  // namespace weft_bench
