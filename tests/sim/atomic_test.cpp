// weft::sim::atomic and weft::Atomic against std::atomic's specified behaviour, and explored.
#include "weft/atomic.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "sim_test_support.hpp"
#include "weft/sim/atomic.hpp"
#include "weft/sim/thread.hpp"

namespace sim = weft::sim;  // (not "sync": POSIX declares ::sync())

TEST_CASE("weft::Atomic has std::atomic's operators") {
  simtest::run([] {
    weft::Atomic<int> a(1);
    CHECK(a++ == 1);
    CHECK(++a == 3);
    CHECK((a += 2) == 5);
    CHECK((a -= 1) == 4);
    CHECK(a-- == 4);
    CHECK(--a == 2);
    CHECK((a |= 8) == 10);
    CHECK((a &= 12) == 8);
    CHECK((a ^= 9) == 1);
    CHECK((a = 7) == 7);
    int x = a;
    CHECK(x == 7);
  });
}

TEST_CASE("sim::atomic<int>: every member and operator as std specifies") {
  simtest::run([] {
    sim::atomic<int> a;  // value-initialised (C++20)
    CHECK(a.load() == 0);
    a.store(5, sim::memory_order_release);
    CHECK(a == 5);
    CHECK(a.exchange(6) == 5);
    CHECK(a.fetch_add(2) == 6);
    CHECK(a.fetch_sub(1) == 8);
    CHECK(a.fetch_and(6) == 7);
    CHECK(a.fetch_or(1) == 6);
    CHECK(a.fetch_xor(3) == 7);
    CHECK(a.load(std::memory_order_relaxed) == 4);
    CHECK(a++ == 4);
    CHECK(++a == 6);
    CHECK((a += 4) == 10);
    CHECK((a -= 3) == 7);
    CHECK((a &= 3) == 3);
    CHECK((a |= 4) == 7);
    CHECK((a ^= 1) == 6);
    CHECK(a-- == 6);
    CHECK(--a == 4);
    CHECK((a = 9) == 9);
    int expected = 1;
    CHECK_FALSE(a.compare_exchange_strong(expected, 2));
    CHECK(expected == 9);  // a failed exchange reports the current value
    CHECK(a.compare_exchange_strong(expected, 2, std::memory_order_acq_rel,
                                    std::memory_order_acquire));
    CHECK(a.load() == 2);
    expected = 2;
    CHECK(a.compare_exchange_weak(expected, 3));  // outside an exploration: no spurious failure
    CHECK(a.load() == 3);
    CHECK(sim::atomic<int>::is_always_lock_free);
  });
}

TEST_CASE("sim::atomic for bool, pointers, floating point and trivially copyable structs") {
  simtest::run([] {
    sim::atomic<bool> flag(false);
    CHECK_FALSE(flag.exchange(true));
    CHECK(flag);
    int cells[4] = {0, 1, 2, 3};
    sim::atomic<int*> p(cells);
    CHECK(p.fetch_add(2) == cells);
    CHECK(*p.load() == 2);
    CHECK(p-- == cells + 2);
    CHECK((p += 2) == cells + 3);
    sim::atomic<double> d(1.5);
    CHECK(d.fetch_add(1.0) == 1.5);
    CHECK((d -= 0.5) == 2.0);
    struct Pair {
      int a;
      int b;
    };
    sim::atomic<Pair> pair(Pair{1, 2});
    Pair want{1, 2};
    CHECK(pair.compare_exchange_strong(want, Pair{3, 4}));
    CHECK(pair.load().b == 4);
    Pair stale{1, 2};
    CHECK_FALSE(pair.compare_exchange_strong(stale, Pair{5, 6}));
    CHECK(stale.a == 3);
  });
}

TEST_CASE("atomic_flag: test_and_set, test, clear") {
  simtest::run([] {
    sim::atomic_flag f;
    CHECK_FALSE(f.test());
    CHECK_FALSE(f.test_and_set());
    CHECK(f.test_and_set());
    f.clear();
    CHECK_FALSE(f.test());
    sim::atomic_thread_fence(sim::memory_order_seq_cst);
  });
}

TEST_CASE("atomic wait returns once a notify finds the value changed") {
  simtest::run([] {
    sim::atomic<int> state(0);
    sim::thread setter([&] {
      state.store(1);
      state.notify_one();
    });
    state.wait(0);
    CHECK(state.load() == 1);
    setter.join();
  });
}

TEST_CASE("atomic wait without a notify is a deadlock under exploration") {
  int created_line = 0;
  auto report = simtest::explore("random", 50, [&] {
    created_line = __LINE__ + 1;
    sim::atomic<int> state(0);
    sim::thread setter([&] { state.store(1); });  // forgot notify_one
    state.wait(0);
    setter.join();
  });
  REQUIRE_FALSE(report.ok());
  CHECK(report.failures.front().kind == weft::FailureKind::deadlock);
  // The deadlock names the atomic by the line that created it.
  CHECK_THAT(
      report.failures.front().describe(),
      Catch::Contains("atomic #") && Catch::Contains("(created at tests/sim/atomic_test.cpp:" +
                                                     std::to_string(created_line) + ")"));
}

TEST_CASE("a bare spin on a sim atomic that nothing sets stops at the step limit") {
  // The spin's loads never throw the drop's cancellation (atomics are used in destructors), so
  // the dropped spinner is abandoned after a bounded number of them instead of spinning on until
  // the watchdog.
  weft::ExploreOptions options;
  options.strategy = "random";
  options.iterations = 1;
  options.max_steps = 1000;
  auto report = weft::explore(
      options, weft::ExploreTarget{"spin", weft::Flavor::multi_thread, [] {
                                     sim::atomic<bool> flag(false);
                                     sim::thread idle([] {});  // forgot to set the flag
                                     while (!flag.load()) {
                                     }
                                     idle.join();
                                   }});
  REQUIRE_FALSE(report.ok());
  CHECK(report.failures.front().kind == weft::FailureKind::hang);
  CHECK_THAT(report.failures.front().describe(), Catch::Contains("step limit of 1000"));
}

TEST_CASE("weft::Atomic and atomic_flag record where they were created, and a name if given") {
  int line = 0;
  auto body = [&] {
    // clang-format off
    line = __LINE__ + 1;
    weft::Atomic<int> hits(0, "hits"); weft::Atomic<long> plain(0); sim::atomic_flag flag;
    // clang-format on
    hits.fetch_add(1);
    plain.store(2);
    (void)flag.test_and_set();
    // A wait nobody ends: the execution deadlocks and keeps its trace.
    sim::atomic<int> stuck(0);
    stuck.wait(0);
  };
  weft::ExploreOptions options;
  options.iterations = 1;
  auto report =
      weft::explore(options, weft::ExploreTarget{"sites", weft::Flavor::multi_thread, body});
  REQUIRE_FALSE(report.ok());
  REQUIRE(report.trace.has_value());
  std::vector<std::string> created;
  for (const weft::TraceEvent& e : report.trace->events)
    if (e.kind == weft::EventKind::object_created && e.where.line == static_cast<unsigned>(line))
      created.push_back(e.text + "@" + e.where.file);
  const std::string file = "tests/sim/atomic_test.cpp";
  CHECK(created == std::vector<std::string>{"hits@" + file, "@" + file, "@" + file});
}

namespace {
// Two threads increment a counter; `racy` does it with a load and a store.
void two_increments(bool racy) {
  sim::atomic<int> counter(0);
  auto bump = [&] {
    if (racy)
      counter.store(counter.load() + 1);
    else
      counter++;
  };
  sim::thread a(bump);
  sim::thread b(bump);
  a.join();
  b.join();
  WEFT_CHECK(counter.load() == 2);
}

// A lock-free push of one node per thread; `single_try` forgets that a weak CAS may fail.
void cas_push(bool single_try) {
  struct Node {
    int value;
    Node* next;
  };
  sim::atomic<Node*> head(nullptr);
  Node nodes[2] = {{1, nullptr}, {2, nullptr}};
  auto push = [&](Node* n) {
    n->next = head.load();
    if (single_try) {
      head.compare_exchange_weak(n->next, n);
    } else {
      while (!head.compare_exchange_weak(n->next, n)) {
      }
    }
  };
  sim::thread a(push, &nodes[0]);
  push(&nodes[1]);
  a.join();
  int count = 0;
  for (Node* n = head.load(); n != nullptr; n = n->next) ++count;
  WEFT_CHECK(count == 2);
}
}  // namespace

TEST_CASE("a lost update through load/store is found; fetch_add is clean") {
  for (const char* strategy : {"random", "pct", "dfs"}) {
    INFO(strategy);
    auto buggy = simtest::explore(strategy, 500, [] { two_increments(true); });
    CHECK_FALSE(buggy.ok());
    auto fixed = simtest::explore(strategy, 500, [] { two_increments(false); });
    CHECK(fixed.ok());
    INFO(simtest::first_failure(fixed));
  }
}

TEST_CASE("compare_exchange_weak fails spuriously: a single try is found, a retry loop is clean") {
  for (const char* strategy : {"random", "pct", "dfs"}) {
    INFO(strategy);
    auto buggy = simtest::explore(strategy, 500, [] { cas_push(true); });
    CHECK_FALSE(buggy.ok());
    auto fixed = simtest::explore(strategy, 2000, [] { cas_push(false); });
    INFO(simtest::first_failure(fixed));
    CHECK(fixed.ok());
  }
}
