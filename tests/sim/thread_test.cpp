// weft::sim threads, this_thread and the virtual clocks against std's specified behaviour.
#include <catch2/catch.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "sim_test_support.hpp"
#include "weft/sim.hpp"

namespace sim = weft::sim;  // (not "sync": POSIX declares ::sync())
using namespace std::chrono_literals;

TEST_CASE("thread runs its function with copies of the arguments; join waits for it") {
  simtest::run([] {
    int result = 0;
    std::string text = "abc";
    sim::thread t([&result](std::string s, int n) { result = static_cast<int>(s.size()) + n; },
                  text, 4);
    CHECK(t.joinable());
    t.join();
    CHECK_FALSE(t.joinable());
    CHECK(result == 7);
  });
}

TEST_CASE("join and detach of a thread that is not joinable throw std::system_error") {
  simtest::run([] {
    sim::thread empty;
    CHECK_FALSE(empty.joinable());
    CHECK(empty.get_id() == sim::thread::id());
    CHECK_THROWS_AS(empty.join(), std::system_error);
    CHECK_THROWS_AS(empty.detach(), std::system_error);
    sim::thread t([] {});
    t.detach();
    CHECK_FALSE(t.joinable());
  });
}

TEST_CASE("thread ids: distinct per thread, this_thread::get_id inside matches get_id outside") {
  simtest::run([] {
    sim::thread::id inside;
    sim::thread t([&] { inside = sim::this_thread::get_id(); });
    const sim::thread::id outside = t.get_id();
    t.join();
    CHECK(inside == outside);
    CHECK(inside != sim::this_thread::get_id());
    CHECK(sim::this_thread::get_id() != sim::thread::id());
    CHECK(std::hash<sim::thread::id>()(inside) != std::hash<sim::thread::id>()(sim::thread::id()));
  });
}

TEST_CASE("a thread moved from is not joinable; swap exchanges") {
  simtest::run([] {
    sim::thread a([] {});
    sim::thread b(std::move(a));
    CHECK_FALSE(a.joinable());
    CHECK(b.joinable());
    a.swap(b);
    CHECK(a.joinable());
    a.join();
  });
}

TEST_CASE("a joinable thread destroyed ends the execution naming its creation site") {
  static unsigned created_line = 0;
  try {
    simtest::run([] {
      created_line = __LINE__ + 1;
      sim::thread forgotten([] { sim::this_thread::sleep_for(1ms); });
    });
    FAIL("no failure");
  } catch (const weft::Terminated& e) {
    CHECK(std::string(e.where().file_name()).find("thread_test.cpp") != std::string::npos);
    CHECK(e.where().line() == created_line);
    CHECK(std::string(e.what()).find("joinable std::thread") != std::string::npos);
    CHECK(std::string(e.what()).find("std::terminate") != std::string::npos);
  }
}

TEST_CASE("a joinable thread in a vector destroyed is found by exploration, joined is clean") {
  for (bool join : {false, true}) {
    auto report = simtest::explore("random", 20, [join] {
      std::vector<sim::thread> pool;
      for (int i = 0; i < 2; ++i) pool.emplace_back([] { sim::this_thread::yield(); });
      if (join)
        for (auto& t : pool) t.join();
    });
    CHECK(report.ok() == join);
    if (!join) {
      REQUIRE_FALSE(report.ok());
      INFO(report.failures.front().describe());
      CHECK(report.failures.front().describe().find("joinable std::thread") != std::string::npos);
    }
  }
}

TEST_CASE("a joinable thread destroyed while a failed check unwinds its joiner names the check") {
  // a.join() rethrows a's failed check; unwinding main destroys b, still joinable. std
  // terminates there (and the execution must end there: unwinding on would free what b uses),
  // but the report must say why main never reached b.join().
  int check_line = 0;
  auto report = simtest::explore("dpor", 50, [&] {
    check_line = __LINE__ + 1;
    sim::thread a([] { WEFT_CHECK(1 + 1 == 3); });
    sim::thread b([] {});
    a.join();
    b.join();
  });
  REQUIRE_FALSE(report.ok());
  INFO(report.failures.front().describe());
  CHECK(report.failures.front().describe().find("1 + 1 == 3") != std::string::npos);
  CHECK(report.failures.front().describe().find("joinable std::thread") != std::string::npos);
  // The report points at the check, the cause, not at the thread's creation.
  CHECK(report.failures.front().where.line == static_cast<std::uint32_t>(check_line));
}

TEST_CASE("a failed check in main before it joins a thread names the check") {
  // std terminates when the unwinding destroys the joinable thread; the report must still say
  // which check main failed, and where.
  int check_line = 0;
  auto report = simtest::explore("random", 5, [&] {
    sim::thread t([] {});
    check_line = __LINE__ + 1;
    WEFT_CHECK(1 + 1 == 3);
    t.join();
  });
  REQUIRE_FALSE(report.ok());
  const std::string text = report.failures.front().describe();
  INFO(text);
  CHECK(text.find("joinable std::thread") != std::string::npos);
  CHECK(text.find("check failed: 1 + 1 == 3") != std::string::npos);
  CHECK(report.failures.front().where.line == static_cast<std::uint32_t>(check_line));
}

TEST_CASE("an exception escaping a thread's function ends the execution (std::terminate)") {
  CHECK_THROWS_AS(simtest::run([] {
                    sim::thread t([] { throw std::runtime_error("boom"); });
                    t.join();
                  }),
                  weft::Terminated);
}

TEST_CASE("a detached thread is dropped at shutdown: no failure") {
  auto report = simtest::explore("random", 50, [] {
    sim::thread([] {
      for (;;) sim::this_thread::sleep_for(1s);
    }).detach();
    sim::this_thread::sleep_for(5s);
  });
  INFO(simtest::first_failure(report));
  CHECK(report.ok());
}

TEST_CASE("a detached thread that joins a thread of its own stops quietly when main returns") {
  // At process exit the helper and the detached thread that joins it stop wherever they are;
  // whichever the shutdown drops first, the other must not see a join fail (a cancelled thread,
  // an escaping exception) or a drop swallowed by jthread's destructor.
  for (const char* strategy : {"random", "dfs", "exhaustive"}) {
    for (const bool use_jthread : {false, true}) {
      INFO(strategy << (use_jthread ? ", jthread" : ", thread"));
      auto report = simtest::explore(strategy, 200, [use_jthread] {
        sim::thread background([use_jthread] {
          if (use_jthread) {
            sim::jthread helper([] { sim::this_thread::sleep_for(1h); });
            sim::this_thread::sleep_for(1ms);
          } else {
            sim::thread helper([] { sim::this_thread::sleep_for(1h); });
            sim::this_thread::sleep_for(1ms);
            helper.join();
          }
        });
        background.detach();
        sim::this_thread::sleep_for(2ms);
      });
      CHECK(simtest::first_failure(report) == "(none)");
    }
  }
}

TEST_CASE("a detached service thread that catches everything stops quietly when main returns") {
  // "Never die" workers catch (...) around each request and serve on, or return from the catch.
  // A process exit ends them wherever they wait; the unwinding weft uses to stop them is its
  // own, so catching it is no swallowed cancellation.
  for (const char* strategy : {"random", "dfs", "exhaustive"}) {
    for (const bool keeps_serving : {true, false}) {
      INFO(strategy << (keeps_serving ? ", serves on" : ", returns"));
      auto report = simtest::explore(strategy, 200, [keeps_serving] {
        auto m = std::make_shared<sim::mutex>();
        auto cv = std::make_shared<sim::condition_variable>();
        sim::thread([m, cv, keeps_serving] {
          for (;;) {
            try {
              std::unique_lock<sim::mutex> lock(*m);
              cv->wait(lock);
            } catch (...) {
              if (!keeps_serving) return;
            }
          }
        }).detach();
        sim::this_thread::sleep_for(1ms);
      });
      CHECK(simtest::first_failure(report) == "(none)");
    }
  }
}

namespace {
// An RAII owner that joins its thread when destroyed, as much std code does.
struct JoiningOwner {
  sim::thread thread;
  ~JoiningOwner() {
    if (thread.joinable()) thread.join();
  }
};
}  // namespace

TEST_CASE("main's return stops a detached thread inside a destructor that joins") {
  // Either the detached thread already waits in ~JoiningOwner when main returns (the drop meets
  // the wait), or it still sleeps and its drop's unwinding runs ~JoiningOwner: at a process exit
  // it just stops, so neither is a failure.
  for (const char* strategy : {"random", "dfs", "exhaustive"}) {
    for (const bool waits_first : {true, false}) {
      INFO(strategy << (waits_first ? ", waiting in the destructor" : ", unwinding into it"));
      auto report = simtest::explore(strategy, 200, [waits_first] {
        sim::thread background([waits_first] {
          JoiningOwner owner{sim::thread([] { sim::this_thread::sleep_for(1h); })};
          sim::this_thread::sleep_for(waits_first ? 1ms : 5ms);
        });
        background.detach();
        sim::this_thread::sleep_for(2ms);
      });
      CHECK(simtest::first_failure(report) == "(none)");
    }
  }
}

TEST_CASE("a deadlock that ends in a jthread's destructor is reported once") {
  auto report = simtest::explore("random", 20, [] {
    sim::mutex m;
    sim::condition_variable cv;
    bool go = false;
    sim::jthread waiter([&] {
      std::unique_lock<sim::mutex> lock(m);
      cv.wait(lock, [&] { return go; });
    });
  });  // ~jthread joins a thread nobody will notify
  REQUIRE_FALSE(report.failures.empty());
  CHECK(report.failures.front().kind == weft::FailureKind::deadlock);
  for (const weft::Failure& f : report.failures) {
    INFO(f.describe());
    CHECK(f.kind == weft::FailureKind::deadlock);
  }
}

TEST_CASE("sleep_for and sleep_until move virtual time, not wall time") {
  simtest::run([] {
    const auto start = sim::chrono::steady_clock::now();
    sim::this_thread::sleep_for(2h);
    CHECK(sim::chrono::steady_clock::now() - start == 2h);
    sim::this_thread::sleep_until(start + 3h);
    CHECK(sim::chrono::steady_clock::now() - start == 3h);
    const auto wall = sim::chrono::system_clock::now();
    sim::this_thread::sleep_until(wall + 1min);
    CHECK(sim::chrono::system_clock::now() - wall == 1min);
    CHECK(sim::chrono::system_clock::to_time_t(sim::chrono::system_clock::from_time_t(1234)) ==
          1234);
  });
}

TEST_CASE("time passes while threads spin: a spin-wait on a sleeping setter ends") {
  // Real threads spin in real time, so the setter's sleep ends while they spin; a paused clock
  // that moved only when no thread could run would report a hang on correct code.
  for (const char* strategy : {"random", "pct", "dfs", "dpor", "exhaustive"}) {
    for (const bool bare : {false, true}) {
      INFO(strategy << (bare ? ", bare spin" : ", yield spin"));
      auto report = simtest::explore(strategy, 200, [bare] {
        sim::atomic<bool> flag(false);
        sim::thread setter([&] {
          sim::this_thread::sleep_for(1ms);
          flag.store(true);
        });
        while (!flag.load())
          if (!bare) sim::this_thread::yield();
        setter.join();
      });
      CHECK(report.ok());
      CHECK(simtest::first_failure(report) == "(none)");
    }
  }
}

TEST_CASE("threads that make progress between yields keep the clock still") {
  // The worker's increments change shared state: it is working, not waiting, so the watchdog
  // thread's second never passes while it runs (a correct program stays clean).
  for (const char* strategy : {"random", "pct", "dfs"}) {
    INFO(strategy);
    auto report = simtest::explore(strategy, 200, [] {
      sim::atomic<int> done(0);
      sim::atomic<bool> timed_out(false);
      sim::thread watchdog([&] {
        sim::this_thread::sleep_for(1s);
        timed_out.store(true);
      });
      for (int i = 0; i < 40; ++i) {
        done.fetch_add(1);
        sim::this_thread::yield();
      }
      weft::check(!timed_out.load(), "the work finished before the watchdog's second passed");
      watchdog.join();
    });
    CHECK(simtest::first_failure(report) == "(none)");
  }
}

TEST_CASE("a spin that counts its spins ends once the thread it waits for wakes") {
  // The loop writes shared state (a statistics counter) between its yields, so it is no
  // recognised spin; yielding a thousand times without blocking, while the setter sleeps, it has
  // still burned real time, and the setter's sleep ends.
  for (const char* strategy : {"random", "pct", "dfs", "dpor"}) {
    INFO(strategy);
    auto report = simtest::explore(strategy, 20, [] {
      sim::atomic<bool> ready(false);
      sim::atomic<int> spins(0);
      sim::thread setter([&] {
        sim::this_thread::sleep_for(1ms);
        ready.store(true);
      });
      while (!ready.load()) {
        spins.fetch_add(1, std::memory_order_relaxed);
        sim::this_thread::yield();
      }
      setter.join();
    });
    CHECK(simtest::first_failure(report) == "(none)");
  }
}

TEST_CASE("jthread passes its stop_token, requests a stop and joins when destroyed") {
  simtest::run([] {
    int rounds = 0;
    {
      sim::jthread worker([&rounds](sim::stop_token stop) {
        while (!stop.stop_requested()) {
          ++rounds;
          sim::this_thread::sleep_for(10ms);
        }
      });
      sim::this_thread::sleep_for(35ms);
    }
    CHECK(rounds == 4);
  });
}

TEST_CASE("the root of an exploration can be plain code: it is the main thread") {
  auto report = simtest::explore("pct", 100, [] {
    int value = 0;
    sim::thread t([&] { value = 42; });
    t.join();
    WEFT_CHECK(value == 42);
  });
  INFO(simtest::first_failure(report));
  CHECK(report.ok());
  CHECK(report.executions == 100);
}
