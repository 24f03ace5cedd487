// weft::sim mutexes and call_once against std's specified behaviour, and explored.
#include <catch2/catch.hpp>
#include <set>
#include <stdexcept>

#include "sim_test_support.hpp"
#include "weft/sim.hpp"

namespace sim = weft::sim;  // (not "sync": POSIX declares ::sync())
using namespace std::chrono_literals;

TEST_CASE("mutex: lock, try_lock, unlock, with std's lock types") {
  simtest::run([] {
    sim::mutex m;
    m.lock();
    bool other_got_it = true;
    sim::thread t([&] { other_got_it = m.try_lock(); });
    t.join();
    CHECK_FALSE(other_got_it);  // held by another thread: try_lock fails
    m.unlock();
    CHECK(m.try_lock());
    m.unlock();
    {
      std::lock_guard<sim::mutex> guard(m);
      sim::unique_lock<sim::mutex> probe(m, sim::defer_lock);
      (void)probe;
    }
    sim::mutex n;
    { std::scoped_lock both(m, n); }
    sim::unique_lock<sim::mutex> lock(m, sim::try_to_lock);
    CHECK(lock.owns_lock());
  });
}

TEST_CASE("a waiting lock() gets the mutex once it is unlocked") {
  simtest::run([] {
    sim::mutex m;
    int order = 0;
    m.lock();
    sim::thread t([&] {
      std::lock_guard<sim::mutex> g(m);
      order = order * 10 + 2;
    });
    sim::this_thread::sleep_for(1ms);
    order = 1;
    m.unlock();
    t.join();
    CHECK(order == 12);
  });
}

TEST_CASE("locking a std::mutex twice from one thread ends the execution (undefined behaviour)") {
  try {
    simtest::run([] {
      sim::mutex m;
      m.lock();
      m.lock();
    });
    FAIL("no failure");
  } catch (const weft::Terminated& e) {
    CHECK(std::string(e.what()).find("std::mutex locked again") != std::string::npos);
  }
}

TEST_CASE("unlocking a mutex the thread does not hold ends the execution") {
  CHECK_THROWS_AS(simtest::run([] {
                    sim::mutex m;
                    m.unlock();
                  }),
                  weft::Terminated);
  CHECK_THROWS_AS(simtest::run([] {
                    sim::mutex m;
                    m.lock();
                    sim::thread t([&] { m.unlock(); });
                    t.join();
                  }),
                  weft::Terminated);
}

TEST_CASE("recursive_mutex: the holder locks again; others wait for the last unlock") {
  simtest::run([] {
    sim::recursive_mutex m;
    m.lock();
    CHECK(m.try_lock());
    m.lock();
    bool other = true;
    sim::thread t([&] { other = m.try_lock(); });
    t.join();
    CHECK_FALSE(other);
    m.unlock();
    m.unlock();
    m.unlock();
    sim::thread u([&] {
      other = m.try_lock();
      if (other) m.unlock();
    });
    u.join();
    CHECK(other);
  });
}

TEST_CASE("timed_mutex: try_lock_for gives up after the virtual timeout") {
  simtest::run([] {
    sim::timed_mutex m;
    m.lock();
    bool got = true;
    sim::chrono::nanoseconds waited{};
    sim::thread t([&] {
      const auto start = sim::chrono::steady_clock::now();
      got = m.try_lock_for(50ms);
      waited = sim::chrono::steady_clock::now() - start;
    });
    t.join();
    CHECK_FALSE(got);
    CHECK(waited == 50ms);
    sim::thread u([&] { got = m.try_lock_until(sim::chrono::steady_clock::now() + 1s); });
    sim::this_thread::sleep_for(10ms);
    m.unlock();
    u.join();
    CHECK(got);  // unlocked before the deadline
  });
}

TEST_CASE("recursive_timed_mutex locks recursively and times out for others") {
  simtest::run([] {
    sim::recursive_timed_mutex m;
    m.lock();
    CHECK(m.try_lock_for(1ms));
    bool got = true;
    sim::thread t([&] { got = m.try_lock_for(5ms); });
    t.join();
    CHECK_FALSE(got);
    m.unlock();
    m.unlock();
  });
}

TEST_CASE("call_once runs the function once; an exception leaves the flag for the next call") {
  simtest::run([] {
    sim::once_flag flag;
    int calls = 0;
    CHECK_THROWS_AS(sim::call_once(flag,
                                   [&] {
                                     ++calls;
                                     throw std::runtime_error("first try fails");
                                   }),
                    std::runtime_error);
    sim::call_once(
        flag, [&](int n) { calls += n; }, 10);
    sim::call_once(flag, [&] { calls += 100; });
    CHECK(calls == 11);
  });
}

TEST_CASE("call_once from two threads: one runs, the other waits for it") {
  auto report = simtest::explore("random", 300, [] {
    sim::once_flag flag;
    int calls = 0;
    int seen = -1;
    auto init = [&] {
      sim::call_once(flag, [&] {
        sim::this_thread::yield();
        ++calls;
      });
      seen = calls;
      WEFT_CHECK(seen == 1);
    };
    sim::thread t(init);
    init();
    t.join();
    WEFT_CHECK(calls == 1);
  });
  INFO(simtest::first_failure(report));
  CHECK(report.ok());
}

TEST_CASE("who gets a released mutex, the woken waiter or a barging thread, is explored") {
  std::set<int> outcomes;
  for (std::uint64_t seed = 1; seed <= 200 && outcomes.size() < 2; ++seed) {
    weft::ExploreOptions options;
    options.strategy = "random";
    options.iterations = 1;
    options.seed = seed;
    int first = 0;
    weft::explore(options, weft::ExploreTarget{"barging", weft::Flavor::multi_thread, [&] {
                                                 sim::mutex m;
                                                 int winner = 0;
                                                 m.lock();
                                                 sim::thread waiter([&] {
                                                   std::lock_guard<sim::mutex> g(m);
                                                   if (winner == 0) winner = 1;
                                                 });
                                                 sim::this_thread::sleep_for(
                                                     1ms);  // the waiter is queued by now
                                                 m.unlock();
                                                 {
                                                   std::lock_guard<sim::mutex> g(m);  // barging
                                                   if (winner == 0) winner = 2;
                                                 }
                                                 waiter.join();
                                                 first = winner;
                                               }});
    outcomes.insert(first);
  }
  CHECK(outcomes == std::set<int>{1, 2});
}

TEST_CASE("std::mutex lock-order inversion: the deadlock is found, a fixed order is clean") {
  for (bool inverted : {true, false}) {
    auto report = simtest::explore("pct", 1000, [inverted] {
      sim::mutex a, b;
      sim::thread t([&] {
        std::lock_guard<sim::mutex> first(a);
        std::lock_guard<sim::mutex> second(b);
      });
      if (inverted) {
        std::lock_guard<sim::mutex> first(b);
        std::lock_guard<sim::mutex> second(a);
      } else {
        std::scoped_lock both(a, b);
      }
      t.join();
    });
    INFO(simtest::first_failure(report));
    CHECK(report.ok() == !inverted);
    if (inverted)
      CHECK((report.failures.front().kind == weft::FailureKind::deadlock ||
             report.failures.front().kind == weft::FailureKind::lock_order));
  }
}

TEST_CASE("a timed try_lock that backs off closes no lock-order cycle; a blocking lock does") {
  // One thread takes a then b; the other holds b and tries a for a while, backing off (letting b
  // go) when it times out: it never waits forever, so no deadlock is possible. With a blocking
  // lock of a in its place, the inversion is a real one.
  for (const bool timed : {true, false}) {
    for (const bool shared : {false, true}) {
      INFO((timed ? "timed" : "blocking") << (shared ? ", shared_timed_mutex" : ", timed_mutex"));
      auto report = simtest::explore("random", 200, [timed, shared] {
        sim::timed_mutex a;
        sim::shared_timed_mutex sa;
        sim::mutex b;
        auto lock_a = [&] {
          if (shared) return timed ? sa.try_lock_shared_for(1ms) : (sa.lock_shared(), true);
          return timed ? a.try_lock_for(1ms) : (a.lock(), true);
        };
        auto unlock_a = [&] { shared ? sa.unlock_shared() : a.unlock(); };
        sim::thread first([&] {
          if (shared) {
            std::lock_guard<sim::shared_timed_mutex> first_lock(sa);
            std::lock_guard<sim::mutex> second(b);
          } else {
            std::lock_guard<sim::timed_mutex> first_lock(a);
            std::lock_guard<sim::mutex> second(b);
          }
        });
        for (;;) {
          std::unique_lock<sim::mutex> holding(b);
          if (lock_a()) {
            unlock_a();
            break;
          }
          holding.unlock();
          sim::this_thread::sleep_for(1ms);
        }
        first.join();
      });
      INFO(simtest::first_failure(report));
      CHECK(report.ok() == timed);
    }
  }
}
