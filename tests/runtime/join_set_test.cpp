// weft::JoinSet: join_next in the order tasks end, len/is_empty, abort_all, shutdown, detach_all,
// aborting on drop, cancellation of a task waiting in join_next, AbortHandle, the order of many
// results, and explored runs.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("JoinSet: join_next returns results in the order the tasks end") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::JoinSet<int> set;
    CHECK(set.is_empty());
    for (int ms : {3, 1, 2})
      set.spawn([ms] {
        weft::sleep(std::chrono::milliseconds(ms));
        return ms;
      });
    CHECK(set.len() == 3);
    std::vector<int> order;
    while (auto r = set.join_next()) order.push_back(r->unwrap());
    CHECK(order == std::vector<int>{1, 2, 3});
    CHECK(set.is_empty());
    CHECK_FALSE(set.join_next().has_value());  // empty: at once
  });
}

TEST_CASE("JoinSet: a panic or an abort comes back as a JoinError result") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::JoinSet<int> set;
    set.spawn([]() -> int { throw std::runtime_error("boom"); });
    const weft::TaskId sleeper = set.spawn([] {
      weft::sleep(1h);
      return 0;
    });
    auto first = set.join_next();
    REQUIRE(first);
    REQUIRE(first->is_err());
    CHECK(first->error().is_panic());
    CHECK_THROWS_AS(first->unwrap(), weft::JoinError);
    set.abort_all();
    CHECK(set.len() == 1);  // aborted tasks stay until joined
    auto second = set.join_next();
    REQUIRE(second);
    CHECK(second->id() == sleeper);
    CHECK(second->error().is_cancelled());
    CHECK(weft::now() == weft::Instant(0ms));
  });
}

TEST_CASE("JoinSet: shutdown aborts and waits for every task; try_join_next never waits") {
  weft::Runtime rt;
  int unwound = 0;
  rt.block_on([&] {
    weft::JoinSet<void> set;
    for (int i = 0; i < 3; ++i)
      set.spawn([&unwound] {
        struct Mark {
          int& n;
          ~Mark() { ++n; }
        } mark{unwound};
        weft::sleep(1h);
      });
    CHECK_FALSE(set.try_join_next().has_value());
    weft::yield_now();
    set.shutdown();
    CHECK(set.is_empty());
    CHECK(unwound == 3);
  });
}

TEST_CASE("JoinSet: dropping the set aborts its tasks at their next await") {
  weft::Runtime rt;
  int unwound = 0, finished = 0;
  rt.block_on([&] {
    weft::TaskTracker tracker;
    {
      weft::JoinSet<void> set;
      for (int i = 0; i < 2; ++i)
        set.spawn([&, token = tracker.spawn([] {})] {
          struct Mark {
            int& n;
            ~Mark() { ++n; }
          } mark{unwound};
          weft::sleep(1h);
          ++finished;
        });
      weft::yield_now();
    }
    weft::sleep(1ms);  // the aborted tasks are dropped meanwhile
    CHECK(unwound == 2);
    CHECK(finished == 0);
  });
  CHECK(unwound == 2);
}

TEST_CASE("JoinSet: detach_all lets the tasks run on") {
  weft::Runtime rt;
  int finished = 0;
  rt.block_on([&] {
    {
      weft::JoinSet<void> set;
      set.spawn([&] {
        weft::sleep(1ms);
        ++finished;
      });
      set.detach_all();
      CHECK(set.is_empty());
    }
    weft::sleep(2ms);
    CHECK(finished == 1);
  });
}

TEST_CASE("JoinSet: a task aborted while waiting in join_next is dropped there, losing nothing") {
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    auto set = std::make_shared<weft::JoinSet<int>>();
    set->spawn([] {
      weft::sleep(2ms);
      return 5;
    });
    auto waiter = weft::spawn([&after, set] {
      (void)set->join_next();
      after = true;
    });
    weft::sleep(1ms);
    waiter.abort();
    CHECK_THROWS_AS(waiter.join(), weft::JoinError);
    auto r = set->join_next();  // the result is still there for the next join_next
    REQUIRE(r);
    CHECK(r->unwrap() == 5);
  });
  CHECK_FALSE(after);
}

TEST_CASE("JoinSet: join_next in a select with a shutdown token") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::JoinSet<int> set;
    weft::CancellationToken token;
    set.spawn([] {
      weft::sleep(1ms);
      return 1;
    });
    set.spawn([] {
      weft::sleep(1h);
      return 2;
    });
    std::vector<int> got;
    auto canceller = weft::spawn([token] {
      weft::sleep(5ms);
      token.cancel();
    });
    for (bool running = true; running;)
      weft::select(weft::branch(weft::when::join_next(set),
                                [&](auto r) {
                                  if (r) got.push_back(r->unwrap());
                                }),
                   weft::branch(weft::when::cancelled(token), [&] { running = false; }));
    CHECK(got == std::vector<int>{1});
    CHECK(set.len() == 1);
    set.shutdown();
    canceller.join();
  });
}

TEST_CASE("JoinSet: every result is joined exactly once, explored") {
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    const int deadlocks = weft_test::explore_random(
        300,
        [] {
          weft::JoinSet<int> set;
          weft::Notify go;
          for (int i = 0; i < 3; ++i)
            set.spawn([i, &go] {
              if (i == 1) go.notified();
              return i;
            });
          go.notify_one();
          int sum = 0, n = 0;
          while (auto r = set.join_next()) {
            sum += r->unwrap();
            ++n;
          }
          CHECK(n == 3);
          CHECK(sum == 3);
        },
        flavor);
    CHECK(deadlocks == 0);
  }
}

TEST_CASE("JoinSet: slots of ended tasks are reused without mixing up which task ended") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::JoinSet<int> set;
    // A detached task still holds its slot until it ends; it must never come back from
    // join_next, even when its slot is reused after it ended.
    set.spawn([] {
      weft::sleep(5ms);
      return -1;
    });
    set.detach_all();
    for (int round = 0; round < 50; ++round) {
      std::vector<weft::TaskId> spawned;
      for (int k = 0; k < 3; ++k)
        spawned.push_back(set.spawn([round, k] {
          weft::sleep(std::chrono::milliseconds(3 - k));
          return round * 10 + k;
        }));
      std::vector<int> values;
      std::vector<weft::TaskId> ended;
      while (auto r = set.join_next()) {
        ended.push_back(r->id());
        values.push_back(r->unwrap());
      }
      CHECK(values == std::vector<int>{round * 10 + 2, round * 10 + 1, round * 10});
      CHECK(ended == std::vector<weft::TaskId>{spawned[2], spawned[1], spawned[0]});
    }
  });
}

TEST_CASE("JoinSet: spawn's AbortHandle cancels that one task; join_next reports it cancelled") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::JoinSet<int> set;
    const weft::AbortHandle quick = set.spawn([] {
      weft::sleep(1ms);
      return 1;
    });
    const weft::AbortHandle slow = set.spawn([] {
      weft::sleep(1h);
      return 2;
    });
    CHECK(slow.id() != quick.id());
    CHECK(slow.id() != weft::kNoTask);
    CHECK_FALSE(slow.is_finished());
    weft::sleep(2ms);
    CHECK(quick.is_finished());  // ended, not yet returned by join_next
    slow.abort();
    CHECK(set.len() == 2);
    auto first = set.join_next();
    REQUIRE(first);
    CHECK(first->id() == quick.id());
    CHECK(first->unwrap() == 1);
    quick.abort();  // ended and joined: nothing to cancel, nothing happens
    auto second = set.join_next();
    REQUIRE(second);
    CHECK(second->id() == slow.id());
    REQUIRE(second->is_err());
    CHECK(second->error().is_cancelled());
    CHECK(slow.is_finished());
    CHECK(set.is_empty());
    CHECK(weft::now() == weft::Instant(2ms));  // the 1h sleep was cancelled at its await
  });
}

TEST_CASE("JoinSet: an AbortHandle's task that finishes before the abort lands returns its value") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::JoinSet<int> set;
    int reached = 0;
    // No await between the start and the return: an abort requested while it runs cannot cancel
    // it (tokio cancels only at an await).
    auto h = set.spawn([&reached] {
      ++reached;
      return 7;
    });
    weft::yield_now();  // it runs to the end
    CHECK(h.is_finished());
    h.abort();
    auto r = set.try_join_next();
    REQUIRE(r);
    CHECK(r->unwrap() == 7);
    CHECK(reached == 1);
  });
}

TEST_CASE("JoinSet: an abort through the AbortHandle lands only at the task's await, explored") {
  // The worker updates a and b together between two awaits: cancelled at an await, a == b
  // always, whatever the interleaving of the abort with its steps.
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    int cancelled = 0;
    const int deadlocks = weft_test::explore_random(
        200,
        [&cancelled] {
          weft::Atomic<int> a{0}, b{0};
          weft::JoinSet<void> set;
          auto worker = set.spawn([&] {
            for (;;) {
              weft::sleep(1ms);
              a.fetch_add(1);
              b.fetch_add(1);
            }
          });
          set.spawn([] { weft::sleep(1ms); });
          weft::sleep(std::chrono::milliseconds(weft::choose(4)));
          worker.abort();
          int results = 0;
          while (auto r = set.join_next()) {
            ++results;
            if (r->id() == worker.id()) {
              REQUIRE(r->is_err());
              CHECK(r->error().is_cancelled());
              ++cancelled;
            } else {
              CHECK(r->is_ok());
            }
          }
          CHECK(results == 2);
          CHECK(a.load() == b.load());
        },
        flavor);
    CHECK(deadlocks == 0);
    CHECK(cancelled == 200);
  }
}

TEST_CASE("JoinSet: JoinHandle::abort_handle aborts the task it came from") {
  weft::Runtime rt;
  rt.block_on([] {
    auto task = weft::spawn([] { weft::sleep(1h); });
    const weft::AbortHandle abort = task.abort_handle();
    CHECK(abort.id() == task.id());
    abort.abort();
    CHECK_THROWS_AS(task.join(), weft::JoinError);
    CHECK(abort.is_finished());
    const weft::AbortHandle empty;
    CHECK(empty.id() == weft::kNoTask);
    CHECK_FALSE(empty.is_finished());
    empty.abort();  // does nothing
  });
}

TEST_CASE("JoinSet: thousands of tasks come back in the order they ended, each once") {
  // join_next is O(1) per result (a queue of ended slots), so this stays quick; the order is
  // the order the tasks ended, ties (same deadline) included, as each task records itself.
  weft::Runtime rt;
  rt.block_on([] {
    constexpr int kTasks = 3000;
    weft::JoinSet<int> set;
    std::vector<weft::TaskId> ended;
    std::vector<weft::TaskId> spawned;
    for (int i = 0; i < kTasks; ++i)
      spawned.push_back(set.spawn([i, &ended] {
        weft::sleep(std::chrono::milliseconds((i * 7919) % 37));
        ended.push_back(weft::current_task_id());
        return i;
      }));
    CHECK(set.len() == kTasks);
    std::vector<weft::TaskId> returned;
    std::vector<bool> seen(kTasks, false);
    int late = 0;
    while (auto r = set.join_next()) {
      returned.push_back(r->id());
      const int i = r->unwrap();
      if (i < 0) {
        ++late;
        continue;
      }
      CHECK_FALSE(seen[static_cast<std::size_t>(i)]);
      seen[static_cast<std::size_t>(i)] = true;
      CHECK(spawned[static_cast<std::size_t>(i)] == r->id());
      // A task spawned while others are pending reuses a freed slot and comes back in turn.
      if (i % 500 == 0)
        set.spawn([&ended] {
          ended.push_back(weft::current_task_id());
          return -1;
        });
    }
    CHECK(late == kTasks / 500);
    CHECK(returned.size() == ended.size());
    CHECK(returned == ended);
    CHECK(set.is_empty());
  });
}
