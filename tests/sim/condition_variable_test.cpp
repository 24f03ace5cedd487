// weft::sim condition variables against std's specified behaviour, and explored.
#include <catch2/catch.hpp>
#include <deque>

#include "sim_test_support.hpp"
#include "weft/sim.hpp"

namespace sim = weft::sim;  // (not "sync": POSIX declares ::sync())
using namespace std::chrono_literals;

TEST_CASE("notify_one wakes a waiter, which returns holding the lock") {
  simtest::run([] {
    sim::mutex m;
    sim::condition_variable cv;
    bool ready = false;
    sim::thread t([&] {
      std::lock_guard<sim::mutex> g(m);
      ready = true;
      cv.notify_one();
    });
    sim::unique_lock<sim::mutex> lock(m);
    cv.wait(lock, [&] { return ready; });
    CHECK(lock.owns_lock());
    CHECK(ready);
    lock.unlock();
    t.join();
  });
}

TEST_CASE("timed waits time out on the virtual clock") {
  simtest::run([] {
    sim::mutex m;
    sim::condition_variable cv;
    sim::unique_lock<sim::mutex> lock(m);
    const auto start = sim::chrono::steady_clock::now();
    CHECK(cv.wait_for(lock, 30ms) == sim::cv_status::timeout);
    CHECK(sim::chrono::steady_clock::now() - start == 30ms);
    CHECK(lock.owns_lock());
    CHECK_FALSE(cv.wait_until(lock, start + 100ms, [] { return false; }));
    CHECK(sim::chrono::steady_clock::now() - start == 100ms);
    CHECK(cv.wait_for(lock, 1s, [] { return true; }));  // a true predicate: no wait
    CHECK(sim::chrono::steady_clock::now() - start == 100ms);
  });
}

TEST_CASE("a notify before the deadline ends a timed wait with no_timeout") {
  simtest::run([] {
    sim::mutex m;
    sim::condition_variable cv;
    bool done = false;
    sim::thread t([&] {
      sim::this_thread::sleep_for(10ms);
      std::lock_guard<sim::mutex> g(m);
      done = true;
      cv.notify_all();
    });
    sim::unique_lock<sim::mutex> lock(m);
    CHECK(cv.wait_for(lock, 1s, [&] { return done; }));
    lock.unlock();
    t.join();
  });
}

TEST_CASE("condition_variable_any works with any lock and wakes on a stop request") {
  simtest::run([] {
    sim::mutex m;
    sim::condition_variable_any cv;
    bool stopped_early = false;
    sim::jthread waiter([&](sim::stop_token stop) {
      sim::unique_lock<sim::mutex> lock(m);
      stopped_early = !cv.wait(lock, stop, [] { return false; });
    });
    sim::this_thread::sleep_for(5ms);
    waiter.request_stop();
    waiter.join();
    CHECK(stopped_early);
    // A plain mutex as the lock.
    m.lock();
    CHECK(cv.wait_for(m, 2ms) == sim::cv_status::timeout);
    m.unlock();
  });
}

namespace {
// A one-slot handoff. `if_not_while` waits once instead of looping: a spurious wake-up (or a
// notify meant for the other state) lets it read an empty slot.
void handoff(bool if_not_while) {
  sim::mutex m;
  sim::condition_variable cv;
  std::deque<int> slot;
  sim::thread producer([&] {
    std::lock_guard<sim::mutex> g(m);
    slot.push_back(7);
    cv.notify_one();
  });
  {
    sim::unique_lock<sim::mutex> lock(m);
    if (if_not_while) {
      if (slot.empty()) cv.wait(lock);
    } else {
      while (slot.empty()) cv.wait(lock);
    }
    WEFT_CHECK(!slot.empty() && slot.front() == 7);
  }
  producer.join();
}

// Lost wake-up: the flag is not protected by the mutex the waiter holds.
void lost_wakeup(bool notify_under_lock) {
  sim::mutex m;
  sim::condition_variable cv;
  sim::atomic<bool> ready(false);
  sim::thread t([&] {
    if (notify_under_lock) {
      std::lock_guard<sim::mutex> g(m);
      ready = true;
    } else {
      ready = true;
    }
    cv.notify_one();
  });
  {
    sim::unique_lock<sim::mutex> lock(m);
    while (!ready) cv.wait(lock);
  }
  t.join();
}
}  // namespace

TEST_CASE("a wait without a predicate loop is found (spurious wake-up); the loop is clean") {
  for (const char* strategy : {"random", "pct", "dfs"}) {
    INFO(strategy);
    CHECK_FALSE(simtest::explore(strategy, 1000, [] { handoff(true); }).ok());
    auto fixed = simtest::explore(strategy, 1000, [] { handoff(false); });
    INFO(simtest::first_failure(fixed));
    CHECK(fixed.ok());
  }
}

TEST_CASE("a lost wake-up (flag set outside the lock) is found; set under the lock is clean") {
  for (const char* strategy : {"random", "pct", "dfs"}) {
    INFO(strategy);
    auto buggy = simtest::explore(strategy, 2000, [] { lost_wakeup(false); });
    CHECK_FALSE(buggy.ok());
    auto fixed = simtest::explore(strategy, 2000, [] { lost_wakeup(true); });
    INFO(simtest::first_failure(fixed));
    CHECK(fixed.ok());
  }
}

TEST_CASE("a wait_for of hours::max() is no timeout, not a wrap into the past") {
  simtest::run([] {
    sim::mutex m;
    sim::condition_variable cv;
    bool done = false;
    sim::thread t([&] {
      sim::this_thread::sleep_for(10ms);
      std::lock_guard<sim::mutex> g(m);
      done = true;
      cv.notify_all();
    });
    sim::unique_lock<sim::mutex> lock(m);
    sim::this_thread::sleep_for(1ms);  // the clock is off zero: now + max would overflow
    CHECK(cv.wait_for(lock, std::chrono::hours::max(), [&] { return done; }));
    CHECK(cv.wait_until(lock, sim::chrono::steady_clock::time_point::max(), [&] { return done; }));
    lock.unlock();
    t.join();
  });
}
