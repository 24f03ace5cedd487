// CondVar: predicate waits, virtual-time timeouts, notify_all, chosen spurious wake-ups.
#include <catch2/catch.hpp>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("CondVar: wait with a predicate returns once the condition holds, lock held") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> m(0);
    weft::CondVar cv;
    auto consumer = weft::spawn(
        [&] {
          auto g = m.lock();
          cv.wait(g, [&] { return *g >= 3; });
          CHECK(g.owns_lock());
          return *g;
        },
        "consumer");
    for (int i = 0; i < 3; ++i) {
      weft::yield_now();
      *m.lock() += 1;
      cv.notify_one();
    }
    CHECK(consumer.join() == 3);
  });
}

TEST_CASE("CondVar: wait_for times out in virtual time and re-locks") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> m(0);
    weft::CondVar cv;
    auto g = m.lock();
    CHECK(cv.wait_for(g, 10ms) == std::cv_status::timeout);
    CHECK(weft::now().time_since_epoch() == 10ms);
    CHECK(g.owns_lock());
    CHECK(m.is_locked());
    CHECK_FALSE(cv.wait_for(g, 5ms, [&] { return *g == 1; }));
    CHECK(weft::now().time_since_epoch() == 15ms);
  });
}

TEST_CASE("CondVar: a notification before the deadline wins") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<bool> m(false);
    weft::CondVar cv;
    auto setter = weft::spawn([&] {
      weft::sleep(3ms);
      *m.lock() = true;
      cv.notify_all();
    });
    auto g = m.lock();
    CHECK(cv.wait_for(g, 1h, [&] { return *g; }));
    CHECK(weft::now().time_since_epoch() == 3ms);
    g.unlock();
    setter.join();
  });
}

TEST_CASE("CondVar: notify_all wakes every waiter, notify_one exactly one") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> m(0);
    weft::CondVar cv;
    int woken = 0;
    std::vector<weft::JoinHandle<void>> waiters;
    for (int i = 0; i < 3; ++i)
      waiters.push_back(weft::spawn([&] {
        auto g = m.lock();
        cv.wait(g);
        ++woken;
      }));
    weft::yield_now();
    cv.notify_one();
    for (int i = 0; i < 3; ++i) weft::yield_now();
    CHECK(woken == 1);
    cv.notify_all();
    for (auto& w : waiters) w.join();
    CHECK(woken == 3);
  });
}

TEST_CASE("CondVar: a spurious wake-up is a chooser decision, never taken by default") {
  // Index 1 at the first spurious decision: the wait returns without any notification.
  weft_test::ScriptedChooser chooser({1}, weft::DecisionKind::spurious);
  weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> m(0);
    weft::CondVar cv;
    auto g = m.lock();
    cv.wait(g);  // would deadlock without the spurious wake-up
    CHECK(g.owns_lock());
  });
  std::size_t spurious = 0;
  for (const auto& a : chooser.asked)
    if (a.kind == weft::DecisionKind::spurious) {
      ++spurious;
      CHECK(a.candidates.size() == 2);
      CHECK(a.candidates[0].op == weft::Op::wait);
    }
  CHECK(spurious == 1);

  // Without an exploration nothing is spurious: the same wait never returns.
  weft::detail::ScopedExplorationHooks none({});
  weft::Runtime plain;
  CHECK_THROWS_AS(plain.block_on([] {
    weft::Mutex<int> m(0);
    weft::CondVar cv;
    auto g = m.lock();
    cv.wait(g);
  }),
                  weft::Deadlock);
}

TEST_CASE("CondVar: a predicate wait survives a spurious wake-up") {
  weft_test::ScriptedChooser chooser({1}, weft::DecisionKind::spurious);
  weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<bool> ready(false);
    weft::CondVar cv;
    auto waiter = weft::spawn([&] {
      auto g = ready.lock();
      cv.wait(g, [&] { return *g; });
      return *g;
    });
    weft::sleep(1ms);
    *ready.lock() = true;
    cv.notify_one();
    CHECK(waiter.join());
  });
}

TEST_CASE("CondVar: a notify_one received by a dropped waiter goes to the next waiter") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> m(0);
    weft::CondVar cv;
    auto a = weft::spawn(
        [&] {
          auto g = m.lock();
          cv.wait(g);
        },
        "a");
    auto b = weft::spawn(
        [&] {
          auto g = m.lock();
          cv.wait(g);
          return true;
        },
        "b");
    weft::yield_now();
    cv.notify_one();  // wakes a, which has not run yet
    a.abort();
    CHECK_THROWS_AS(a.join(), weft::JoinError);
    CHECK(b.join());
    CHECK_FALSE(m.is_locked());
  });
}
