// A request/reply round trip between two tasks over two mpsc::unbounded channels, against the
// least a round trip needs: two task switches (a yield ping-pong).
#include <utility>

#include "common.hpp"
#include "weft/mpsc.hpp"

namespace weft_bench {
namespace {

// Two tasks yielding to each other: each iteration is a round trip of two switches.
void channel_baseline_yield_pingpong(benchmark::State& state) {
  CpuStopwatch watch;
  run_in_runtime(state, Setup::plain, [&] {
    bool done = false;
    auto partner = weft::spawn([&done] {
      while (!done) weft::yield_now();
    });
    weft::yield_now();
    watch.start();
    for (auto _ : state) weft::yield_now();
    watch.stop();
    done = true;
    partner.join();
  });
  state.counters["ns_per_round_trip"] = ns_per(watch, static_cast<double>(state.iterations()));
}

// The root sends a request and waits for the reply; a server task answers each request.
void channel_round_trip(benchmark::State& state, Setup setup) {
  CpuStopwatch watch;
  run_in_runtime(state, setup, [&] {
    auto [request_tx, request_rx] = weft::mpsc::unbounded<long>();
    auto [reply_tx, reply_rx] = weft::mpsc::unbounded<long>();
    auto server = weft::spawn([rx = std::move(request_rx), tx = std::move(reply_tx)]() mutable {
      while (auto request = rx.recv()) (void)tx.send(*request + 1);
    });
    (void)request_tx.send(0);  // first round trip starts the server
    (void)reply_rx.recv();
    long i = 0;
    watch.start();
    for (auto _ : state) {
      (void)request_tx.send(i);
      auto reply = reply_rx.recv();
      if (!reply || *reply != i + 1) throw std::logic_error("wrong reply");
      ++i;
    }
    watch.stop();
    { auto closing = std::move(request_tx); }  // the server's recv ends
    server.join();
  });
  state.counters["ns_per_round_trip"] = ns_per(watch, static_cast<double>(state.iterations()));
}

BENCHMARK(channel_baseline_yield_pingpong);
BENCHMARK_CAPTURE(channel_round_trip, plain, Setup::plain);
BENCHMARK_CAPTURE(channel_round_trip, observer, Setup::observer);
BENCHMARK_CAPTURE(channel_round_trip, chooser, Setup::chooser);

}  // namespace
}  // namespace weft_bench
