// Scenario 3 of docs/design.md: task leak and shutdown signalling. Background tasks that loop
// forever outlive the code that spawned them (tokio's "detached tasks keep running" pitfall);
// the fix gives each a shutdown receiver on a broadcast channel and selects on it.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kPollers = 2;
constexpr auto kRunFor = 150ms;  // the root's own work, after which it stops

// Each poller does one unit of work per period: 100 ms for the first, 130 ms for the second
// (distinct periods keep the timers from tying, which keeps the fixed variant's DFS space small).
weft::Duration period(int poller) { return 100ms + poller * 30ms; }

// A poller's unit of work: bump its counter.
struct Stats {
  std::vector<int> polls = std::vector<int>(kPollers, 0);
};

void leaky_pollers() {
  weft::Runtime rt;
  rt.block_on([] {
    auto stats = std::make_shared<Stats>();
    for (int i = 0; i < kPollers; ++i) {
      // The handle is dropped at once: the task is detached and nothing will ever stop it.
      weft::spawn(
          [stats, i] {
            for (;;) {
              weft::sleep(period(i));
              ++stats->polls[static_cast<std::size_t>(i)];
            }
          },
          "poller-" + std::to_string(i));
    }
    weft::sleep(kRunFor);
  });
}

void pollers_with_shutdown() {
  weft::Runtime rt;
  rt.block_on([] {
    auto stats = std::make_shared<Stats>();
    auto [shutdown_tx, shutdown_rx] = weft::broadcast::channel<bool>(1);
    std::vector<weft::JoinHandle<void>> pollers;
    for (int i = 0; i < kPollers; ++i) {
      pollers.push_back(weft::spawn(
          [stats, i, shutdown = shutdown_tx.subscribe()]() mutable {
            for (;;) {
              // select! { _ = shutdown.recv() => break, _ = sleep(period) => work }: wait for the
              // shutdown signal for at most one period; a timeout means "time to work".
              auto signal = weft::timeout(period(i), [&shutdown] { return shutdown.recv(); });
              if (signal) break;  // the signal, or the channel closed: either way, stop
              ++stats->polls[static_cast<std::size_t>(i)];
            }
          },
          "poller-" + std::to_string(i)));
    }
    { auto unused = std::move(shutdown_rx); }  // only the pollers' receivers matter
    weft::sleep(kRunFor);
    (void)shutdown_tx.send(true);  // Err only if every poller is already gone: nothing to stop
    for (auto& poller : pollers) poller.join();
  });
}

constexpr const char* kStory =
    " The root spawns two background pollers that each do a unit of work periodically (every "
    "100 and 130 ms of virtual time) in a loop, works for 150 ms itself and returns.";

// The leak check is opt-in (--leaks fail): it lets tasks run on after the root returns, which
// changes the schedules, so only the scenarios about leaks turn it on.
void check_leaks(weft::ExploreOptions& o) { o.leaks = weft::LeakMode::fail; }

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "task-leak",
    .description =
        std::string("Background tasks loop forever and outlive the root: a task leak.") + kStory +
        " The pollers' handles are dropped at spawn and nothing tells them to stop: they sleep "
        "and work forever, and only the runtime's shutdown kills them mid-loop. The leak "
        "detector (turned on by this scenario with leaks=fail) lets them run on for the leak "
        "grace period after the root returns and reports both as leaked, with their spawn "
        "sites and the sleep they are in.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { leaky_pollers(); },
    .expect = {.failure = weft::FailureKind::task_leak,
               .budgets = {{"random", 1}, {"pct", 1}, {"dfs", 1}}},
    .tune = check_leaks,
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "task-leak-shutdown-signal",
    .description =
        std::string("Fixed: every poller selects between a shutdown broadcast and its work, and "
                    "the root joins them.") +
        kStory +
        " Here each poller holds a receiver of a broadcast shutdown channel and waits on it with "
        "a timeout of one period (weft's select: the timeout is the work tick). The root sends "
        "the signal and joins the pollers, so every task has ended before the runtime shuts "
        "down. Clean with leaks=fail under exhaustive DFS with preemption bound 1.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { pollers_with_shutdown(); },
    .expect = {.dfs_preemption_bound = 1},
    .tune = check_leaks,
    .source = __FILE__,
});

}  // namespace
