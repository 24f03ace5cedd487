// Tasks: spawn, join, panics, abort, yield order, nested runtimes.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("block_on returns the root value and join returns a task's value") {
  weft::Runtime rt;
  int v = rt.block_on([] {
    auto h = weft::spawn([] { return 41; }, "answer");
    return h.join() + 1;
  });
  REQUIRE(v == 42);
}

TEST_CASE("a panic is stored in the handle and join rethrows it as JoinError") {
  weft::Runtime rt;
  rt.block_on([] {
    auto h = weft::spawn([]() -> int { throw std::runtime_error("boom"); }, "thrower");
    try {
      h.join();
      FAIL("join should throw");
    } catch (const weft::JoinError& e) {
      CHECK(e.is_panic());
      CHECK(std::string(e.what()).find("boom") != std::string::npos);
      CHECK(std::string(e.what()).find("thrower") != std::string::npos);
    }
  });
}

TEST_CASE("sleeping an hour of virtual time finishes at once") {
  weft::Runtime rt;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = rt.block_on([] {
    auto t0 = weft::now();
    weft::sleep(1h);
    return weft::now() - t0;
  });
  CHECK(elapsed == 1h);
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

TEST_CASE("yield_now lets tasks alternate in FIFO order") {
  weft::Runtime rt;
  std::vector<int> order;
  rt.block_on([&] {
    auto a = weft::spawn([&] {
      for (int i = 0; i < 3; ++i) {
        order.push_back(1);
        weft::yield_now();
      }
    });
    auto b = weft::spawn([&] {
      for (int i = 0; i < 3; ++i) {
        order.push_back(2);
        weft::yield_now();
      }
    });
    a.join();
    b.join();
  });
  CHECK(order == std::vector<int>{1, 2, 1, 2, 1, 2});
}

TEST_CASE("block_on inside a task is a clear error naming the task") {
  weft::Runtime rt;
  rt.block_on([] {
    auto h = weft::spawn(
        [] {
          weft::Runtime inner;
          inner.block_on([] { return 0; });
        },
        "nested");
    try {
      h.join();
      FAIL("expected a panic");
    } catch (const weft::JoinError& e) {
      CHECK(std::string(e.what()).find("cannot start a runtime from within a runtime") !=
            std::string::npos);
      CHECK(std::string(e.what()).find("nested") != std::string::npos);
    }
  });
}

struct Flag {
  bool* set;
  ~Flag() { *set = true; }
};

TEST_CASE("shutdown drops a sleeping task and runs its destructors") {
  bool destroyed = false;
  {
    weft::Runtime rt;
    rt.block_on([&] {
      weft::spawn([&] {
        Flag f{&destroyed};
        weft::sleep(24h);
      });
      weft::yield_now();
    });
    CHECK(destroyed);
  }
}

TEST_CASE("abort drops a blocked task at its scheduling point") {
  weft::Runtime rt;
  bool destroyed = false;
  rt.block_on([&] {
    auto h = weft::spawn([&] {
      Flag f{&destroyed};
      weft::sleep(1h);
    });
    weft::yield_now();
    h.abort();
    try {
      h.join();
      FAIL("expected cancelled");
    } catch (const weft::JoinError& e) {
      CHECK(e.is_cancelled());
    }
    CHECK(destroyed);
    CHECK(weft::now() == weft::Instant{});
  });
}

TEST_CASE("timeout returns nullopt and drops the child when time runs out") {
  weft::Runtime rt;
  rt.block_on([] {
    bool dropped = false;
    auto r = weft::timeout(10ms, [&] {
      Flag f{&dropped};
      weft::sleep(1h);
      return 1;
    });
    CHECK_FALSE(r.has_value());
    CHECK(dropped);
    CHECK(weft::now().time_since_epoch() == 10ms);
    auto ok = weft::timeout(10ms, [] {
      weft::sleep(1ms);
      return 7;
    });
    REQUIRE(ok.has_value());
    CHECK(*ok == 7);
  });
}

TEST_CASE("timeout hands over a value that can be moved but not assigned: a guard, a permit") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> m(0);
    auto guard = weft::timeout(5ms, [&] { return m.lock(); });  // a lock with a time limit
    REQUIRE(guard.has_value());
    **guard = 1;
    auto other = weft::spawn([&m] { return *m.lock() + 1; });
    weft::sleep(1ms);
    CHECK_FALSE(other.is_finished());  // the guard the timeout handed over holds the lock
    guard.reset();
    CHECK(other.join() == 2);

    weft::Semaphore pool(1);
    auto first = weft::timeout(5ms, [&] { return pool.acquire(); });
    REQUIRE(first.has_value());
    auto second = weft::timeout(5ms, [&] { return pool.acquire(); });
    CHECK_FALSE(second.has_value());  // the pool is empty until the first permit goes
    first.reset();
    CHECK(weft::timeout(5ms, [&] { return pool.acquire(); }).has_value());
  });
}

TEST_CASE("a task that joins itself is dropped at shutdown, not a deadlock of the run") {
  weft::Runtime rt;
  bool destroyed = false;
  rt.block_on([&] {
    auto self = std::make_shared<weft::JoinHandle<void>>();
    *self = weft::spawn(
        [self, &destroyed] {
          Flag f{&destroyed};
          weft::yield_now();
          self->join();
        },
        "self-joiner");
    weft::sleep(1h);
  });
  CHECK(destroyed);
}

TEST_CASE("block_on accepts an lvalue callable") {
  weft::Runtime rt;
  auto body = [] { return 5; };
  REQUIRE(rt.block_on(body) == 5);
  const auto const_body = [] { return 6; };
  REQUIRE(rt.block_on(const_body) == 6);
}

TEST_CASE("more tasks than vm.max_map_count allows guard pages for can be parked at once") {
  // Each guard page splits the stack slab's mapping; past the default limit of 65530 mappings
  // the pool must keep handing out stacks (without guards) instead of failing to map a slab.
  constexpr int kTasks = 40000;
  weft::Runtime rt;
  int finished = 0;
  rt.block_on([&] {
    for (int i = 0; i < kTasks; ++i)
      weft::spawn([&finished, i] {
        weft::sleep(1h + std::chrono::nanoseconds(i));
        ++finished;
      });
    weft::yield_now();
    weft::sleep(2h);
  });
  CHECK(finished == kTasks);
}

TEST_CASE("a task spawned without a name is called task-<id> everywhere") {
  weft::Runtime rt;
  rt.block_on([&] {
    auto named_by_itself = weft::spawn([] { return std::string(weft::current_task_name()); });
    CHECK(named_by_itself.join() == "task-" + std::to_string(named_by_itself.id()));
    auto sleeper = weft::spawn([] { weft::sleep(1h); });
    weft::yield_now();
    bool seen = false;
    for (const weft::TaskSnapshot& t : rt.tasks())
      if (t.id == sleeper.id()) seen = t.name == "task-" + std::to_string(sleeper.id());
    CHECK(seen);
    auto thrower = weft::spawn([]() -> int { throw std::runtime_error("boom"); });
    const std::string expected = "task 'task-" + std::to_string(thrower.id()) + "'";
    try {
      thrower.join();
      FAIL("join should throw");
    } catch (const weft::JoinError& e) {
      CHECK(std::string(e.what()).find(expected) != std::string::npos);
    }
    sleeper.abort();
  });
}

TEST_CASE("runtimes with different stack sizes share the thread's stack pool") {
  for (std::size_t size : {64 * 1024, 256 * 1024, 64 * 1024, 20000}) {
    weft::RuntimeOptions options;
    options.stack_size = size;
    weft::Runtime rt(options);
    int sum = rt.block_on([&] {
      auto a = weft::spawn([size] {
        // Touch most of the stack: a stack of the wrong size would overflow or clobber another.
        volatile char buffer[16 * 1024];
        for (std::size_t i = 0; i < sizeof buffer; i += 512) buffer[i] = static_cast<char>(i);
        weft::yield_now();
        return static_cast<int>(size / 1024) + buffer[512];
      });
      return a.join();
    });
    CHECK(sum == static_cast<int>(size / 1024) + static_cast<char>(512));
  }
}

TEST_CASE("join handles may outlive their runtime and die on another thread") {
  std::vector<weft::JoinHandle<std::string>> handles;
  std::thread runner([&] {
    weft::Runtime rt;
    rt.block_on([&] {
      for (int i = 0; i < 100; ++i)
        handles.push_back(
            weft::spawn([i] { return std::string(100, static_cast<char>('a' + i % 26)); }));
      weft::yield_now();
    });
  });  // the runner's per-thread caches are gone with it
  runner.join();
  CHECK(handles.size() == 100);
  CHECK(handles[3].is_finished());
  handles.clear();  // their memory is freed on this thread
  weft::Runtime rt;
  CHECK(rt.block_on([] { return weft::spawn([] { return 7; }).join(); }) == 7);
}
