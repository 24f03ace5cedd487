// tokio-util's shutdown helpers: CancellationToken (trees, cancel, cancelled() as a wait) and
// TaskTracker (spawn, close, wait), each with cancellation at its await points.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/cancellation.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("CancellationToken: cancel wakes every waiter, children follow, parents do not") {
  weft::Runtime rt;
  std::vector<std::string> log;
  rt.block_on([&] {
    weft::CancellationToken root;
    weft::CancellationToken child = root.child_token();
    weft::CancellationToken grandchild = child.child_token();
    CHECK_FALSE(root.is_cancelled());
    auto waiter = [&log](weft::CancellationToken token, std::string name) {
      return weft::spawn([&log, token, name] {
        token.cancelled();
        log.push_back(name);
      });
    };
    auto a = waiter(grandchild, "grandchild");
    auto b = waiter(root, "root");
    weft::yield_now();
    CHECK(log.empty());
    child.cancel();
    CHECK(child.is_cancelled());
    CHECK(grandchild.is_cancelled());
    CHECK_FALSE(root.is_cancelled());
    a.join();
    CHECK(log == std::vector<std::string>{"grandchild"});
    root.cancel();
    b.join();
    CHECK(log == std::vector<std::string>{"grandchild", "root"});
    // A child of a cancelled token is born cancelled; cancelled() on it returns at once.
    weft::CancellationToken late = root.child_token();
    CHECK(late.is_cancelled());
    late.cancelled();
  });
}

TEST_CASE("CancellationToken: a task aborted while waiting in cancelled() is dropped there") {
  weft::Runtime rt;
  bool after_wait = false, unwound = false;
  rt.block_on([&] {
    weft::CancellationToken token;
    auto h = weft::spawn([&, token] {
      struct Mark {
        bool& flag;
        ~Mark() { flag = true; }
      } mark{unwound};
      token.cancelled();
      after_wait = true;
    });
    weft::yield_now();
    h.abort();
    CHECK_THROWS_AS(h.join(), weft::JoinError);
    token.cancel();  // nobody waits any more: the dropped waiter left the queue
  });
  CHECK(unwound);
  CHECK_FALSE(after_wait);
}

TEST_CASE("CancellationToken: a waiter never cancelled is a deadlock naming the token") {
  weft::Runtime rt;
  weft::CancellationToken token;
  try {
    rt.block_on([&] { token.cancelled(); });
    FAIL("expected a deadlock");
  } catch (const weft::Deadlock& d) {
    CHECK_THAT(d.what(), Catch::Contains("token"));
  }
}

TEST_CASE("TaskTracker: wait returns once closed and every tracked task ended") {
  weft::Runtime rt;
  std::vector<int> done;
  rt.block_on([&] {
    weft::TaskTracker tracker;
    for (int i = 1; i <= 3; ++i)
      tracker.spawn([&done, i] {
        weft::sleep(std::chrono::milliseconds(i));
        done.push_back(i);
      });
    CHECK(tracker.len() == 3);
    CHECK_FALSE(tracker.is_closed());
    CHECK(tracker.close());
    CHECK_FALSE(tracker.close());
    tracker.wait();
    CHECK(done == std::vector<int>{1, 2, 3});
    CHECK(tracker.is_empty());
    CHECK(tracker.reopen());
  });
}

TEST_CASE("TaskTracker: an open tracker's wait does not return even when empty") {
  weft::Runtime rt;
  weft::TaskTracker tracker;
  CHECK_THROWS_AS(rt.block_on([&] { tracker.wait(); }), weft::Deadlock);
}

TEST_CASE("TaskTracker: a tracked task that is aborted or panics still counts as ended") {
  weft::Runtime rt;
  rt.block_on([&] {
    weft::TaskTracker tracker;
    auto sleeper = tracker.spawn([] { weft::sleep(1h); });
    auto unstarted = tracker.spawn([] {});
    unstarted.abort();  // dropped before it ran: its closure (and count) goes
    tracker.spawn([] { throw std::runtime_error("boom"); });
    weft::yield_now();
    sleeper.abort();
    tracker.close();
    tracker.wait();
    CHECK(tracker.is_empty());
  });
}

TEST_CASE("TaskTracker: a task aborted while waiting in wait() is dropped there") {
  weft::Runtime rt;
  bool returned = false;
  rt.block_on([&] {
    weft::TaskTracker tracker;
    tracker.spawn([] { weft::sleep(1h); });
    tracker.close();
    auto waiter = weft::spawn([&, tracker] {
      tracker.wait();
      returned = true;
    });
    weft::yield_now();
    waiter.abort();
    CHECK_THROWS_AS(waiter.join(), weft::JoinError);
  });
  CHECK_FALSE(returned);
}

TEST_CASE("graceful shutdown with a token and a tracker: every worker sees the cancel, explored") {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    weft_test::RandomChooser chooser(seed);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::multi_thread});
    int stopped = 0;
    rt.block_on([&] {
      weft::CancellationToken shutdown;
      weft::TaskTracker tracker;
      for (int i = 0; i < 2; ++i)
        tracker.spawn([&stopped, token = shutdown.child_token()] {
          token.cancelled();
          ++stopped;
        });
      weft::sleep(1ms);
      shutdown.cancel();
      tracker.close();
      tracker.wait();
      CHECK(stopped == 2);
    });
  }
}
