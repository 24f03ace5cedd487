// weft::select: first ready branch wins, ties are explored decisions (biased: in order), lost
// branches are cancelled without losing values or permits, and a task dropped while waiting in a
// select is dropped there with every branch cancelled.
#include "weft/select.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("select: the branch that becomes ready first runs, with its value") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    weft::CancellationToken token;
    auto producer = weft::spawn([tx = std::move(tx)] {
      weft::sleep(5ms);
      tx.send(7).unwrap();
    });
    int got = 0;
    const std::size_t which = weft::select(
        weft::branch(weft::when::recv(rx), [&](std::optional<int> v) { got = v.value(); }),
        weft::branch(weft::when::cancelled(token), [] { FAIL("not cancelled"); }),
        weft::branch(weft::when::sleep(10ms), [] { FAIL("the value comes first"); }));
    CHECK(which == 0);
    CHECK(got == 7);
    CHECK(weft::now() == weft::Instant(5ms));
    producer.join();
    // The sender is gone: recv is ready at once, with "closed".
    const int r = weft::select(
        weft::branch(weft::when::recv(rx), [](std::optional<int> v) { return v ? 1 : 0; }),
        weft::branch(weft::when::sleep(3ms), [] { return 2; }));
    CHECK(r == 0);
    // With a sender alive and nothing sent, the sleep wins at its deadline.
    auto [tx2, rx2] = weft::mpsc::unbounded<int>();
    const weft::Instant start = weft::now();
    CHECK(weft::select(weft::branch(weft::when::recv(rx2), [](auto) { return 1; }),
                       weft::branch(weft::when::sleep(3ms), [] { return 2; })) == 2);
    CHECK(weft::now() == start + 3ms);
  });
}

TEST_CASE("select: a lost recv leaves its value in the channel (cancel safety)") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    weft::CancellationToken token;
    token.cancel();
    tx.send(1).unwrap();
    // Both ready: biased takes the first in order, the token; the value stays.
    const std::size_t which =
        weft::select_biased(weft::branch(weft::when::cancelled(token), [] {}),
                            weft::branch(weft::when::recv(rx), [](std::optional<int>) {}));
    CHECK(which == 0);
    CHECK(rx.len() == 1);
    CHECK(rx.recv() == 1);
  });
}

TEST_CASE("select: a tie between ready branches is a decision the chooser makes") {
  std::set<std::size_t> winners;
  for (std::size_t pick = 0; pick < 3; ++pick) {
    weft_test::ScriptedChooser chooser({pick}, weft::DecisionKind::value);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::current_thread});
    rt.block_on([&] {
      weft::Notify notify;
      notify.notify_one();  // a stored permit: notified() is ready
      weft::CancellationToken token;
      token.cancel();
      auto [tx, rx] = weft::mpsc::unbounded<int>();
      tx.send(5).unwrap();
      winners.insert(weft::select(weft::branch(weft::when::notified(notify), [] {}),
                                  weft::branch(weft::when::cancelled(token), [] {}),
                                  weft::branch(weft::when::recv(rx), [](auto) {})));
    });
    bool asked = false;
    for (const auto& a : chooser.asked)
      if (a.kind == weft::DecisionKind::value && a.candidates.size() == 3) asked = true;
    CHECK(asked);
  }
  CHECK(winners == std::set<std::size_t>{0, 1, 2});
}

TEST_CASE("select_biased: ties go to the first ready branch, nothing is asked") {
  weft_test::ScriptedChooser chooser({1}, weft::DecisionKind::value);
  weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
  weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::current_thread});
  rt.block_on([&] {
    weft::CancellationToken token;
    token.cancel();
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    tx.send(5).unwrap();
    CHECK(weft::select_biased(weft::branch(weft::when::recv(rx), [](auto) {}),
                              weft::branch(weft::when::cancelled(token), [] {})) == 0);
  });
  for (const auto& a : chooser.asked) CHECK(a.kind != weft::DecisionKind::value);
}

TEST_CASE("select: handlers' common result type is returned; branch_if disables a branch") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::CancellationToken token;
    token.cancel();
    const std::string s = weft::select(
        weft::branch_if(false, weft::when::cancelled(token), [] { return std::string("no"); }),
        weft::branch(weft::when::sleep(1ms), [] { return std::string("slept"); }));
    CHECK(s == "slept");
    CHECK_THROWS_AS(weft::select(weft::branch_if(false, weft::when::sleep(1ms), [] {})),
                    std::logic_error);
  });
}

TEST_CASE("select: otherwise runs when every other branch is disabled, and only then") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::CancellationToken token;
    token.cancel();
    const weft::Instant before = weft::now();
    // Every branch disabled: the otherwise branch runs at once, without waiting.
    CHECK(weft::select(weft::branch_if(false, weft::when::cancelled(token), [] { return 1; }),
                       weft::branch_if(false, weft::when::sleep(1ms), [] { return 2; }),
                       weft::otherwise([] { return 3; })) == 3);
    CHECK(weft::now() == before);
    // An enabled branch wins, even one that must wait: otherwise is not a timeout.
    CHECK(weft::select(weft::branch_if(false, weft::when::cancelled(token), [] { return 1; }),
                       weft::branch(weft::when::sleep(1ms), [] { return 2; }),
                       weft::otherwise([] { return 3; })) == 2);
    CHECK(weft::now() == before + 1ms);
    // Void handlers: the index of the branch that ran.
    CHECK(weft::select_biased(weft::branch_if(false, weft::when::sleep(1ms), [] {}),
                              weft::otherwise([] {})) == 1);
    CHECK(weft::select(weft::otherwise([] {})) == 0);
  });
}

TEST_CASE("select: a lost acquire gives its permit back; a won one holds it") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Semaphore sem(1);
    auto held = sem.acquire();
    weft::CancellationToken token;
    // The waiter is queued for the permit; the permit is handed to it at release, but the token
    // is cancelled too before the task runs: a tie, the default chooser takes the first ready.
    auto h = weft::spawn([&sem, token] {
      return weft::select_biased(
          weft::branch(weft::when::cancelled(token), [] { return 0; }),
          weft::branch(weft::when::acquire(sem), [](auto permit) { return permit ? 1 : -1; }));
    });
    weft::yield_now();
    { auto drop = std::move(held); }  // handed to the queued select branch
    token.cancel();
    CHECK(h.join() == 0);
    CHECK(sem.available_permits() == 1);  // the lost branch gave it back
    auto again = weft::spawn([&sem] {
      return weft::select(weft::branch(weft::when::acquire(sem), [](auto permit) {
        return permit ? static_cast<int>(permit->num_permits()) : -1;
      }));
    });
    CHECK(again.join() == 1);
    CHECK(sem.available_permits() == 1);
  });
}

TEST_CASE("select: a lost notified passes its notify_one on to the next waiter") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Notify notify;
    weft::CancellationToken token;
    bool second_woken = false;
    auto first = weft::spawn([&notify, token] {
      return weft::select_biased(weft::branch(weft::when::cancelled(token), [] { return 0; }),
                                 weft::branch(weft::when::notified(notify), [] { return 1; }));
    });
    weft::yield_now();
    auto second = weft::spawn([&] {
      notify.notified();
      second_woken = true;
    });
    weft::yield_now();
    notify.notify_one();  // chooses the first (longest) waiter: the select branch
    token.cancel();       // ...which loses to the token, and passes the notification on
    CHECK(first.join() == 0);
    second.join();
    CHECK(second_woken);
  });
}

TEST_CASE("select: join, tick and deadline branches") {
  weft::Runtime rt;
  rt.block_on([] {
    auto task = weft::spawn([] {
      weft::sleep(3ms);
      return 9;
    });
    weft::Interval every(2ms);
    std::vector<std::string> log;
    for (bool done = false; !done;) {
      weft::select(
          weft::branch(weft::when::join(task),
                       [&](int v) {
                         log.push_back("joined " + std::to_string(v));
                         done = true;
                       }),
          weft::branch(weft::when::tick(every), [&](weft::Instant at) {
            log.push_back("tick " + std::to_string(at.time_since_epoch().count() / 1000000));
          }));
    }
    CHECK(log == std::vector<std::string>{"tick 2", "joined 9"});
    CHECK(!task.valid());
    CHECK(every.next_tick() == weft::Instant(4ms));  // the lost tick was not consumed
    weft::select(weft::branch(weft::when::deadline(weft::Instant(10ms)), [] {}));
    CHECK(weft::now() == weft::Instant(10ms));
  });
}

TEST_CASE("select: a join branch rethrows the task's panic as JoinError") {
  weft::Runtime rt;
  rt.block_on([] {
    auto task = weft::spawn([]() -> int { throw std::runtime_error("boom"); });
    CHECK_THROWS_AS(weft::select(weft::branch(weft::when::join(task), [](int) {})),
                    weft::JoinError);
  });
}

TEST_CASE("select: a task aborted while waiting in a select is dropped there, branches cancelled") {
  weft::Runtime rt;
  bool after = false, unwound = false;
  rt.block_on([&] {
    weft::Semaphore sem(0);
    weft::Notify notify;
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    tx.send(0).unwrap();  // full: reserve waits
    auto h = weft::spawn([&, tx = tx] {
      struct Mark {
        bool& flag;
        ~Mark() { flag = true; }
      } mark{unwound};
      weft::select(weft::branch(weft::when::acquire(sem), [](auto) {}),
                   weft::branch(weft::when::notified(notify), [] {}),
                   weft::branch(weft::when::reserve(tx), [](auto) {}),
                   weft::branch(weft::when::sleep(1h), [] {}));
      after = true;
    });
    weft::yield_now();
    h.abort();
    CHECK_THROWS_AS(h.join(), weft::JoinError);
    // Nothing is left queued: the permit, the notification and the slot go elsewhere.
    sem.release(1);
    CHECK(sem.available_permits() == 1);
    notify.notify_one();  // stored as the permit: nobody waits
    notify.notified();
    CHECK(rx.recv() == 0);
    CHECK(tx.capacity() == 1);
  });
  CHECK(unwound);
  CHECK_FALSE(after);
}

TEST_CASE("select: a select that never completes is a deadlock naming a branch's object") {
  weft::Runtime rt;
  try {
    rt.block_on([] {
      weft::CancellationToken token;
      auto [tx, rx] = weft::mpsc::unbounded<int>();
      weft::select(weft::branch(weft::when::cancelled(token), [] {}),
                   weft::branch(weft::when::recv(rx), [](auto) {}));
    });
    FAIL("expected a deadlock");
  } catch (const weft::Deadlock& d) {
    CHECK_THAT(d.what(), Catch::Contains("token"));
  }
}

// A worker selects between jobs and shutdown; the main task sends jobs then cancels. Every job
// sent before the cancel that the worker took is processed, none is lost from the channel, and
// the program is clean under every explored schedule, in both flavors.
TEST_CASE("select: worker loop on work vs shutdown is clean and loses nothing, explored") {
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    const int deadlocks = weft_test::explore_random(
        300,
        [] {
          weft::CancellationToken shutdown;
          auto [tx, rx] = weft::mpsc::bounded<int>(1);
          auto worker = weft::spawn([token = shutdown, rx = std::move(rx)]() mutable {
            int processed = 0;
            for (bool running = true; running;) {
              weft::select(weft::branch(weft::when::recv(rx),
                                        [&](std::optional<int> job) {
                                          if (job)
                                            ++processed;
                                          else
                                            running = false;
                                        }),
                           weft::branch(weft::when::cancelled(token), [&] { running = false; }));
            }
            // Drain what was sent before the shutdown (cancel-safe recv kept it).
            while (auto job = rx.try_recv()) ++processed;
            return processed;
          });
          for (int i = 0; i < 3; ++i) tx.send(i).unwrap();
          shutdown.cancel();
          CHECK(worker.join() == 3);
        },
        flavor);
    CHECK(deadlocks == 0);
  }
}

TEST_CASE("select: the same seed gives the same winners (determinism)") {
  auto run = [](std::uint64_t seed) {
    std::vector<std::size_t> winners;
    weft_test::RandomChooser chooser(seed);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::multi_thread});
    rt.block_on([&] {
      auto [tx, rx] = weft::mpsc::unbounded<int>();
      weft::Notify notify;
      auto a = weft::spawn([&notify] {
        for (int i = 0; i < 4; ++i) notify.notify_one();
      });
      auto b = weft::spawn([tx = std::move(tx)] {
        for (int i = 0; i < 4; ++i) tx.send(i).unwrap();
      });
      for (int i = 0; i < 6; ++i)
        winners.push_back(weft::select(weft::branch(weft::when::recv(rx), [](auto) {}),
                                       weft::branch(weft::when::notified(notify), [] {})));
      a.join();
      b.join();
    });
    return winners;
  };
  for (std::uint64_t seed = 0; seed < 20; ++seed) CHECK(run(seed) == run(seed));
}
