// Scenario 7 of docs/design.md: closed channels and cancellation. Sending after the receiver was
// dropped fails, and unwrapping that failure panics (tokio's `tx.send(x).await.unwrap()` on a
// SendError); aborting a task drops it at its next await, skipping any cleanup written after it
// (tokio's JoinHandle::abort, "cancellation safety").
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// ---- Sending on a closed channel ------------------------------------------------------------

constexpr int kSamplesWanted = 3;

struct ReporterLog {
  std::vector<std::string> lines;
};

enum class SendVariant { unwrap, stop_on_closed };

void metrics_reporter(SendVariant variant) {
  weft::Runtime rt;
  rt.block_on([variant] {
    auto log = std::make_shared<ReporterLog>();
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto aggregator = weft::spawn(
        [rx = std::move(rx)]() mutable {
          int total = 0;
          for (int i = 0; i < kSamplesWanted; ++i)
            if (auto sample = rx.recv()) total += *sample;
          return total;  // enough samples: the receiver is dropped here
        },
        "aggregator");
    auto reporter = weft::spawn(
        [variant, log, tx = std::move(tx)] {
          for (int sample = 1;; ++sample) {
            weft::sleep(1ms);
            if (variant == SendVariant::unwrap) {
              tx.send(sample).unwrap();  // throws ChannelError once the aggregator is gone
            } else if (!tx.send(sample)) {
              log->lines.push_back("aggregator gone after " + std::to_string(sample - 1) +
                                   " samples; reporter stops");
              return;
            }
          }
        },
        "reporter");
    WEFT_CHECK(aggregator.join() == 1 + 2 + 3);
    if (variant == SendVariant::unwrap) {
      // Fire and forget: the reporter is never joined; the root does other work meanwhile.
      weft::sleep(5ms);
    } else {
      reporter.join();
      WEFT_CHECK(log->lines.size() == 1);
    }
  });
}

constexpr const char* kSendStory =
    " A reporter task sends a metrics sample every millisecond of virtual time to an aggregator "
    "task, which stops (dropping its receiver) once it has three samples; the root joins the "
    "aggregator.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "send-after-close",
    .description =
        std::string("A task unwraps a send on a channel whose receiver was dropped, and panics.") +
        kSendStory +
        " The reporter unwraps every send (\"the aggregator never stops first\"): its fourth "
        "send fails with SendStatus::closed and unwrap() throws ChannelError. Nobody joins the "
        "reporter, so weft reports a task_panic of 'reporter' at the unwrap.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { metrics_reporter(SendVariant::unwrap); },
    .expect = {.failure = weft::FailureKind::task_panic,
               .budgets = {{"random", 1}, {"pct", 1}, {"dfs", 1}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "send-after-close-stops",
    .description =
        std::string("Fixed: a failed send is logged and the sender stops.") + kSendStory +
        " Here the reporter treats a closed channel as the end of its job: it logs one line and "
        "returns; the root joins it and checks the log. Clean under exhaustive DFS with "
        "preemption bound 2.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { metrics_reporter(SendVariant::stop_on_closed); },
    .expect = {.dfs_preemption_bound = 2},
    .source = __FILE__,
});

// ---- Aborting a task ------------------------------------------------------------------------

constexpr int kChunks = 3;

// The connection pool's books: a session must give back what it opened, however it ends.
struct Pool {
  int open = 0;
  int chunks_sent = 0;
};

// Gives the connection back when destroyed: on return, on a panic and when the task is dropped
// by an abort (its stack unwinds).
class Connection {
 public:
  explicit Connection(Pool& pool) : pool_(pool) { ++pool_.open; }
  ~Connection() { --pool_.open; }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

 private:
  Pool& pool_;
};

enum class AbortVariant { cleanup_after_await, raii_guard };

void session(AbortVariant variant, Pool& pool) {
  if (variant == AbortVariant::raii_guard) {
    Connection connection(pool);
    for (int i = 0; i < kChunks; ++i) {
      weft::sleep(1ms);  // an await: the abort can land here
      ++pool.chunks_sent;
    }
  } else {
    ++pool.open;
    for (int i = 0; i < kChunks; ++i) {
      weft::sleep(1ms);  // an await: the abort can land here, and then the line below never runs
      ++pool.chunks_sent;
    }
    --pool.open;  // cleanup after the await points
  }
}

void abort_session(AbortVariant variant) {
  weft::Runtime rt;
  rt.block_on([variant] {
    auto pool = std::make_shared<Pool>();
    auto handle = weft::spawn([variant, pool] { session(variant, *pool); }, "session");
    // The user gives up after 0 to kChunks + 1 ms: a choice, so every strategy explores every
    // moment, and at equal deadlines the timer order decides whether the session's step or the
    // abort comes first.
    weft::sleep(std::chrono::milliseconds(weft::choose(kChunks + 2)));
    handle.abort();
    try {
      handle.join();
    } catch (const weft::JoinError& error) {
      WEFT_CHECK(error.is_cancelled());
    }
    weft::check(pool->open == 0, "the aborted session left a connection open (sent " +
                                     std::to_string(pool->chunks_sent) + " of " +
                                     std::to_string(kChunks) + " chunks)");
  });
}

constexpr const char* kAbortStory =
    " A session task opens a connection from a pool, sends three chunks one millisecond of "
    "virtual time apart and closes the connection; the root aborts the session after 0 to 4 ms "
    "(a choice the exploration makes), joins it and checks that the pool has no connection "
    "open. Every point at which the abort can land is explored: before the session starts, at "
    "each sleep, and after it finished.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "abort-skips-cleanup",
    .description =
        std::string("Cleanup written after an await point is skipped when the task is aborted.") +
        kAbortStory +
        " The session closes the connection with a line after its last sleep: an abort that "
        "lands at any sleep drops the task there, the line never runs, and the root's check "
        "fails (body_failure: a connection leaked).",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { abort_session(AbortVariant::cleanup_after_await); },
    .expect = {.failure = weft::FailureKind::body_failure,
               .budgets = {{"random", 15}, {"pct", 15}, {"dfs", 10}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "abort-runs-cleanup",
    .description =
        std::string("Fixed: cleanup lives in a destructor, which runs when the aborted task's "
                    "stack unwinds.") +
        kAbortStory +
        " Here the connection is an RAII guard: wherever the abort lands the task's stack "
        "unwinds and the guard gives the connection back. Clean under exhaustive DFS with "
        "preemption bound 2 (every abort time and every order of the tied timers).",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { abort_session(AbortVariant::raii_guard); },
    .expect = {.dfs_preemption_bound = 2},
    .source = __FILE__,
});

}  // namespace
