// Shutdown with weft::select and weft::JoinSet, the way tokio's graceful-shutdown guide uses
// tokio::select! and JoinSet, each a buggy and a fixed twin.
//
// joinset-drop-aborts-workers / joinset-drain-on-shutdown: request handlers run in a JoinSet and
// select between their next step of work and a shutdown token. The bug: main cancels the token
// and lets the JoinSet go out of scope; its drop aborts the handlers at once, in the middle of a
// request, before they could see the token, so a client finds its reply channel closed. The fix:
// drain the set with join_next after cancelling, so every handler answers first.
//
// select-shutdown-drops-queued-jobs / select-shutdown-drains-queue: a worker selects between its
// job queue and a shutdown token. When both are ready the select picks either (an explored
// decision, as tokio picks at random): the bug breaks out on the token and drops the jobs still
// queued, whose clients find their reply channels closed. The fix is the guide's: on shutdown,
// close the queue and answer what is left in it (recv in a select is cancel-safe: a lost recv
// left every job in the channel).
#include <chrono>
#include <optional>
#include <string>

#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kClients = 2;
constexpr int kShuttingDown = -1;

using Reply = weft::oneshot::Sender<int>;

// A client waits for its answer; any answer, even "shutting down", is the server's promise.
void spawn_client(weft::TaskTracker& clients, weft::oneshot::Receiver<int> answer, int i) {
  clients.spawn([answer = std::move(answer)]() mutable { WEFT_CHECK(answer.recv().has_value()); },
                "client-" + std::to_string(i));
}

// --- JoinSet ---------------------------------------------------------------------------------

// Two 1 ms steps of work; between them, a select against the shutdown token.
void handle(const weft::CancellationToken& token, Reply reply) {
  for (int step = 0; step < 2; ++step) {
    const bool stop = weft::select(weft::branch(weft::when::cancelled(token), [] { return true; }),
                                   weft::branch(weft::when::sleep(1ms), [] { return false; }));
    if (stop) {
      (void)reply.send(kShuttingDown);
      return;
    }
  }
  (void)reply.send(42);
}

void handler_pool(bool drain) {
  weft::Runtime rt;
  rt.block_on([drain] {
    weft::CancellationToken shutdown;
    weft::TaskTracker clients;
    {
      weft::JoinSet<void> handlers;
      for (int i = 0; i < kClients; ++i) {
        auto [reply, answer] = weft::oneshot::channel<int>();
        handlers.spawn([token = shutdown.child_token(),
                        reply = std::move(reply)]() mutable { handle(token, std::move(reply)); },
                       "handler");
        spawn_client(clients, std::move(answer), i);
      }
      // Ctrl-C after 0 to 2 ms.
      weft::sleep(std::chrono::milliseconds(weft::choose(3)));
      shutdown.cancel();
      if (drain)
        while (auto done = handlers.join_next()) done->unwrap();
    }  // the JoinSet's drop aborts whatever is still in it
    clients.close();
    clients.wait();
  });
}

constexpr const char* kPoolStory =
    " Two request handlers run in a weft::JoinSet; each works in two 1 ms steps and, before each, "
    "selects between the step and a CancellationToken, answering \"shutting down\" when the "
    "token wins. Each client waits for its answer on a oneshot channel. Ctrl-C comes after 0 to "
    "2 ms: main cancels the token.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "joinset-drop-aborts-workers",
    .description =
        std::string("Main cancels the token and lets the JoinSet go out of scope.") + kPoolStory +
        " The JoinSet's drop aborts the handlers at once: woken by the token but not yet run, "
        "they are dropped at their select, in the middle of a request, their reply senders "
        "destroyed, and a client finds its channel closed (task_panic of a client at its "
        "check).",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { handler_pool(false); },
    .expect = {.failure = weft::FailureKind::task_panic,
               .budgets = {{"random", 20}, {"pct", 20}, {"dfs", 20}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "joinset-drain-on-shutdown",
    .description =
        std::string("Fixed: after cancelling, main drains the JoinSet with join_next before it "
                    "goes.") +
        kPoolStory +
        " Every handler sees the token (or has finished) and answers before the set is dropped, "
        "so every client gets an answer. Clean over 2000 random and 2000 PCT executions (and "
        "DPOR's whole space, 762 executions; DFS's space exceeds 100000 even without "
        "preemptions, from the drop orders and timer ties).",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { handler_pool(true); },
    .expect = {.clean_budget = 2000},
    .source = __FILE__,
});

// --- select on a job queue and a token -----------------------------------------------------

void job_service(bool drain) {
  weft::Runtime rt;
  rt.block_on([drain] {
    weft::CancellationToken shutdown;
    weft::TaskTracker clients;
    auto [jobs, queue] = weft::mpsc::bounded<Reply>(kClients);
    auto worker = weft::spawn(
        [token = shutdown.child_token(), queue = std::move(queue), drain]() mutable {
          for (bool running = true; running;) {
            weft::select(weft::branch(weft::when::recv(queue),
                                      [&](std::optional<Reply> job) {
                                        if (job)
                                          (void)job->send(42);
                                        else
                                          running = false;
                                      }),
                         weft::branch(weft::when::cancelled(token), [&] { running = false; }));
          }
          if (!drain) return;  // the jobs still queued die with the queue
          queue.close();
          while (auto job = queue.recv()) (void)job->send(kShuttingDown);
        },
        "worker");
    for (int i = 0; i < kClients; ++i) {
      auto [reply, answer] = weft::oneshot::channel<int>();
      jobs.send(std::move(reply)).unwrap();
      spawn_client(clients, std::move(answer), i);
    }
    shutdown.cancel();
    worker.join();
    clients.close();
    clients.wait();
  });
}

constexpr const char* kQueueStory =
    " A worker loops on weft::select between its job queue (an mpsc channel of reply senders) "
    "and a shutdown CancellationToken. Main queues two clients' jobs, then cancels the token and "
    "waits for the worker and the clients. When a job and the token are both ready, which branch "
    "runs is an explored decision (tokio's select! picks at random).";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "select-shutdown-drops-queued-jobs",
    .description =
        std::string("The worker stops as soon as the token wins its select.") + kQueueStory +
        " When the token wins while jobs are queued, the worker returns, its queue is dropped "
        "with the jobs in it, and their clients find their reply channels closed (task_panic of "
        "a client at its check).",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { job_service(false); },
    .expect = {.failure = weft::FailureKind::task_panic,
               .budgets = {{"random", 30}, {"pct", 40}, {"dfs", 300}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "select-shutdown-drains-queue",
    .description =
        std::string("Fixed: when the token wins, the worker closes its queue and answers every "
                    "job still in it.") +
        kQueueStory +
        " A recv that lost the select took nothing from the channel, so every queued job is "
        "answered (\"shutting down\") and every client gets its answer.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { job_service(true); },
    .expect = {},
    .source = __FILE__,
});

}  // namespace
