// tokio's graceful-shutdown guide written with tokio-util's helpers: connection handlers are
// spawned on a TaskTracker and watch a CancellationToken. The bug: main cancels the token and
// returns without waiting for the tracker, so the runtime's shutdown drops handlers in the
// middle of a request and a client finds its reply channel closed. The fix is the guide's:
// cancel, close the tracker, wait for it.
#include <chrono>
#include <string>

#include "weft/cancellation.hpp"
#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kClients = 2;
constexpr int kWorkSteps = 2;  // a request is this many 1 ms steps of work
constexpr int kShuttingDown = -1;

using Reply = weft::oneshot::Sender<int>;

// One request: a few steps of work, each followed by a look at the token; a request that sees
// the shutdown answers "shutting down" instead of finishing.
void handle_request(const weft::CancellationToken& token, Reply reply) {
  for (int step = 0; step < kWorkSteps; ++step) {
    weft::sleep(1ms);
    if (token.is_cancelled()) {
      (void)reply.send(kShuttingDown);
      return;
    }
  }
  (void)reply.send(42);
}

void server(bool wait_for_handlers) {
  weft::Runtime rt;
  rt.block_on([wait_for_handlers] {
    weft::CancellationToken shutdown;
    weft::TaskTracker tracker;
    auto [connections, incoming] = weft::mpsc::unbounded<Reply>();
    // The listener accepts until the connection source closes, one tracked handler each.
    tracker.spawn(
        [tracker, shutdown, incoming = std::move(incoming)]() mutable {
          while (auto reply = incoming.recv())
            tracker.spawn(
                [token = shutdown.child_token(), reply = std::move(*reply)]() mutable {
                  handle_request(token, std::move(reply));
                },
                "handler");
        },
        "listener");
    for (int i = 0; i < kClients; ++i) {
      auto [reply, answer] = weft::oneshot::channel<int>();
      connections.send(std::move(reply)).unwrap();
      weft::spawn(
          [answer = std::move(answer)]() mutable {
            // An answer, even "shutting down", is the server's promise to every client.
            WEFT_CHECK(answer.recv().has_value());
          },
          "client-" + std::to_string(i));
    }
    // Ctrl-C arrives after 0 to 2 ms (a choice: every strategy explores every moment).
    weft::sleep(std::chrono::milliseconds(weft::choose(3)));
    shutdown.cancel();
    { auto stop_accepting = std::move(connections); }
    tracker.close();
    if (wait_for_handlers) tracker.wait();
  });
}

constexpr const char* kStory =
    " A server's listener task spawns a handler per connection on a TaskTracker; each handler "
    "works on its request in two 1 ms steps and checks a CancellationToken between them, "
    "answering \"shutting down\" if it was cancelled. Two clients wait for their answers on "
    "oneshot channels. Ctrl-C arrives after 0 to 2 ms of virtual time: main cancels the token "
    "and stops accepting connections.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "graceful-shutdown-no-wait",
    .description =
        std::string("Main cancels the shutdown token but returns without waiting for the "
                    "tracked handlers.") +
        kStory +
        " It then returns at once: the runtime's shutdown drops the handlers still sleeping in "
        "the middle of a request, their reply senders are destroyed, and a client that runs "
        "after its handler's drop finds the channel closed and panics (task_panic of a client "
        "at its check).",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { server(false); },
    .expect = {.failure = weft::FailureKind::task_panic,
               .budgets = {{"random", 40}, {"pct", 40}, {"dfs", 60}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "graceful-shutdown-tracker-wait",
    .description =
        std::string("Fixed: main cancels the token, closes the TaskTracker and waits for it, as "
                    "tokio's graceful-shutdown guide does.") +
        kStory +
        " Then it closes the tracker and waits: every handler has answered (done or \"shutting "
        "down\") before the runtime shuts down, so no client ever finds its channel closed. "
        "Clean over 2000 random and 2000 PCT executions (its DFS space with one preemption "
        "exceeds 100000 executions).",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { server(true); },
    .expect = {.clean_budget = 2000},
    .source = __FILE__,
});

}  // namespace
