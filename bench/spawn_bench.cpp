// Spawning, running and joining a trivial task, against a heap-allocated type-erased call and a
// bare fiber created and run to completion; and the same through a JoinSet of N tasks.
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

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

// Baseline of join_set_drain: N trivial tasks alive at once, their JoinHandles joined in spawn
// order, per task (the same tasks in memory at once, without a set).
void spawn_join_many(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  CpuStopwatch watch;
  run_in_runtime(state, Setup::plain, [&] {
    watch.start();
    for (auto _ : state) {
      std::vector<weft::JoinHandle<int>> handles;
      handles.reserve(n);
      for (std::size_t i = 0; i < n; ++i) handles.push_back(weft::spawn([] { return 1; }));
      int sum = 0;
      for (auto& h : handles) sum += h.join();
      benchmark::DoNotOptimize(sum);
    }
    watch.stop();
  });
  state.counters["ns_per_task"] =
      ns_per(watch, static_cast<double>(state.iterations()) * static_cast<double>(n));
}

// N trivial tasks spawned into a JoinSet and joined with join_next, per task. join_next pops a
// queue of ended tasks, so the cost per task stays flat as N grows (it was linear in N when
// join_next searched the set's vector for the task that ended and erased it from the front).
void join_set_drain(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  CpuStopwatch watch;
  run_in_runtime(state, Setup::plain, [&] {
    watch.start();
    for (auto _ : state) {
      weft::JoinSet<int> set;
      for (int i = 0; i < n; ++i) set.spawn([] { return 1; });
      int sum = 0;
      while (auto r = set.join_next()) sum += r->unwrap();
      benchmark::DoNotOptimize(sum);
    }
    watch.stop();
  });
  state.counters["ns_per_task"] =
      ns_per(watch, static_cast<double>(state.iterations()) * static_cast<double>(n));
}

BENCHMARK(spawn_join_baseline_heap_function);
BENCHMARK(spawn_join_baseline_raw_fiber);
BENCHMARK_CAPTURE(spawn_join_runtime, plain, Setup::plain);
BENCHMARK_CAPTURE(spawn_join_runtime, observer, Setup::observer);
BENCHMARK_CAPTURE(spawn_join_runtime, chooser, Setup::chooser);
BENCHMARK(spawn_join_runtime_named);
BENCHMARK(spawn_join_many)->Arg(16)->Arg(1024)->Arg(16384);
BENCHMARK(join_set_drain)->Arg(16)->Arg(1024)->Arg(16384);

}  // namespace
}  // namespace weft_bench
