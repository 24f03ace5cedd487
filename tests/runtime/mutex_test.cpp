// Mutex: exclusion, try_lock, FIFO handoff, guards released by unwinding, events, deadlocks.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {
// Eight tasks increment a counter with a yield inside the critical section.
void hammer(weft::Mutex<int>& counter, bool& overlap) {
  std::vector<weft::JoinHandle<void>> tasks;
  bool inside = false;
  for (int t = 0; t < 8; ++t) {
    tasks.push_back(weft::spawn([&] {
      for (int i = 0; i < 5; ++i) {
        auto guard = counter.lock();
        if (inside) overlap = true;
        inside = true;
        int seen = *guard;
        weft::yield_now();
        *guard = seen + 1;
        inside = false;
      }
    }));
  }
  for (auto& t : tasks) t.join();
}
}  // namespace

TEST_CASE("Mutex: exclusion holds under many yielding tasks and random schedules") {
  weft::Mutex<int> counter(0);
  bool overlap = false;
  {
    weft::Runtime rt;
    rt.block_on([&] { hammer(counter, overlap); });
  }
  CHECK(counter.get_mut() == 40);
  counter.get_mut() = 0;
  weft_test::explore_random(50, [&] { hammer(counter, overlap); });
  CHECK(counter.get_mut() == 50 * 40);
  CHECK_FALSE(overlap);
}

TEST_CASE("Mutex: try_lock fails while held and while the lock is handed to a waiter") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<std::string> m("a");
    auto guard = m.try_lock();
    REQUIRE(guard.has_value());
    CHECK(**guard == "a");
    CHECK_FALSE(m.try_lock().has_value());
    auto waiter = weft::spawn(
        [&] {
          auto g = m.lock();
          g->append("b");
        },
        "waiter");
    weft::yield_now();  // waiter queues
    guard->unlock();
    CHECK_FALSE(guard->owns_lock());
    CHECK_THROWS_AS(**guard, std::logic_error);
    // The lock went straight to the queued waiter (FIFO handoff), so it is not free.
    CHECK(m.is_locked());
    CHECK_FALSE(m.try_lock().has_value());
    waiter.join();
    auto again = m.try_lock();
    REQUIRE(again.has_value());
    CHECK(**again == "ab");
  });
}

TEST_CASE("Mutex: waiters get the lock in FIFO order") {
  weft::Runtime rt;
  auto order = rt.block_on([] {
    weft::Mutex<std::vector<int>> m;
    auto guard = m.lock();
    std::vector<weft::JoinHandle<void>> tasks;
    for (int i = 0; i < 4; ++i) tasks.push_back(weft::spawn([&m, i] { m.lock()->push_back(i); }));
    weft::yield_now();
    guard.unlock();
    for (auto& t : tasks) t.join();
    return *m.lock();
  });
  CHECK(order == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("Mutex: a guard held by a dropped task is released and the next waiter gets it") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> m(0);
    auto holder = weft::spawn(
        [&] {
          auto g = m.lock();
          *g = 1;
          weft::sleep(1h);  // holds the lock across the sleep
        },
        "holder");
    weft::yield_now();
    auto waiter = weft::spawn(
        [&] {
          auto g = m.lock();
          return *g;
        },
        "waiter");
    weft::yield_now();
    CHECK_FALSE(waiter.is_finished());
    holder.abort();
    CHECK(waiter.join() == 1);
    CHECK(weft::now() == weft::Instant{});  // nobody waited for the hour
  });
}

TEST_CASE("Mutex: a waiter handed the lock but dropped before it runs passes it on") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> m(0);
    auto guard = m.lock();
    auto a = weft::spawn([&] { *m.lock() = 1; }, "a");
    auto b = weft::spawn([&] { *m.lock() = 2; }, "b");
    weft::yield_now();
    guard.unlock();  // handed to a, which has not run yet
    a.abort();
    CHECK_THROWS_AS(a.join(), weft::JoinError);
    b.join();
    CHECK(*m.lock() == 2);
  });
}

TEST_CASE("Mutex: lock and unlock events name the object and the task") {
  weft_test::EventLog log;
  weft::detail::ScopedExplorationHooks hooks({.observer = &log});
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> a, b;
    auto ga = a.lock();
    auto gb = b.lock();
    gb.unlock();
  });
  auto ops = log.ops(weft::ObjectKind::mutex);
  REQUIRE(ops.size() == 4);
  CHECK((ops[0].op == weft::Op::lock && ops[0].object == 1 && ops[0].task == 0));
  CHECK((ops[1].op == weft::Op::lock && ops[1].object == 2));
  CHECK((ops[2].op == weft::Op::unlock && ops[2].object == 2));
  CHECK((ops[3].op == weft::Op::unlock && ops[3].object == 1));  // the guard's destructor
}

TEST_CASE("Mutex: locking outside a task is an error; one mutex serves successive runtimes") {
  weft::Mutex<int> m(0);
  CHECK_THROWS_AS(m.lock(), weft::RuntimeError);
  for (int run = 0; run < 3; ++run) {
    weft::Runtime rt;
    rt.block_on([&] {
      auto g = m.lock();
      ++*g;
    });
  }
  CHECK(m.get_mut() == 3);
  CHECK_FALSE(m.is_locked());
}

namespace {
struct DeadlockWatcher final : weft::Observer {
  void on_event(const weft::Event& e) override {
    if (e.kind == weft::EventKind::deadlock) snapshot = e.runtime->tasks();
  }
  std::vector<weft::TaskSnapshot> snapshot;
};
}  // namespace

TEST_CASE("Mutex: opposite lock order deadlocks, naming both tasks, mutexes and holders") {
  DeadlockWatcher watcher;
  weft_test::ScriptedChooser chooser({});  // index 0 everywhere: the yields interleave A and B
  weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser, .observer = &watcher});
  weft::Runtime rt;
  weft::Mutex<int> m1, m2;
  std::string message;
  try {
    rt.block_on([&] {
      auto a = weft::spawn(
          [&] {
            auto g1 = m1.lock();
            weft::yield_now();
            auto g2 = m2.lock();
          },
          "A");
      auto b = weft::spawn(
          [&] {
            auto g2 = m2.lock();
            weft::yield_now();
            auto g1 = m1.lock();
          },
          "B");
      a.join();
      b.join();
    });
    FAIL("expected a deadlock");
  } catch (const weft::Deadlock& e) {
    message = e.what();
  }
  CHECK_THAT(message, Catch::Contains("'A'") && Catch::Contains("'B'"));
  CHECK_THAT(message, Catch::Contains("mutex #1") && Catch::Contains("mutex #2"));

  const weft::TaskSnapshot* a = nullptr;
  const weft::TaskSnapshot* b = nullptr;
  for (const auto& t : watcher.snapshot) {
    if (t.name == "A") a = &t;
    if (t.name == "B") b = &t;
  }
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(a->state == weft::TaskState::blocked);
  CHECK(a->wait_kind == weft::ObjectKind::mutex);
  CHECK(a->wait_op == weft::Op::lock);
  CHECK(a->wait_holder == b->id);
  CHECK(b->wait_kind == weft::ObjectKind::mutex);
  CHECK(b->wait_holder == a->id);
  CHECK(a->wait_object != b->wait_object);
  // Every guard was released by unwinding when the tasks were dropped.
  CHECK_FALSE(m1.is_locked());
  CHECK_FALSE(m2.is_locked());
}

TEST_CASE("Mutex: a holder change while waiting updates the wait-for holder") {
  DeadlockWatcher watcher;
  weft::detail::ScopedExplorationHooks hooks({.observer = &watcher});
  weft::Runtime rt;
  weft::Mutex<int> m;
  CHECK_THROWS_AS(rt.block_on([&] {
    auto g = m.lock();
    auto first = weft::spawn(
        [&] {
          auto g1 = m.lock();
          weft::Notify never;
          never.notified();  // holds m forever
        },
        "first");
    auto second = weft::spawn([&] { auto g2 = m.lock(); }, "second");
    weft::yield_now();
    g.unlock();  // first gets m; second now waits for first, not for main
    first.join();
  }),
                  weft::Deadlock);
  weft::TaskId first_id = weft::kNoTask;
  for (const auto& t : watcher.snapshot)
    if (t.name == "first") first_id = t.id;
  bool checked = false;
  for (const auto& t : watcher.snapshot) {
    if (t.name != "second") continue;
    CHECK(t.wait_kind == weft::ObjectKind::mutex);
    CHECK(t.wait_holder == first_id);
    checked = true;
  }
  CHECK(checked);
}
