// Exhaustive exploration of loom's model shapes (issue 10's table) with plain DFS and with DPOR:
// executions to exhaust each model (counter "executions") and executions per second. Each
// benchmark iteration is one whole exploration; the models are written against the public API.
#include <benchmark/benchmark.h>

#include <deque>
#include <memory>
#include <vector>

#include "weft/harness/explorer.hpp"
#include "weft/harness/scenario.hpp"
#include "weft/harness/strategies.hpp"
#include "weft/weft.hpp"

namespace {

// Root spawns `tasks` tasks, each locking one mutex `rounds` times to increment; root joins.
void mutex_model(int tasks, int rounds) {
  weft::Runtime rt;
  rt.block_on([tasks, rounds] {
    auto m = std::make_shared<weft::Mutex<int>>(0);
    std::vector<weft::JoinHandle<void>> handles;
    for (int t = 0; t < tasks; ++t)
      handles.push_back(weft::spawn([m, rounds] {
        for (int r = 0; r < rounds; ++r) *m->lock() += 1;
      }));
    for (auto& h : handles) h.join();
  });
}

// Producer sends i, worker replies i + 1, three rounds, two mpsc channels; root spawns both (or
// is the producer) and joins.
void ping_pong(bool root_produces) {
  weft::Runtime rt;
  rt.block_on([root_produces] {
    auto [req_tx, req_rx] = weft::mpsc::unbounded<int>();
    auto [rep_tx, rep_rx] = weft::mpsc::unbounded<int>();
    auto worker = weft::spawn([rx = std::move(req_rx), tx = std::move(rep_tx)]() mutable {
      for (int i = 0; i < 3; ++i)
        if (auto v = rx.recv()) (void)tx.send(*v + 1);
    });
    auto produce = [tx = std::move(req_tx), rx = std::move(rep_rx)]() mutable {
      for (int i = 0; i < 3; ++i) {
        (void)tx.send(i);
        (void)rx.recv();
      }
    };
    if (root_produces) {
      produce();
    } else {
      auto producer = weft::spawn(std::move(produce));
      producer.join();
    }
    worker.join();
  });
}

// A queue of ints over a Mutex and a CondVar (the receiver re-checks in a loop: correct).
struct CondVarQueue {
  weft::Mutex<std::deque<int>> items;
  weft::CondVar changed;
  void send(int v) {
    auto g = items.lock();
    g->push_back(v);
    changed.notify_one();
  }
  int recv() {
    auto g = items.lock();
    changed.wait(g, [&] { return !g->empty(); });
    const int v = g->front();
    g->pop_front();
    return v;
  }
};

// The ping-pong over two such queues: the producer sends i, the worker replies i + 1, three
// rounds; the root spawns both and joins. Correct, so exhausting it proves it clean.
void condvar_ping_pong() {
  weft::Runtime rt;
  rt.block_on([] {
    auto requests = std::make_shared<CondVarQueue>();
    auto replies = std::make_shared<CondVarQueue>();
    auto worker = weft::spawn([=] {
      for (int i = 0; i < 3; ++i) replies->send(requests->recv() + 1);
    });
    auto producer = weft::spawn([=] {
      for (int i = 0; i < 3; ++i) {
        requests->send(i);
        weft::check(replies->recv() == i + 1, "the reply is the request plus one");
      }
    });
    producer.join();
    worker.join();
  });
}

void explore_model(benchmark::State& state, const char* strategy, void (*body)(),
                   int preemption_bound = -1, unsigned jobs = 1, int split_depth = -1) {
  weft::ExploreOptions options;
  options.strategy = strategy;
  options.jobs = jobs;
  options.split_depth = split_depth;
  options.iterations = 2000000;
  options.preemption_bound = preemption_bound;
  options.lock_order = false;
  options.long_poll_ms = 0;
  weft::ExploreTarget target;
  target.body = body;
  std::uint64_t executions = 0, total = 0;
  bool exhausted = true, clean = true;
  for (auto _ : state) {
    weft::ExploreReport report = weft::explore(options, target);
    executions = report.executions;
    total += report.executions;
    exhausted = exhausted && report.exhausted;
    clean = clean && report.ok();
    benchmark::DoNotOptimize(report);
  }
  state.counters["executions"] = static_cast<double>(executions);
  state.counters["exhausted"] = exhausted ? 1 : 0;
  state.counters["clean"] = clean ? 1 : 0;
  state.counters["executions_per_s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}

void mutex_2x2() { mutex_model(2, 2); }
void mutex_2x3() { mutex_model(2, 3); }
void mutex_2x4() { mutex_model(2, 4); }
void mutex_3x2() { mutex_model(3, 2); }
void ping_pong_spawned() { ping_pong(false); }
void ping_pong_root() { ping_pong(true); }

// exhaustive runs dpor-bounded with bounds 0, 1, 2 before dpor: its row shows what those passes
// cost when the search runs to its end.
#define WEFT_MODEL(name, fn)                                                              \
  void BM_Dfs_##name(benchmark::State& s) { explore_model(s, "dfs", fn); }                \
  void BM_DporSource_##name(benchmark::State& s) { explore_model(s, "dpor-source", fn); } \
  void BM_Dpor_##name(benchmark::State& s) { explore_model(s, "dpor", fn); }              \
  void BM_Exhaustive_##name(benchmark::State& s) { explore_model(s, "exhaustive", fn); }  \
  BENCHMARK(BM_Dfs_##name)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();  \
  BENCHMARK(BM_DporSource_##name)->Unit(benchmark::kMillisecond)->UseRealTime();          \
  BENCHMARK(BM_Dpor_##name)->Unit(benchmark::kMillisecond)->UseRealTime();                \
  BENCHMARK(BM_Exhaustive_##name)->Unit(benchmark::kMillisecond)->UseRealTime();

WEFT_MODEL(Mutex2x2, mutex_2x2)
WEFT_MODEL(Mutex2x3, mutex_2x3)
WEFT_MODEL(Mutex2x4, mutex_2x4)
WEFT_MODEL(PingPong, ping_pong_spawned)
WEFT_MODEL(PingPongRootProducer, ping_pong_root)

// DFS needs ~293k executions here: DPOR only (optimal, and source-DPOR for comparison).
void BM_DporSource_Mutex3x2(benchmark::State& s) { explore_model(s, "dpor-source", mutex_3x2); }
BENCHMARK(BM_DporSource_Mutex3x2)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
void BM_Dpor_Mutex3x2(benchmark::State& s) { explore_model(s, "dpor", mutex_3x2); }
BENCHMARK(BM_Dpor_Mutex3x2)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
void BM_Exhaustive_Mutex3x2(benchmark::State& s) { explore_model(s, "exhaustive", mutex_3x2); }
BENCHMARK(BM_Exhaustive_Mutex3x2)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

// Mutex 3 x 2 within a preemption bound (the argument): bounded DFS against bounded DPOR.
void BM_Dfs_Mutex3x2Bounded(benchmark::State& s) {
  explore_model(s, "dfs", mutex_3x2, static_cast<int>(s.range(0)));
}
BENCHMARK(BM_Dfs_Mutex3x2Bounded)
    ->Arg(2)
    ->Arg(3)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
void BM_DporBounded_Mutex3x2Bounded(benchmark::State& s) {
  explore_model(s, "dpor-bounded", mutex_3x2, static_cast<int>(s.range(0)));
}
BENCHMARK(BM_DporBounded_Mutex3x2Bounded)
    ->Arg(2)
    ->Arg(3)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

// The Mutex+CondVar ping-pong: plain DFS never ends on it (unbounded), DPOR proves it clean.
void BM_DporSource_CondVarPingPong(benchmark::State& s) {
  explore_model(s, "dpor-source", condvar_ping_pong);
}
BENCHMARK(BM_DporSource_CondVarPingPong)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
void BM_Dpor_CondVarPingPong(benchmark::State& s) { explore_model(s, "dpor", condvar_ping_pong); }
BENCHMARK(BM_Dpor_CondVarPingPong)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
// --jobs: (jobs, split depth). Plain DPOR on one thread, then the search split at the depth
// --jobs uses, on 1 and 2 threads: the same executions whatever the threads, more of them than
// plain DPOR (the sleep-set blocked ones at the full decisions), in less time with more cores.
void BM_DporJobs_CondVarPingPong(benchmark::State& s) {
  explore_model(s, "dpor", condvar_ping_pong, -1, static_cast<unsigned>(s.range(0)),
                static_cast<int>(s.range(1)));
}
BENCHMARK(BM_DporJobs_CondVarPingPong)
    ->Args({1, 0})
    ->Args({1, static_cast<std::int64_t>(weft::DporOptions::kJobsSplitDepth)})
    ->Args({2, static_cast<std::int64_t>(weft::DporOptions::kJobsSplitDepth)})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
void BM_Exhaustive_CondVarPingPong(benchmark::State& s) {
  explore_model(s, "exhaustive", condvar_ping_pong);
}
BENCHMARK(BM_Exhaustive_CondVarPingPong)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

// Executions until the lock-order deadlock, with the lock-order detector off.
void BM_Dpor_LockOrderDeadlock(benchmark::State& state) {
  const weft::Scenario* s = weft::find_scenario("lock-order-deadlock");
  if (s == nullptr) return state.SkipWithError("scenario not registered");
  weft::ExploreOptions options = weft::default_options(*s);
  options.strategy = "dpor";
  options.iterations = 1000;
  options.lock_order = false;
  std::uint64_t executions = 0;
  for (auto _ : state) executions = weft::explore(options, weft::target_of(*s)).executions;
  state.counters["executions"] = static_cast<double>(executions);
}
BENCHMARK(BM_Dpor_LockOrderDeadlock)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
