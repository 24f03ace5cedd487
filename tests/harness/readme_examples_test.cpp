// The README's graceful-shutdown example, as the README prints it, and the claim next to it:
// without tracker.wait() weft finds the client's failed check. Keep the test below and the README
// snippet the same code.
#include <catch2/catch.hpp>
#include <chrono>
#include <utility>

#include "weft/cancellation.hpp"
#include "weft/catch2.hpp"
#include "weft/harness/explorer.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {
// The README's body, with the one line the README says weft needs made optional.
void graceful_server(bool wait_for_tracker) {
  weft::Runtime rt;
  rt.block_on([wait_for_tracker] {
    weft::CancellationToken shutdown;
    weft::TaskTracker tracker;
    auto [reply, answer] = weft::oneshot::channel<int>();
    tracker.spawn([token = shutdown.child_token(), reply = std::move(reply)]() mutable {
      weft::sleep(1ms);                                  // working on the request
      (void)reply.send(token.is_cancelled() ? -1 : 42);  // answer, even when shutting down
    });
    weft::spawn([answer = std::move(answer)]() mutable {
      WEFT_CHECK(answer.recv().has_value());  // the server's promise to its client
    });
    weft::sleep(std::chrono::milliseconds(weft::choose(2)));  // Ctrl-C arrives
    shutdown.cancel();
    tracker.close();
    if (wait_for_tracker) tracker.wait();
  });
}
}  // namespace

TEST_CASE("every client gets an answer when the server shuts down") {
  weft::ExploreOptions options;
  options.strategy = "pct";
  WEFT_EXPLORE(options) {
    weft::Runtime rt;
    rt.block_on([] {
      weft::CancellationToken shutdown;
      weft::TaskTracker tracker;
      auto [reply, answer] = weft::oneshot::channel<int>();
      tracker.spawn([token = shutdown.child_token(), reply = std::move(reply)]() mutable {
        weft::sleep(1ms);                                  // working on the request
        (void)reply.send(token.is_cancelled() ? -1 : 42);  // answer, even when shutting down
      });
      weft::spawn([answer = std::move(answer)]() mutable {
        WEFT_CHECK(answer.recv().has_value());  // the server's promise to its client
      });
      weft::sleep(std::chrono::milliseconds(weft::choose(2)));  // Ctrl-C arrives
      shutdown.cancel();
      tracker.close();
      tracker.wait();  // without this line weft finds the client's panic
    });
  };
}

TEST_CASE("the README's graceful shutdown: clean with tracker.wait(), found without it") {
  for (const char* strategy : {"pct", "random", "dfs", "exhaustive"}) {
    CAPTURE(strategy);
    weft::ExploreOptions options;
    options.strategy = strategy;
    options.iterations = 500;
    const auto clean = weft::explore(
        options, {"graceful", weft::Flavor::multi_thread, [] { graceful_server(true); }});
    CHECK(clean.ok());
    const auto buggy = weft::explore(
        options, {"graceful", weft::Flavor::multi_thread, [] { graceful_server(false); }});
    REQUIRE_FALSE(buggy.ok());
    INFO(buggy.failures.front().message);
    CHECK(buggy.failures.front().kind == weft::FailureKind::task_panic);
  }
}
