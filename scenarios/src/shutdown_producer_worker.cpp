// Scenario 1 of docs/design.md, the flagship: a producer/worker pair that panics at runtime
// shutdown because the runtime drops tasks in arbitrary order while other workers still run.
// From production Tokio failures (a closed reply channel "impossible" during shutdown).
#include <chrono>
#include <memory>

#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

enum class Variant { buggy, stop_on_close, join_before_return };

// With paused virtual time the clock moves only when every task waits, so the worker's work on
// each number takes 1 ms of virtual time; an exchange that took no time would keep the clock at
// zero and the root's 10 ms sleep would never end. The work divides the run time, so at 10 ms
// the worker and the root wake together and either may run first (timer ties are decisions).
constexpr auto kWork = 1ms;
constexpr auto kRunFor = 10ms;

void producer_worker(Variant variant) {
  weft::Runtime rt;
  rt.block_on([variant] {
    auto [request_tx, request_rx] = weft::mpsc::unbounded<int>("requests");
    auto [reply_tx, reply_rx] = weft::mpsc::unbounded<int>("replies");
    auto stop = std::make_shared<weft::Atomic<bool>>(false);

    auto worker = weft::spawn(
        [rx = std::move(request_rx), tx = std::move(reply_tx)]() mutable {
          // "The worker only stops after the producer drops its sender" — true, until shutdown.
          while (auto n = rx.recv()) {
            weft::sleep(kWork);
            if (!tx.send(*n + 1)) break;
          }
        },
        "worker");

    auto producer = weft::spawn(
        [variant, stop, tx = std::move(request_tx), rx = std::move(reply_rx)]() mutable {
          for (int i = 0;; ++i) {
            if (stop->load()) break;
            if (variant == Variant::stop_on_close) {
              if (!tx.send(i)) return;  // the worker is gone: stop
              auto reply = rx.recv();
              if (!reply) return;  // the worker is gone: stop
              WEFT_CHECK(*reply == i + 1);
            } else {
              tx.send(i).expect("the worker cannot be gone while we run");
              int reply = rx.recv().value();  // throws when the reply channel closed
              WEFT_CHECK(reply == i + 1);
            }
          }
        },
        "producer");

    weft::sleep(kRunFor);
    stop->store(true);
    if (variant == Variant::join_before_return) {
      producer.join();
      worker.join();
    }
  });
}

constexpr const char* kStory =
    " A worker task receives numbers on an unbounded channel, adds one and replies on a second "
    "channel; a producer sends i, waits for the reply (treating a closed reply channel as "
    "impossible) and checks it is i + 1, until a shared stop flag is set. The root spawns both, "
    "sleeps 10 ms of virtual time, sets the flag and returns, so the runtime shuts down.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "shutdown-producer-worker",
    .description =
        std::string("The producer panics at runtime shutdown.") + kStory +
        " At shutdown the runtime drops tasks in an arbitrary order while other worker threads "
        "still run tasks: when the worker is dropped first, its reply sender closes, the "
        "producer (still waiting, not yet dropped) wakes up, reads \"closed\" and panics; or its "
        "send fails first because the worker's receiver is gone. Real Tokio shows it in a few "
        "percent of runs on a multi-thread runtime, never on a current-thread one.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { producer_worker(Variant::buggy); },
    .expect = {.failure = weft::FailureKind::task_panic,
               .budgets = {{"pct", 20}, {"random", 200}, {"dfs", 5000}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "shutdown-producer-worker-stop-on-close",
    .description =
        std::string("Fixed: the producer treats a closed channel as a reason to stop.") + kStory +
        " Here both the send and the receive treat a closed channel as the end of work, so no "
        "drop order can make the producer panic.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { producer_worker(Variant::stop_on_close); },
    .expect = {.dfs_preemption_bound = 1},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "shutdown-producer-worker-joined",
    .description =
        std::string("Fixed: the root stops the tasks and joins them before returning.") + kStory +
        " Here the root joins the producer and then the worker, so nothing is left to drop when "
        "the runtime shuts down.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { producer_worker(Variant::join_before_return); },
    .expect = {.dfs_preemption_bound = 1},
    .source = __FILE__,
});

}  // namespace
