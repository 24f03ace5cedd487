// Shared pieces of the runtime benchmarks: runtime setups (plain, observed, explored), counters
// in nanoseconds, and resident memory.
#pragma once
#include <benchmark/benchmark.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <optional>

#include "weft/weft.hpp"

namespace weft_bench {

// How a benchmark's runtime is set up. `plain` is a runtime outside any exploration (default
// chooser, no observer); `observer` attaches an observer that ignores events, so the numbers show
// what emitting events costs; `chooser` installs a non-default chooser that always answers 0 (the
// same schedule as the default one), as every exploration has one, so decisions are built and
// asked.
enum class Setup { plain, observer, chooser };

class NullObserver final : public weft::Observer {
 public:
  void on_event(const weft::Event& event) override { benchmark::DoNotOptimize(&event); }
};

// Holds the hooks (if any) while a Runtime is constructed inside its scope.
class BenchHooks {
 public:
  explicit BenchHooks(Setup setup) {
    if (setup == Setup::observer)
      hooks_.emplace(weft::detail::ExplorationHooks{.observer = &observer_});
    if (setup == Setup::chooser)
      hooks_.emplace(weft::detail::ExplorationHooks{.chooser = &chooser_});
  }

 private:
  NullObserver observer_;
  weft::FirstChooser chooser_;  // not the runtime's own instance, so it counts as explored
  std::optional<weft::detail::ScopedExplorationHooks> hooks_;
};

// Benchmarks run far more scheduling points than the default step limit allows.
inline weft::RuntimeOptions bench_options() {
  weft::RuntimeOptions options;
  options.max_steps = 0;
  return options;
}

// Thread CPU time around a benchmark loop, for counters in plain nanoseconds (rate counters
// would print seconds). Start it just before `for (auto _ : state)`, stop it right after.
class CpuStopwatch {
 public:
  void start() { start_ = now(); }
  void stop() { elapsed_ = now() - start_; }
  double elapsed_ns() const { return elapsed_; }

 private:
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
  }
  double start_ = 0, elapsed_ = 0;
};

// CPU nanoseconds per unit of work.
inline benchmark::Counter ns_per(const CpuStopwatch& watch, double units) {
  return benchmark::Counter(units > 0 ? watch.elapsed_ns() / units : 0);
}
// Units per CPU second (shown as k/M per second).
inline benchmark::Counter per_second(double units) {
  return benchmark::Counter(units, benchmark::Counter::kIsRate);
}

// Resident set size of this process, from /proc/self/statm.
inline std::int64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0, resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  if (n != 2) return -1;
  return static_cast<std::int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

// Runs body as the root task of a fresh runtime with the given setup; a runtime failure becomes
// a benchmark error instead of an exception escaping the benchmark.
template <class F>
void run_in_runtime(benchmark::State& state, Setup setup, F&& body,
                    weft::RuntimeOptions options = bench_options()) {
  BenchHooks hooks(setup);
  weft::Runtime runtime(std::move(options));
  try {
    runtime.block_on(body);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace weft_bench
