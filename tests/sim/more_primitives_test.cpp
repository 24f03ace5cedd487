// weft::sim shared_mutex, semaphores, latch, barrier and futures against std's specified
// behaviour, and explored.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "sim_test_support.hpp"
#include "weft/sim.hpp"

namespace sim = weft::sim;  // (not "sync": POSIX declares ::sync())
using namespace std::chrono_literals;

TEST_CASE("shared_mutex: readers share, a writer excludes, try forms report it") {
  simtest::run([] {
    sim::shared_mutex m;
    m.lock_shared();
    bool writer_got_it = true;
    bool reader_got_it = false;
    sim::thread t([&] {
      writer_got_it = m.try_lock();
      reader_got_it = m.try_lock_shared();
      if (reader_got_it) m.unlock_shared();
    });
    t.join();
    CHECK_FALSE(writer_got_it);
    CHECK(reader_got_it);
    m.unlock_shared();
    {
      std::unique_lock<sim::shared_mutex> w(m);
      sim::thread u([&] { reader_got_it = m.try_lock_shared(); });
      u.join();
      CHECK_FALSE(reader_got_it);
    }
    sim::shared_lock<sim::shared_mutex> r(m);
    CHECK(r.owns_lock());
  });
}

TEST_CASE("shared_timed_mutex: a writer's timed wait gives up while a reader holds it") {
  simtest::run([] {
    sim::shared_timed_mutex m;
    m.lock_shared();
    bool got = true;
    sim::thread t([&] { got = m.try_lock_for(20ms); });
    t.join();
    CHECK_FALSE(got);
    CHECK(sim::chrono::steady_clock::now().time_since_epoch() == 20ms);
    m.unlock_shared();
    CHECK(m.try_lock_shared_for(1ms));
    m.unlock_shared();
  });
}

TEST_CASE("unlocking a shared_mutex not held ends the execution") {
  CHECK_THROWS_AS(simtest::run([] {
                    sim::shared_mutex m;
                    m.unlock_shared();
                  }),
                  weft::Terminated);
}

TEST_CASE("counting_semaphore: acquire waits for a release; timed acquire times out") {
  simtest::run([] {
    sim::counting_semaphore<2> sem(0);
    CHECK(sim::counting_semaphore<2>::max() == 2);
    CHECK_FALSE(sem.try_acquire());
    CHECK_FALSE(sem.try_acquire_for(5ms));
    sim::thread t([&] {
      sim::this_thread::sleep_for(1ms);
      sem.release(2);
    });
    sem.acquire();
    CHECK(sem.try_acquire());
    CHECK_FALSE(sem.try_acquire());
    t.join();
    sim::binary_semaphore b(1);
    b.acquire();
    b.release();
  });
}

TEST_CASE("releasing a semaphore past max() ends the execution") {
  CHECK_THROWS_AS(simtest::run([] {
                    sim::binary_semaphore b(1);
                    b.release();
                  }),
                  weft::Terminated);
}

TEST_CASE("latch: wait returns once the count reaches zero") {
  simtest::run([] {
    sim::latch done(2);
    int finished = 0;
    sim::thread a([&] {
      ++finished;
      done.count_down();
    });
    sim::thread b([&] {
      ++finished;
      done.count_down();
    });
    CHECK_FALSE((done.try_wait() && finished < 2));
    done.wait();
    CHECK(finished == 2);
    CHECK(done.try_wait());
    a.join();
    b.join();
  });
}

TEST_CASE("barrier: phases complete when everyone arrived, the completion runs once per phase") {
  simtest::run([] {
    int completions = 0;
    sim::barrier sync_point(2, [&]() noexcept { ++completions; });
    sim::thread t([&] {
      sync_point.arrive_and_wait();
      sync_point.arrive_and_wait();
    });
    sync_point.arrive_and_wait();
    CHECK(completions == 1);
    auto token = sync_point.arrive();
    sync_point.wait(std::move(token));
    CHECK(completions == 2);
    t.join();
  });
}

TEST_CASE("promise and future: value, exception, and std's errors") {
  simtest::run([] {
    sim::promise<int> p;
    sim::future<int> f = p.get_future();
    CHECK(f.valid());
    CHECK_THROWS_AS(p.get_future(), sim::future_error);  // future_already_retrieved
    CHECK(f.wait_for(5ms) == sim::future_status::timeout);
    sim::thread t([&] { p.set_value(42); });
    CHECK(f.get() == 42);
    CHECK_FALSE(f.valid());
    t.join();
    try {
      p.set_value(1);
      FAIL("set twice");
    } catch (const sim::future_error& e) {
      CHECK(e.code() == sim::future_errc::promise_already_satisfied);
    }

    sim::promise<void> pv;
    auto fv = pv.get_future();
    pv.set_exception(std::make_exception_ptr(std::runtime_error("failed")));
    CHECK_THROWS_AS(fv.get(), std::runtime_error);
  });
}

TEST_CASE("a promise destroyed unsatisfied breaks its future (broken_promise)") {
  simtest::run([] {
    sim::future<std::string> f;
    {
      sim::promise<std::string> p;
      f = p.get_future();
    }
    try {
      f.get();
      FAIL("no error");
    } catch (const sim::future_error& e) {
      CHECK(e.code() == sim::future_errc::broken_promise);
    }
  });
}

TEST_CASE("shared_future: every copy sees the value") {
  simtest::run([] {
    sim::promise<int> p;
    sim::shared_future<int> s = p.get_future().share();
    int seen = 0;
    sim::thread t([s, &seen] { seen = s.get(); });
    p.set_value(7);
    t.join();
    CHECK(seen == 7);
    CHECK(s.get() == 7);
  });
}

TEST_CASE("async: on a thread, deferred, with arguments; exceptions reach get()") {
  simtest::run([] {
    auto a = sim::async(sim::launch::async, [] { return 1; });
    auto d = sim::async(
        sim::launch::deferred, [](int x) { return x * 2; }, 21);
    CHECK(d.wait_for(1ms) == sim::future_status::deferred);
    CHECK(a.get() + d.get() == 43);
    auto e = sim::async([] { throw std::runtime_error("inside"); });
    CHECK_THROWS_AS(e.get(), std::runtime_error);
  });
}

TEST_CASE("async: an exception of any type reaches get(), on a thread and deferred") {
  // std::async stores whatever the function throws, not only std::exceptions; a thread that
  // throws an int is no panic when the caller gets it from the future.
  for (const auto policy : {sim::launch::async, sim::launch::deferred}) {
    auto report = simtest::explore("random", 50, [policy] {
      auto f = sim::async(policy, []() -> int { throw 42; });
      try {
        (void)f.get();
        WEFT_CHECK(false);
      } catch (int x) {
        WEFT_CHECK(x == 42);
      }
    });
    CHECK(simtest::first_failure(report) == "(none)");
  }
  // Uncaught, it is the body's failure, named by its type (it has no what()).
  auto report = simtest::explore("random", 5, [] {
    auto f = sim::async([]() -> int { throw 42; });
    (void)f.get();
  });
  INFO(simtest::first_failure(report));
  CHECK(simtest::first_failure(report).find("an exception of type int") != std::string::npos);
}

TEST_CASE("a future waited on by nobody's promise is found as a deadlock; kept promise clean") {
  for (bool keep : {false, true}) {
    auto report = simtest::explore("random", 50, [keep] {
      sim::promise<int> p;
      auto f = p.get_future();
      sim::thread t([&] {
        if (keep) p.set_value(1);
      });
      if (!keep) {
        f.wait();  // the promise is never satisfied and outlives the wait
      } else {
        WEFT_CHECK(f.get() == 1);
      }
      t.join();
    });
    INFO(simtest::first_failure(report));
    CHECK(report.ok() == keep);
  }
}

TEST_CASE(
    "condition variables, semaphores, latches, barriers and promises record where they were "
    "created") {
  int line = 0;
  auto body = [&] {
    sim::mutex m;
    // clang-format off
    line = __LINE__ + 1;
    sim::condition_variable cv; sim::condition_variable_any cva; sim::counting_semaphore<4> sem(1); sim::latch done(1); sim::barrier<> meet(1); sim::promise<int> answer;
    // clang-format on
    sim::future<int> later = answer.get_future();
    sim::thread answering([&] { answer.set_value(42); });
    CHECK(later.get() == 42);
    answering.join();
    cv.notify_one();
    cva.notify_all();
    sem.acquire();
    done.count_down();
    meet.arrive_and_wait();
    // A wait nobody ends: the execution deadlocks and keeps its trace, whose message names the
    // semaphore by its creation line.
    sem.acquire();
  };
  weft::ExploreOptions options;
  options.iterations = 1;
  auto report =
      weft::explore(options, weft::ExploreTarget{"sites", weft::Flavor::multi_thread, body});
  REQUIRE_FALSE(report.ok());
  CHECK(report.failures.front().kind == weft::FailureKind::deadlock);
  const std::string file = "tests/sim/more_primitives_test.cpp";
  CHECK_THAT(report.failures.front().describe(),
             Catch::Contains("(created at " + file + ":" + std::to_string(line) + ")"));
  REQUIRE(report.trace.has_value());
  int created = 0;
  for (const weft::TraceEvent& e : report.trace->events)
    if (e.kind == weft::EventKind::object_created && e.where.line == static_cast<unsigned>(line)) {
      CHECK(e.where.file == file);
      ++created;
    }
  CHECK(created == 6);
}

TEST_CASE("a zero or expired timeout times out at once: the timeout path is reachable") {
  // std: wait_for(0ms) on a future not yet ready returns timeout; try_lock_for(0ms) acts as
  // try_lock. Before, the wait blocked until no other thread could run, so the setter always ran
  // first and every strategy (dpor: 1 execution, "covered") missed the timeout.
  for (const char* strategy : {"dpor", "dfs", "random"}) {
    INFO(strategy);
    bool timed_out = false;
    bool ready = false;
    auto report = simtest::explore(strategy, 200, [&] {
      sim::promise<int> p;
      auto f = p.get_future();
      sim::thread t([&] { p.set_value(1); });
      (f.wait_for(0ms) == sim::future_status::ready ? ready : timed_out) = true;
      t.join();
    });
    CHECK(report.failures.empty());
    CHECK(timed_out);
    CHECK(ready);
  }
  bool got = true;
  auto elapsed = simtest::run([&] {
    sim::timed_mutex m;
    m.lock();
    sim::thread t([&] { got = m.try_lock_for(0ms); });
    t.join();
    m.unlock();
    return sim::chrono::steady_clock::now().time_since_epoch();
  });
  CHECK_FALSE(got);
  CHECK(elapsed == 0ms);  // no virtual time passed: the try gave up at once
}
