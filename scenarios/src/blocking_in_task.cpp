// Scenario 5 of docs/design.md: blocking inside a task. A task sleeps the real thread
// (std::this_thread::sleep_for) instead of awaiting the runtime's sleep, freezing a worker
// thread ("async code should never spend a long time without reaching an .await", tokio docs).
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// Every execution of the buggy variant costs this much wall time, and the expectation test runs
// a few hundred of them: the block is short, and the threshold is lowered to match.
constexpr auto kBlocking = 30ms;
constexpr std::uint64_t kLongPollMs = 15;

enum class Variant { thread_sleep, runtime_sleep };

// The device answers after kBlocking; the driver waits for it between two readings.
int read_sensor(Variant variant, int reading) {
  if (variant == Variant::thread_sleep)
    std::this_thread::sleep_for(kBlocking);  // blocks the worker thread, not just this task
  else
    weft::sleep(kBlocking);  // suspends this task; the thread runs others meanwhile
  return 20 + reading;
}

void sensor_driver(Variant variant) {
  weft::Runtime rt;
  rt.block_on([variant] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto sensor = weft::spawn(
        [variant, tx = std::move(tx)] {
          // Only the first reading waits for the device; the second is cached.
          tx.send(read_sensor(variant, 0)).expect("the root receives until we are done");
          tx.send(21).expect("the root receives until we are done");
        },
        "sensor");
    auto heartbeat = weft::spawn([] { weft::sleep(1ms); }, "heartbeat");
    int sum = 0;
    while (auto reading = rx.recv()) sum += *reading;
    sensor.join();
    heartbeat.join();
    WEFT_CHECK(sum == 41);
  });
}

void tune(weft::ExploreOptions& o) {
  o.long_poll_ms = kLongPollMs;
  // PCT's step estimate as a calibration run of the buggy variant measures it, fixed so that no
  // calibration run (30 ms of wall time each) is needed.
  o.pct_steps = 7;
}

constexpr const char* kStory =
    " A sensor task reads a device that answers after 30 ms and sends the reading to the root "
    "over a channel, while a heartbeat task and the root wait on the runtime.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "blocking-in-task",
    .description =
        std::string("A task blocks its worker thread with a real sleep.") + kStory +
        " The sensor waits with std::this_thread::sleep_for, which freezes the whole thread: no "
        "other task can run for 30 ms. The long-poll detector reports the sensor and the step "
        "(from its start to its first send) that held the thread longer than the threshold, "
        "lowered by this scenario to 15 ms of wall time (--long-poll-ms; the default is 100). "
        "Each execution costs 30 ms of wall time, so the budgets are one execution.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { sensor_driver(Variant::thread_sleep); },
    .expect = {.failure = weft::FailureKind::long_poll,
               .budgets = {{"random", 1}, {"pct", 1}, {"dfs", 1}}},
    .tune = tune,
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "blocking-in-task-weft-sleep",
    .description =
        std::string("Fixed: the task waits with weft::sleep.") + kStory +
        " Here the sensor awaits weft::sleep(30ms): the task is suspended, the thread is free, "
        "and with paused virtual time the wait costs no wall time at all. Clean under "
        "exhaustive DFS with preemption bound 2, with the same 15 ms long-poll threshold.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { sensor_driver(Variant::runtime_sleep); },
    .expect = {.dfs_preemption_bound = 2},
    .tune = tune,
    .source = __FILE__,
});

}  // namespace
