// What weft::sim's std-shaped types cost against the runtime's own: a mutex lock/unlock pair and
// an atomic fetch_add, on a plain runtime and with an exploring chooser installed (as in every
// exploration), next to std::mutex and std::atomic outside any runtime as the floor.
#include <atomic>
#include <mutex>
#include <type_traits>

#include "common.hpp"
#include "weft/atomic.hpp"
#include "weft/mutex.hpp"
#include "weft/sim/atomic.hpp"
#include "weft/sim/mutex.hpp"

namespace weft_bench {
namespace {

// Baselines: the real standard types, uncontended, no runtime.
void sim_baseline_std_mutex(benchmark::State& state) {
  std::mutex m;
  for (auto _ : state) {
    m.lock();
    m.unlock();
  }
}
void sim_baseline_std_atomic(benchmark::State& state) {
  std::atomic<long> a{0};
  for (auto _ : state) benchmark::DoNotOptimize(a.fetch_add(1));
}

// A second task that is always runnable, so every scheduling point has two candidates and an
// exploring chooser is asked (with one task there is nothing to decide). It yields until the
// benchmark's loop is over.
class Partner {
 public:
  Partner()
      : task_(weft::spawn([this] {
          while (!done_) weft::yield_now();
        })) {}
  ~Partner() {
    done_ = true;
    task_.join();
  }

 private:
  bool done_ = false;
  weft::JoinHandle<void> task_;
};

// Lock and unlock of an uncontended mutex inside a runtime: each is a scheduling point.
// weft::Mutex hands out a guard; a std-shaped mutex is locked through std::lock_guard, as user
// code does.
template <class Mutex>
void lock_unlock(benchmark::State& state, Setup setup) {
  CpuStopwatch watch;
  run_in_runtime(state, setup, [&] {
    Mutex m;
    const Partner partner;
    watch.start();
    for (auto _ : state) {
      if constexpr (std::is_same_v<Mutex, weft::Mutex<int>>) {
        auto guard = m.lock();
        benchmark::DoNotOptimize(&*guard);
      } else {
        std::lock_guard<Mutex> guard(m);
        benchmark::DoNotOptimize(&m);
      }
    }
    watch.stop();
  });
  state.counters["ns_per_pair"] = ns_per(watch, static_cast<double>(state.iterations()));
}

// fetch_add of an atomic inside a runtime: one scheduling point each.
template <class Atomic>
void fetch_add(benchmark::State& state, Setup setup) {
  CpuStopwatch watch;
  run_in_runtime(state, setup, [&] {
    Atomic a{0};
    const Partner partner;
    watch.start();
    for (auto _ : state) benchmark::DoNotOptimize(a.fetch_add(1));
    watch.stop();
  });
  state.counters["ns_per_op"] = ns_per(watch, static_cast<double>(state.iterations()));
}

// Named instances: the registration macros take a function name, not a template-id.
void lock_unlock_weft_Mutex(benchmark::State& state, Setup setup) {
  lock_unlock<weft::Mutex<int>>(state, setup);
}
void lock_unlock_sim_mutex(benchmark::State& state, Setup setup) {
  lock_unlock<weft::sim::mutex>(state, setup);
}
void fetch_add_weft_Atomic(benchmark::State& state, Setup setup) {
  fetch_add<weft::Atomic<long>>(state, setup);
}
void fetch_add_sim_atomic(benchmark::State& state, Setup setup) {
  fetch_add<weft::sim::atomic<long>>(state, setup);
}

BENCHMARK(sim_baseline_std_mutex);
BENCHMARK(sim_baseline_std_atomic);
BENCHMARK_CAPTURE(lock_unlock_weft_Mutex, plain, Setup::plain);
BENCHMARK_CAPTURE(lock_unlock_sim_mutex, plain, Setup::plain);
BENCHMARK_CAPTURE(lock_unlock_weft_Mutex, chooser, Setup::chooser);
BENCHMARK_CAPTURE(lock_unlock_sim_mutex, chooser, Setup::chooser);
BENCHMARK_CAPTURE(fetch_add_weft_Atomic, plain, Setup::plain);
BENCHMARK_CAPTURE(fetch_add_sim_atomic, plain, Setup::plain);
BENCHMARK_CAPTURE(fetch_add_weft_Atomic, chooser, Setup::chooser);
BENCHMARK_CAPTURE(fetch_add_sim_atomic, chooser, Setup::chooser);

}  // namespace
}  // namespace weft_bench
