// Every detector on a small buggy body (it fires, with a plain-words report) and on the fixed
// body (it stays silent): deadlock, lock order, task leak, long poll, unobserved panic,
// swallowed cancellation and hang.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weft/harness/describe.hpp"
#include "weft/harness/explorer.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

weft::ExploreOptions options_for(std::string strategy, std::uint64_t iterations,
                                 std::uint64_t seed = 1) {
  weft::ExploreOptions o;
  o.strategy = std::move(strategy);
  o.iterations = iterations;
  o.seed = seed;
  return o;
}

// DFS over the whole space within a preemption bound: the fixed bodies must be clean there.
weft::ExploreOptions exhaustive() {
  auto o = options_for("dfs", 100000);
  o.preemption_bound = 2;
  return o;
}

weft::ExploreTarget target(std::string name, weft::Flavor flavor, std::function<void()> body) {
  return weft::ExploreTarget{std::move(name), flavor, std::move(body)};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool has_kind(const weft::ExploreReport& r, weft::FailureKind kind) {
  for (const auto& f : r.failures)
    if (f.kind == kind) return true;
  return false;
}

const std::string kFile = "tests/harness/detectors_test.cpp";
std::string here(int line) { return kFile + ":" + std::to_string(line); }

void require_clean(const weft::ExploreReport& r) {
  if (!r.ok()) FAIL(r.failures.front().describe());
}

// --- two locks ----------------------------------------------------------------------------

int g_lock_a_line = 0, g_lock_b_line = 0;

// "first" locks a then b; "second" locks b then a (or a then b when consistent). pause: yield
// while holding the first lock, which makes the deadlock likely.
void two_locks(bool consistent, bool pause) {
  // The locks outlive the runtime: after a deadlock the tasks are dropped in id order, the root
  // first, and the others' guards must still find their mutexes.
  g_lock_a_line = __LINE__ + 1;
  weft::Mutex<int> a;
  g_lock_b_line = __LINE__ + 1;
  weft::Mutex<int> b;
  weft::Runtime rt;
  rt.block_on([&] {
    auto first = weft::spawn(
        [&] {
          auto ga = a.lock();
          if (pause) weft::yield_now();
          auto gb = b.lock();
          ++*ga, ++*gb;
        },
        "first");
    auto second = weft::spawn(
        [&] {
          if (consistent) {
            auto ga = a.lock();
            if (pause) weft::yield_now();
            auto gb = b.lock();
            ++*ga, ++*gb;
          } else {
            auto gb = b.lock();
            if (pause) weft::yield_now();
            auto ga = a.lock();
            ++*ga, ++*gb;
          }
        },
        "second");
    first.join();
    second.join();
  });
}

}  // namespace

// --- deadlock --------------------------------------------------------------------------------

TEST_CASE("deadlock: each blocked task, what it waits on, who holds it and where, the cycle") {
  auto o = options_for("random", 200);
  o.lock_order = false;  // the deadlock report is the subject here
  auto report =
      weft::explore(o, target("locks", weft::Flavor::multi_thread, [] { two_locks(false, true); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::deadlock);
  const std::string text = f.describe();
  INFO(text);
  CHECK(contains(f.message, "'first' (#1) and 'second' (#2) each hold a lock the other waits for"));
  CHECK(contains(text, "wait-for cycle: 'first' (#1) -> 'second' (#2) -> 'first' (#1)"));
  // Lock ids follow first use, which depends on the schedule; the creation sites do not.
  const std::string a = "(created at " + here(g_lock_a_line) + ")";
  const std::string b = "(created at " + here(g_lock_b_line) + ")";
  CHECK(contains(text, "'first' (#1) waits to lock mutex #"));
  CHECK(contains(text, b + " at " + kFile + ":"));  // first waits for b...
  CHECK(contains(text, "'second' (#2) holds it, locked at " + kFile + ":"));
  CHECK(contains(text, "'first' (#1) holds mutex #"));
  CHECK(contains(text, a + ", locked at " + kFile + ":"));  // ...while holding a
  CHECK(contains(text, "'main' (#0) waits for 'first' (#1) to finish"));
  CHECK(f.task_name == "first");
}

TEST_CASE("deadlock: a second read lock queued behind a writer names the writer in the cycle") {
  // The reader holds a read lock and asks for another; a writer queued in between waits for the
  // reader, and the fair lock makes the second read wait for the writer: reader -> writer ->
  // reader (the reader does not wait for itself).
  auto o = options_for("random", 200);
  o.lock_order = false;
  auto report = weft::explore(o, target("rw", weft::Flavor::multi_thread, [] {
                                weft::RwLock<int> state(0);
                                weft::Runtime rt;
                                rt.block_on([&] {
                                  auto reader = weft::spawn(
                                      [&] {
                                        auto first = state.read();
                                        weft::yield_now();
                                        auto second = state.read();
                                      },
                                      "reader");
                                  auto writer =
                                      weft::spawn([&] { auto g = state.write(); }, "writer");
                                  reader.join();
                                  writer.join();
                                });
                              }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::deadlock);
  const std::string text = f.describe();
  INFO(text);
  CHECK(contains(text, "wait-for cycle: 'reader' (#1) -> 'writer' (#2) -> 'reader' (#1)"));
  CHECK_FALSE(contains(text, "waits for itself"));
}

TEST_CASE("deadlock: a receive nobody can satisfy names who could and says nobody will") {
  auto body = [](bool fixed) {
    weft::Runtime rt;
    rt.block_on([fixed] {
      auto [tx, rx] = weft::mpsc::unbounded<int>();
      auto consumer = weft::spawn(
          [rx = std::move(rx)]() mutable {
            while (rx.recv()) {
            }
          },
          "consumer");
      tx.send(1);
      if (fixed) {
        auto gone = std::move(tx);  // the last sender goes: the consumer's loop ends
      }
      consumer.join();
    });
  };
  auto report = weft::explore(options_for("random", 20),
                              target("recv", weft::Flavor::multi_thread, [&] { body(false); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::deadlock);
  INFO(f.describe());
  CHECK(contains(f.message, "every task is waiting"));
  CHECK(contains(f.describe(), "'consumer' (#1) waits to receive from mpsc #"));
  CHECK(contains(f.describe(),
                 "a send on it (or dropping its last sender) would wake it, but every other task "
                 "is blocked too"));
  CHECK(f.task_name == "main");

  require_clean(weft::explore(
      exhaustive(), target("recv-fixed", weft::Flavor::multi_thread, [&] { body(true); })));
}

TEST_CASE("deadlock: a task blocked in watch changed() names the watch and the last sender") {
  auto body = [](bool fixed) {
    weft::Runtime rt;
    rt.block_on([fixed] {
      auto [tx, rx] = weft::watch::channel<int>(0);
      auto follower = weft::spawn(
          [rx = std::move(rx)]() mutable {
            while (rx.changed()) {
            }
          },
          "follower");
      tx.send(1);
      if (fixed) {
        auto gone = std::move(tx);  // the sender goes: changed() reports the channel closed
      }
      follower.join();
    });
  };
  auto report = weft::explore(options_for("random", 20),
                              target("watch", weft::Flavor::multi_thread, [&] { body(false); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::deadlock);
  INFO(f.describe());
  CHECK(contains(f.describe(), "'follower' (#1) waits for a new value of watch #"));
  CHECK(contains(f.describe(),
                 "a send on it (or dropping its sender) would wake it, but every other task is "
                 "blocked too; its last send was by 'main' (#0) at " +
                     kFile + ":"));
  require_clean(weft::explore(
      exhaustive(), target("watch-fixed", weft::Flavor::multi_thread, [&] { body(true); })));
}

TEST_CASE("deadlock: a sender waiting in closed() names the receiver it waits for") {
  auto report = weft::explore(
      options_for("random", 5), target("closed", weft::Flavor::multi_thread, [] {
        weft::Runtime rt;
        rt.block_on([] {
          auto [tx, rx] = weft::mpsc::unbounded<int>();
          auto watcher = weft::spawn([tx = std::move(tx)] { tx.closed(); }, "watcher");
          watcher.join();  // rx lives on in this frame: nobody closes it
        });
      }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  INFO(f.describe());
  CHECK(contains(f.describe(), "'watcher' (#1) waits for the receiver of mpsc #"));
  CHECK(contains(f.describe(), "closing or dropping its receiver would wake it"));
  CHECK_FALSE(contains(f.describe(), "notif"));
}

TEST_CASE("deadlock: a lost wake-up names the notification that found nobody waiting") {
  auto body = [](bool fixed) {
    weft::Runtime rt;
    rt.block_on([fixed] {
      auto notify = std::make_shared<weft::Notify>();
      auto waiter = weft::spawn([notify] { notify->notified(); }, "waiter");
      if (fixed)
        notify->notify_one();  // stores a permit when nobody waits yet
      else
        notify->notify_waiters();  // wakes only the tasks waiting now
      waiter.join();
    });
  };
  auto report = weft::explore(options_for("dfs", 1000),
                              target("lost", weft::Flavor::multi_thread, [&] { body(false); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::deadlock);
  INFO(f.describe());
  CHECK(contains(f.describe(), "'waiter' (#1) waits for a notification on notify #"));
  CHECK(contains(f.describe(), "its last notification, at " + kFile + ":"));
  CHECK(contains(f.describe(), "found nobody waiting and was lost"));
  CHECK(contains(f.describe(), "'waiter' (#1) has not finished: it is blocked too"));
  require_clean(
      weft::explore(exhaustive(), target("kept", weft::Flavor::multi_thread, [&] { body(true); })));
}

TEST_CASE("deadlock: two notify_one calls that collapsed into one permit are named so") {
  auto body = [] {
    weft::Runtime rt;
    rt.block_on([] {
      weft::Notify notify;
      notify.notify_one();  // stored
      notify.notify_one();  // collapses into the stored permit
      notify.notified();    // uses it up
      notify.notified();    // waits forever
    });
  };
  auto report =
      weft::explore(options_for("random", 1), target("merged", weft::Flavor::current_thread, body));
  REQUIRE_FALSE(report.ok());
  const std::string text = report.failures.front().describe();
  INFO(text);
  CHECK(contains(text, "collapsed into it (two notifications, one permit)"));
}

TEST_CASE("deadlock: permits a finished task forgot are called leaked, not held") {
  auto body = [] {
    weft::Runtime rt;
    rt.block_on([] {
      auto sem = std::make_shared<weft::Semaphore>(1);
      weft::spawn([sem] { sem->acquire().forget(); }, "forgetter").join();
      auto permit = sem->acquire();
    });
  };
  auto report =
      weft::explore(options_for("random", 1), target("leaked", weft::Flavor::current_thread, body));
  REQUIRE_FALSE(report.ok());
  const std::string text = report.failures.front().describe();
  INFO(text);
  CHECK(contains(text, "1 leaked (never given back by 'forgetter'"));
  CHECK_FALSE(contains(text, "'forgetter' (#1) holds"));
}

TEST_CASE("deadlock: the fixed lock order is clean over the whole space") {
  auto report = weft::explore(exhaustive(), target("locks-fixed", weft::Flavor::multi_thread,
                                                   [] { two_locks(true, true); }));
  require_clean(report);
  CHECK(report.exhausted);
}

// --- lock order ------------------------------------------------------------------------------

TEST_CASE("lock order: one schedule that did not deadlock is enough") {
  // current_thread: each task runs to its end, so the single execution cannot deadlock; the
  // first DFS schedule runs "first" before "second".
  auto report = weft::explore(
      options_for("dfs", 1),
      target("inversion", weft::Flavor::current_thread, [] { two_locks(false, false); }));
  REQUIRE_FALSE(report.ok());
  CHECK(report.executions == 1);
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::lock_order);
  INFO(f.describe());
  CHECK(contains(f.message,
                 "potential deadlock: 'first' (#1) locks mutex #1 then mutex #2 and "
                 "'second' (#2) locks mutex #2 then mutex #1"));
  CHECK(contains(f.message, "(this run got through)"));
  CHECK(contains(f.describe(), "'second' (#2) took mutex #1 at " + kFile + ":"));
  CHECK(contains(f.describe(), "mutex #1 was created at " + here(g_lock_a_line)));
  CHECK(f.task_name == "second");
  CHECK(contains(f.where.to_string(), kFile + ":"));
  // The trace names the locks' creation sites.
  REQUIRE(report.trace);
  bool created = false;
  for (const auto& e : report.trace->events)
    if (e.kind == weft::EventKind::object_created && e.object == 1)
      created = e.where.to_string() == here(g_lock_a_line);
  CHECK(created);
}

TEST_CASE("lock order: every multi_thread schedule shows the inversion or the deadlock") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto report = weft::explore(
        options_for("random", 1, seed),
        target("inversion", weft::Flavor::multi_thread, [] { two_locks(false, false); }));
    REQUIRE_FALSE(report.ok());
    const auto kind = report.failures.front().kind;
    CHECK((kind == weft::FailureKind::lock_order || kind == weft::FailureKind::deadlock));
  }
}

TEST_CASE("lock order: the same failure and trace for any --jobs") {
  auto o = options_for("random", 50, 9);
  auto t = target("inversion", weft::Flavor::multi_thread, [] { two_locks(false, false); });
  auto one = weft::explore(o, t);
  o.jobs = 2;
  auto two = weft::explore(o, t);
  REQUIRE(one.trace);
  REQUIRE(two.trace);
  CHECK(weft::write_trace(*one.trace) == weft::write_trace(*two.trace));
  CHECK(one.executions == two.executions);
}

TEST_CASE("lock order: silent on a consistent order, on try_lock, and when switched off") {
  require_clean(weft::explore(exhaustive(), target("consistent", weft::Flavor::multi_thread,
                                                   [] { two_locks(true, false); })));
  // try_lock cannot block, so taking a while holding b by try_lock is no inversion.
  require_clean(weft::explore(exhaustive(), target("try-lock", weft::Flavor::multi_thread, [] {
                                weft::Runtime rt;
                                rt.block_on([] {
                                  weft::Mutex<int> a, b;
                                  auto first = weft::spawn(
                                      [&] {
                                        auto ga = a.lock();
                                        auto gb = b.lock();
                                      },
                                      "first");
                                  auto second = weft::spawn(
                                      [&] {
                                        auto gb = b.lock();
                                        if (auto ga = a.try_lock()) ++**ga;
                                      },
                                      "second");
                                  first.join();
                                  second.join();
                                });
                              })));
  auto o = options_for("random", 1);
  o.lock_order = false;
  require_clean(weft::explore(
      o, target("inversion", weft::Flavor::current_thread, [] { two_locks(false, false); })));
}

namespace {
int g_order_a_line = 0, g_order_b_line = 0;

// Two tasks race for one job: the winner does it, taking its two locks in its own order; the
// loser does nothing. Each execution takes the locks in one order only, so no execution shows a
// cycle; across executions both orders appear (unless `consistent`).
// With `shared`, the locks are built by std::make_shared: their constructors' default location
// argument is then inside the library, the same line for both.
void racing_lock_orders(bool consistent, bool shared = false) {
  weft::Runtime rt;
  rt.block_on([consistent, shared] {
    // clang-format off
    g_order_a_line = __LINE__ + 1;
    auto a_storage = shared ? std::make_shared<weft::Mutex<int>>() : nullptr; weft::Mutex<int> a_local;
    g_order_b_line = __LINE__ + 1;
    auto b_storage = shared ? std::make_shared<weft::Mutex<int>>() : nullptr; weft::Mutex<int> b_local;
    // clang-format on
    weft::Mutex<int>& a = shared ? *a_storage : a_local;
    weft::Mutex<int>& b = shared ? *b_storage : b_local;
    weft::Atomic<bool> claimed{false};
    auto first = weft::spawn(
        [&] {
          if (claimed.exchange(true)) return;
          auto ga = a.lock();
          auto gb = b.lock();
        },
        "first");
    auto second = weft::spawn(
        [&] {
          if (claimed.exchange(true)) return;
          if (consistent) {
            auto ga = a.lock();
            auto gb = b.lock();
          } else {
            auto gb = b.lock();
            auto ga = a.lock();
          }
        },
        "second");
    first.join();
    second.join();
  });
}
}  // namespace

TEST_CASE("lock order: orders that only different executions show are a warning") {
  auto o = options_for("random", 60, 3);
  auto report = weft::explore(
      o, target("racing", weft::Flavor::multi_thread, [] { racing_lock_orders(false); }));
  require_clean(report);  // no single execution has a cycle, so none fails
  REQUIRE(report.warnings.size() == 1);
  const weft::Failure& w = report.warnings.front();
  CHECK(w.kind == weft::FailureKind::lock_order);
  INFO(w.describe());
  CHECK(contains(w.message, "potential deadlock across executions: "));
  CHECK(contains(w.message, "the lock created at " + here(g_order_a_line)));
  CHECK(contains(w.message, "the one created at " + here(g_order_b_line)));
  CHECK(contains(w.message, "'first'"));
  CHECK(contains(w.message, "'second'"));
  REQUIRE(report.notes.size() == 1);
  CHECK(contains(report.notes.front(), "warning (not a failure): lock_order: "));
  // The same warning whatever the number of threads.
  o.jobs = 2;
  auto parallel = weft::explore(
      o, target("racing", weft::Flavor::multi_thread, [] { racing_lock_orders(false); }));
  REQUIRE(parallel.warnings.size() == 1);
  CHECK(parallel.warnings.front().describe() == w.describe());

  // One order everywhere: nothing to warn about; and the check is off with the detector.
  auto fixed = weft::explore(
      o, target("racing-fixed", weft::Flavor::multi_thread, [] { racing_lock_orders(true); }));
  require_clean(fixed);
  CHECK(fixed.warnings.empty());
  o.lock_order = false;
  CHECK(weft::explore(
            o, target("racing", weft::Flavor::multi_thread, [] { racing_lock_orders(false); }))
            .warnings.empty());
}

// --- lock order: gate locks --------------------------------------------------------------------

namespace {
// Lock indices for lock_plans: 0 and 4 are gates, 1, 2 and 3 the locks taken in some order.
constexpr int kG = 0, kA = 1, kB = 2, kC = 3, kH = 4;
// One task's work: blocks done one after the other; a block takes its locks in order and holds
// them all until it ends.
using LockBlocks = std::vector<std::vector<int>>;

// A task 't1', 't2'... per plan, spawned in order and joined. pause: yield after each lock taken
// (while holding it), which lets the tasks interleave in the middle of their blocks.
void lock_plans(const std::vector<LockBlocks>& plans, bool pause) {
  weft::Mutex<int> g;  // outlive the runtime, as in two_locks
  weft::Mutex<int> a;
  weft::Mutex<int> b;
  weft::Mutex<int> c;
  weft::Mutex<int> h;
  const std::array<weft::Mutex<int>*, 5> locks{&g, &a, &b, &c, &h};
  weft::Runtime rt;
  rt.block_on([&] {
    std::vector<weft::JoinHandle<void>> tasks;
    for (std::size_t i = 0; i < plans.size(); ++i)
      tasks.push_back(weft::spawn(
          [&, i] {
            for (const std::vector<int>& block : plans[i]) {
              std::vector<decltype(g.lock())> held;
              for (int lock : block) {
                held.push_back(locks[lock]->lock());
                if (pause) weft::yield_now();
              }
            }
          },
          "t" + std::to_string(i + 1)));
    for (auto& task : tasks) task.join();
  });
}

// The plans run one task after the other (current_thread, no pause): one execution that cannot
// deadlock, which must fail with a lock-order report.
weft::Failure lock_order_failure(const std::vector<LockBlocks>& plans) {
  auto report = weft::explore(options_for("dfs", 1), target("plans", weft::Flavor::current_thread,
                                                            [plans] { lock_plans(plans, false); }));
  if (report.ok()) FAIL("no failure");
  REQUIRE(report.failures.front().kind == weft::FailureKind::lock_order);
  return report.failures.front();
}

// No failure and no warning, over random schedules and DPOR (every interleaving that matters)
// of the tasks interleaving in the middle of their blocks, and in one sequential run.
void require_safe(const std::vector<LockBlocks>& plans, bool with_dpor = true) {
  auto sequential = weft::explore(
      options_for("dfs", 1),
      target("plans", weft::Flavor::current_thread, [plans] { lock_plans(plans, false); }));
  require_clean(sequential);
  CHECK(sequential.warnings.empty());
  auto random = weft::explore(
      options_for("random", 200, 7),
      target("plans", weft::Flavor::multi_thread, [plans] { lock_plans(plans, true); }));
  require_clean(random);
  CHECK(random.warnings.empty());
  if (!with_dpor) return;
  auto dpor = weft::explore(
      options_for("dpor", 100000),
      target("plans", weft::Flavor::multi_thread, [plans] { lock_plans(plans, true); }));
  require_clean(dpor);
  CHECK(dpor.warnings.empty());
  CHECK(dpor.exhausted);
}
}  // namespace

TEST_CASE("lock order: an inversion under a common gate lock is no deadlock") {
  // Both tasks take g first, so only one at a time is ever inside: the a/b inversion cannot
  // deadlock. Before: reported as a potential deadlock.
  require_safe({{{kG, kA, kB}}, {{kG, kB, kA}}});
  // The gate taken by try_lock excludes the other task all the same.
  require_clean(
      weft::explore(options_for("random", 100), target("try-gate", weft::Flavor::multi_thread, [] {
                      weft::Mutex<int> g, a, b;
                      weft::Runtime rt;
                      rt.block_on([&] {
                        auto first = weft::spawn(
                            [&] {
                              auto gg = g.lock();
                              auto ga = a.lock();
                              weft::yield_now();
                              auto gb = b.lock();
                            },
                            "first");
                        auto second = weft::spawn(
                            [&] {
                              if (auto gg = g.try_lock()) {
                                auto gb = b.lock();
                                weft::yield_now();
                                auto ga = a.lock();
                              }
                            },
                            "second");
                        first.join();
                        second.join();
                      });
                    })));
}

TEST_CASE("lock order: the inversion without a common gate is still reported") {
  weft::Failure f = lock_order_failure({{{kA, kB}}, {{kB, kA}}});
  INFO(f.describe());
  CHECK(contains(f.message,
                 "'t1' (#1) locks mutex #1 then mutex #2 and 't2' (#2) locks mutex #2 "
                 "then mutex #1"));
  // A gate each, but not the same one: nothing keeps them apart.
  f = lock_order_failure({{{kG, kA, kB}}, {{kH, kB, kA}}});
  INFO(f.describe());
  CHECK(contains(f.message,
                 "'t1' (#1) locks mutex #2 then mutex #3 and 't2' (#2) locks mutex #3 "
                 "then mutex #2"));
  CHECK(contains(f.describe(), "'t2' (#2) took mutex #2 at " + kFile + ":"));
}

TEST_CASE("lock order: a gate held for reading by both tasks keeps nobody out") {
  auto body = [](bool t2_writes) {
    weft::RwLock<int> g;
    weft::Mutex<int> a, b;
    weft::Runtime rt;
    rt.block_on([&] {
      weft::spawn(
          [&] {
            auto gg = g.read();
            auto ga = a.lock();
            auto gb = b.lock();
          },
          "t1")
          .join();
      weft::spawn(
          [&] {
            std::optional<decltype(g.read())> r;
            std::optional<decltype(g.write())> w;
            if (t2_writes)
              w.emplace(g.write());
            else
              r.emplace(g.read());
            auto gb = b.lock();
            auto ga = a.lock();
          },
          "t2")
          .join();
    });
  };
  auto both_read =
      weft::explore(options_for("dfs", 1),
                    target("read-gate", weft::Flavor::current_thread, [&] { body(false); }));
  REQUIRE_FALSE(both_read.ok());
  CHECK(both_read.failures.front().kind == weft::FailureKind::lock_order);
  // One of them writes: they are never inside together.
  require_clean(
      weft::explore(options_for("dfs", 1),
                    target("write-gate", weft::Flavor::current_thread, [&] { body(true); })));
}

TEST_CASE("lock order: three locks in a cycle, with and without gates") {
  // t1 a->b, t2 b->c, t3 c->a: reported, a cycle of three.
  weft::Failure f = lock_order_failure({{{kA, kB}}, {{kB, kC}}, {{kC, kA}}});
  INFO(f.describe());
  CHECK(contains(f.message,
                 "'t1' (#1) locks mutex #1 then mutex #2, 't2' (#2) locks mutex #2 then "
                 "mutex #3, and 't3' (#3) locks mutex #3 then mutex #1"));
  CHECK(contains(f.message, "they all wait forever"));
  // The rule is pairwise: a deadlock needs every edge's task waiting at once, and two tasks that
  // hold one gate are never inside together. So g, held by t1 and t2 only (t3 takes no gate),
  // already rules the cycle out. Before: reported.
  require_safe({{{kG, kA, kB}}, {{kG, kB, kC}}, {{kC, kA}}}, false);
  // The same with the gate shared by t1 and t3, and by t2 and t3.
  require_safe({{{kG, kA, kB}}, {{kB, kC}}, {{kG, kC, kA}}}, false);
  require_safe({{{kA, kB}}, {{kG, kB, kC}}, {{kG, kC, kA}}}, false);
  // Two gates, g for t1 and h for t2, that no two tasks share: reported.
  f = lock_order_failure({{{kG, kA, kB}}, {{kH, kB, kC}}, {{kC, kA}}});
  INFO(f.describe());
  CHECK(contains(f.message, "'t3' (#3) locks"));
  CHECK(contains(f.message, "they all wait forever"));
}

TEST_CASE("lock order: an inversion taken once under the gate and once without is reported") {
  // t1 first takes a then b under g, later the same without g: that second time t2 (holding g
  // and b) can be waiting for a while t1 holds a and waits for b. The unguarded occurrence must
  // count even though the same pair was seen under the gate first.
  weft::Failure f = lock_order_failure({{{kG, kA, kB}, {kA, kB}}, {{kG, kB, kA}}});
  INFO(f.describe());
  CHECK(contains(f.message, "'t1' (#1) locks"));
  CHECK(contains(f.message, "'t2' (#2) locks"));
  CHECK(f.task_name == "t2");
  // The other way round: t2 takes b then a a second time without the gate.
  f = lock_order_failure({{{kG, kA, kB}}, {{kG, kB, kA}, {kB, kA}}});
  INFO(f.describe());
  CHECK(f.task_name == "t2");
}

TEST_CASE("lock order: one task cannot deadlock with itself") {
  // a then b, later b then a, all in one task: never both at once. Before: reported.
  require_safe({{{kA, kB}, {kB, kA}}});
  // A cycle of three that needs t1 twice (a->b and b->c, in two separate blocks) and t3.
  require_safe({{{kA, kB}, {kB, kC}}, {{kC, kA}}}, false);
  // But nested (t1 holds a and b while it takes c) it has a->c too: t1 and t3 can deadlock.
  weft::Failure f = lock_order_failure({{{kA, kB, kC}}, {{kC, kA}}});
  INFO(f.describe());
  CHECK(contains(f.message,
                 "'t1' (#1) locks mutex #1 then mutex #3 and 't2' (#2) locks mutex #3 "
                 "then mutex #1"));
}

namespace {
// racing_lock_orders with a gate: the winner takes g, then its two locks in its own order.
void racing_gated_lock_orders() {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Mutex<int> g;
    weft::Mutex<int> a;
    weft::Mutex<int> b;
    weft::Atomic<bool> claimed{false};
    auto first = weft::spawn(
        [&] {
          if (claimed.exchange(true)) return;
          auto gg = g.lock();
          auto ga = a.lock();
          auto gb = b.lock();
        },
        "first");
    auto second = weft::spawn(
        [&] {
          if (claimed.exchange(true)) return;
          auto gg = g.lock();
          auto gb = b.lock();
          auto ga = a.lock();
        },
        "second");
    first.join();
    second.join();
  });
}
}  // namespace

TEST_CASE("lock order: gated orders seen in different executions are no warning either") {
  // Each execution takes one order only; across executions the class edges form the a/b cycle,
  // every edge under the gate's class. Before: a warning.
  auto o = options_for("random", 60, 3);
  auto report = weft::explore(
      o, target("racing-gated", weft::Flavor::multi_thread, racing_gated_lock_orders));
  require_clean(report);
  CHECK(report.warnings.empty());
}

// --- task leak -------------------------------------------------------------------------------

namespace {
int g_sleeper_line = 0;

// Two tasks that sleep in a loop; fixed: they stop when the root sets the flag before returning.
void sleepers(bool fixed) {
  weft::Runtime rt;
  rt.block_on([fixed] {
    auto stop = std::make_shared<weft::Atomic<bool>>(false);  // the tasks outlive this frame
    for (int i = 0; i < 2; ++i) {
      g_sleeper_line = __LINE__ + 1;
      weft::spawn(
          [stop] {
            while (!stop->load()) weft::sleep(10ms);
          },
          "sleeper-" + std::to_string(i));
    }
    weft::sleep(25ms);
    if (fixed) stop->store(true);
  });
}
}  // namespace

TEST_CASE("task leak: tasks that would never finish, with their spawn sites") {
  auto o = options_for("random", 5);
  o.leaks = weft::LeakMode::fail;
  auto report =
      weft::explore(o, target("sleepers", weft::Flavor::multi_thread, [] { sleepers(false); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::task_leak);
  INFO(f.describe());
  // Sleepers may only sleep longer than the grace period: no "would never finish" for them.
  CHECK(f.message ==
        "2 tasks were still alive after the root task returned and had not finished when the "
        "leak check ended, 1 s later: 'sleeper-0' (#1) and 'sleeper-1' (#2)");
  CHECK(contains(f.describe(), "'sleeper-0' (#1), spawned by 'main' (#0) at " +
                                   here(g_sleeper_line) +
                                   ": still sleeping 1 s after the root "
                                   "returned"));
  CHECK(contains(f.describe(), "its timer due "));
  CHECK(contains(f.describe(), "or a sleep longer than the leak check's grace"));
  CHECK(f.where.to_string() == here(g_sleeper_line));
  // The trace records the leak check, so replay runs it too.
  REQUIRE(report.trace);
  REQUIRE(report.trace->detectors);
  CHECK(report.trace->detectors->leaks == weft::LeakMode::fail);
  auto replayed = weft::replay(
      *report.trace, target("sleepers", weft::Flavor::multi_thread, [] { sleepers(false); }),
      weft::ExploreOptions{});
  CHECK_FALSE(replayed.mismatch);
  REQUIRE_FALSE(replayed.failures.empty());
  CHECK(replayed.failures.front().signature() == f.signature());

  auto fixed = weft::explore(
      o, target("sleepers-fixed", weft::Flavor::multi_thread, [] { sleepers(true); }));
  require_clean(fixed);
  CHECK(fixed.notes.empty());
}

TEST_CASE("task leak: a task blocked forever can never be woken") {
  auto o = options_for("random", 3);
  o.leaks = weft::LeakMode::fail;
  auto report = weft::explore(
      o, target("stuck", weft::Flavor::multi_thread, [] {
        weft::Runtime rt;
        rt.block_on([] {
          auto [tx, rx] = weft::mpsc::unbounded<int>();
          // It holds the only sender of the channel it waits on.
          weft::spawn([tx = std::move(tx), rx = std::move(rx)]() mutable { rx.recv(); }, "waiter");
          weft::yield_now();
        });
      }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::task_leak);
  INFO(f.describe());
  CHECK(f.message ==
        "task 'waiter' (#1) was still alive after the root task returned and would never finish");
  CHECK(contains(f.describe(), "waits to receive from mpsc #"));
  CHECK(contains(f.describe(), "and nothing can ever wake it"));
  CHECK(contains(f.describe(), "until no task can run and no timer is pending"));
}

TEST_CASE("task leak: a task that locks a mutex it holds is told it holds it itself") {
  auto o = options_for("random", 3);
  o.leaks = weft::LeakMode::fail;
  auto report = weft::explore(o, target("relock", weft::Flavor::multi_thread, [] {
                                weft::Runtime rt;
                                rt.block_on([] {
                                  auto m = std::make_shared<weft::Mutex<int>>(0);
                                  weft::spawn(
                                      [m] {
                                        auto first = m->lock();
                                        auto again = m->lock();
                                      },
                                      "relocker");
                                  weft::yield_now();
                                });
                              }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::task_leak);
  INFO(f.describe());
  CHECK(
      contains(f.describe(),
               "and nothing can ever wake it; it holds the lock itself, locked at " + kFile + ":"));
}

TEST_CASE("task leak: one long sleep is told by its timer, not called endless") {
  auto o = options_for("random", 2);
  o.leaks = weft::LeakMode::fail;
  auto report = weft::explore(o, target("napper", weft::Flavor::multi_thread, [] {
                                weft::Runtime rt;
                                rt.block_on([] { weft::spawn([] { weft::sleep(5s); }, "napper"); });
                              }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  INFO(f.describe());
  CHECK(f.message ==
        "task 'napper' (#1) was still alive after the root task returned and had not finished "
        "when the leak check ended, 1 s later");
  CHECK(contains(f.describe(), "its timer due 5 s after it"));
}

TEST_CASE("task leak: warn mode notes it without failing, off (the default) says nothing") {
  auto t = target("sleepers", weft::Flavor::multi_thread, [] { sleepers(false); });
  auto o = options_for("random", 4);
  o.leaks = weft::LeakMode::warn;
  auto warned = weft::explore(o, t);
  require_clean(warned);
  REQUIRE(warned.warnings.size() == 1);
  CHECK(warned.warnings.front().kind == weft::FailureKind::task_leak);
  REQUIRE(warned.notes.size() == 1);
  CHECK(warned.notes.front().rfind("warning (not a failure) in execution 0: task_leak: 2 tasks",
                                   0) == 0);
  o.jobs = 2;
  CHECK(weft::explore(o, t).notes == warned.notes);

  auto quiet = weft::explore(options_for("random", 4), t);
  require_clean(quiet);
  CHECK(quiet.notes.empty());
}

// --- long poll -------------------------------------------------------------------------------

namespace {
int g_blocking_line = 0;

void blocking_task(bool fixed) {
  weft::Runtime rt;
  rt.block_on([fixed] {
    auto h = weft::spawn(
        [fixed] {
          weft::sleep(1ms);
          if (fixed)
            weft::sleep(150ms);
          else
            std::this_thread::sleep_for(150ms);  // blocks the thread: no other task runs meanwhile
          g_blocking_line = __LINE__ + 1;
          weft::sleep(1ms);
        },
        "blocker");
    h.join();
  });
}
}  // namespace

TEST_CASE("long poll: a blocking call in a task, with the task, the step and its duration") {
  auto o = options_for("random", 1);
  o.long_poll_ms = 50;
  auto t = target("blocking", weft::Flavor::multi_thread, [] { blocking_task(false); });
  auto report = weft::explore(o, t);
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::long_poll);
  INFO(f.describe());
  CHECK(f.task_name == "blocker");
  CHECK(contains(f.message, "task 'blocker' (#1) kept the thread for "));
  CHECK(contains(f.message, " ms in one step without reaching a scheduling point"));
  CHECK(contains(f.describe(), "ended when it blocked at " + here(g_blocking_line)));
  CHECK(f.where.to_string() == here(g_blocking_line));
  // Replay fires again, and the events (which carry no wall time) are the same.
  REQUIRE(report.trace);
  auto replayed = weft::replay(*report.trace, t, weft::ExploreOptions{});
  REQUIRE_FALSE(replayed.failures.empty());
  CHECK(replayed.failures.front().signature() == f.signature());
  CHECK(replayed.trace.events == report.trace->events);

  require_clean(
      weft::explore(o, target("fixed", weft::Flavor::multi_thread, [] { blocking_task(true); })));
  o.long_poll_ms = 0;
  require_clean(weft::explore(o, t));
}

// --- unobserved panic ------------------------------------------------------------------------

TEST_CASE("unobserved panic: a detached task's error vanishes; joined and handled it is clean") {
  auto body = [](int variant) {
    weft::Runtime rt;
    std::optional<weft::JoinHandle<void>> kept;  // outlives the runtime: never dropped in it
    rt.block_on([&] {
      auto writer = weft::spawn([] { throw std::runtime_error("write failed"); }, "writer");
      weft::sleep(1ms);
      if (variant == 1) {
        try {
          writer.join();
        } catch (const weft::JoinError&) {
          // handled: the write is retried elsewhere
        }
      } else if (variant == 2) {
        kept.emplace(std::move(writer));
      }
    });
  };
  auto report = weft::explore(options_for("random", 3),
                              target("silent", weft::Flavor::multi_thread, [&] { body(0); }));
  REQUIRE_FALSE(report.ok());
  REQUIRE(report.failures.size() == 2);
  CHECK(report.failures[0].kind == weft::FailureKind::task_panic);
  const weft::Failure& u = report.failures[1];
  CHECK(u.kind == weft::FailureKind::unobserved_panic);
  INFO(u.describe());
  CHECK(contains(u.message,
                 "task 'writer' (#1) panicked and its JoinHandle was dropped without "
                 "a join, so the error vanished without a trace: write failed"));
  CHECK(contains(u.describe(), "its JoinHandle was dropped unjoined at step"));

  require_clean(
      weft::explore(exhaustive(), target("joined", weft::Flavor::multi_thread, [&] { body(1); })));
  // The handle is still alive at the end: a task panic, but not an unobserved one.
  auto kept = weft::explore(options_for("random", 3),
                            target("kept", weft::Flavor::multi_thread, [&] { body(2); }));
  CHECK(has_kind(kept, weft::FailureKind::task_panic));
  CHECK_FALSE(has_kind(kept, weft::FailureKind::unobserved_panic));
}

// --- swallowed cancellation ------------------------------------------------------------------

TEST_CASE("swallowed cancellation: catch (...) without rethrow; with rethrow it is clean") {
  auto body = [](bool fixed) {
    weft::Runtime rt;
    rt.block_on([fixed] {
      weft::spawn(
          [fixed] {
            try {
              for (;;) weft::sleep(1h);
            } catch (...) {
              if (fixed) throw;  // cleanup would go here; the unwinding goes on
            }
          },
          "stubborn");
      weft::yield_now();
    });
  };
  auto report = weft::explore(options_for("random", 3),
                              target("swallow", weft::Flavor::multi_thread, [&] { body(false); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::swallowed_cancellation);
  INFO(f.describe());
  CHECK(contains(f.message,
                 "task 'stubborn' (#1) was being dropped, but a catch (...) caught "
                 "the unwinding and did not rethrow"));
  CHECK(contains(f.describe(), "must end with throw;"));

  require_clean(weft::explore(exhaustive(),
                              target("rethrow", weft::Flavor::multi_thread, [&] { body(true); })));
}

// --- hang ------------------------------------------------------------------------------------

TEST_CASE("hang: the virtual-time limit, with what was still active and the last events") {
  auto body = [](bool fixed) {
    weft::Runtime rt;
    rt.block_on([fixed] {
      auto ticker = weft::spawn(
          [fixed] {
            for (int i = 0; !fixed || i < 3; ++i) weft::sleep(1s);
          },
          "ticker");
      ticker.join();
    });
  };
  auto o = options_for("random", 2);
  o.max_virtual_time_ms = 5000;
  auto report =
      weft::explore(o, target("ticker", weft::Flavor::multi_thread, [&] { body(false); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::hang);
  INFO(f.describe());
  CHECK(contains(f.message, "the run did not finish: virtual time limit of 5000 ms"));
  CHECK(contains(f.describe(), "'ticker' (#1) is blocked: sleeps at " + kFile + ":"));
  CHECK(contains(f.describe(), "'main' (#0) is blocked: waits for 'ticker' (#1) to finish"));
  CHECK(contains(f.describe(), "last events:"));

  require_clean(
      weft::explore(o, target("ticker-fixed", weft::Flavor::multi_thread, [&] { body(true); })));
}

TEST_CASE("hang: the step limit names the spinning task") {
  auto body = [](bool fixed) {
    weft::Runtime rt;
    rt.block_on([fixed] {
      auto h = weft::spawn(
          [fixed] {
            for (int i = 0; !fixed || i < 10; ++i) weft::yield_now();
          },
          "spinner");
      h.join();
    });
  };
  auto o = options_for("random", 3);
  o.max_steps = 300;
  auto report = weft::explore(o, target("spin", weft::Flavor::multi_thread, [&] { body(false); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::hang);
  INFO(f.describe());
  CHECK(f.task_name == "spinner");
  CHECK(contains(f.message, "step limit of 300 scheduling points"));
  CHECK(contains(f.describe(), "'spinner' (#1) is running, last at " + kFile + ":"));
  CHECK(contains(f.where.to_string(), kFile + ":"));

  require_clean(
      weft::explore(o, target("spin-fixed", weft::Flavor::multi_thread, [&] { body(true); })));
}

TEST_CASE("hang: the last events call objects by their names") {
  weft::ExploreOptions o = options_for("random", 1);
  o.max_steps = 40;
  auto report = weft::explore(o, target("spin-on-channel", weft::Flavor::multi_thread, [] {
                                weft::Runtime rt;
                                rt.block_on([] {
                                  auto [tx, rx] = weft::mpsc::unbounded<int>("jobs");
                                  for (int i = 0;; ++i) {
                                    (void)tx.send(i);
                                    (void)rx.recv();
                                  }
                                });
                              }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::hang);
  INFO(f.describe());
  CHECK(contains(f.describe(), "op send mpsc 'jobs' #"));
  CHECK(contains(f.describe(), "op recv mpsc 'jobs' #"));
}

// The words of describe_wait (harness/src/detectors/describe.cpp's table) reach failure reports
// and traces: pinned here for every operation a task can block in, and the fallback.
TEST_CASE("describe_wait has words for every blocking operation") {
  weft::TaskTable tasks;
  tasks.on_event(weft::Event{.kind = weft::EventKind::spawn, .task = 4, .text = "worker"});
  const weft::ObjectTable objects;
  auto words = [&](weft::Op op, weft::ObjectKind kind) {
    weft::TaskSnapshot t;
    t.wait_op = op;
    t.wait_kind = kind;
    t.wait_object = 4;
    return weft::describe_wait(t, tasks, objects);
  };
  using weft::ObjectKind;
  using weft::Op;
  CHECK(words(Op::lock, ObjectKind::mutex) == "waits to lock mutex #4");
  CHECK(words(Op::lock, ObjectKind::rwlock) == "waits to write-lock rwlock #4");
  CHECK(words(Op::lock_shared, ObjectKind::rwlock) == "waits to read-lock rwlock #4");
  CHECK(words(Op::recv, ObjectKind::mpsc) == "waits to receive from mpsc #4");
  CHECK(words(Op::send, ObjectKind::mpsc) == "waits for room to send on mpsc #4");
  CHECK(words(Op::acquire, ObjectKind::semaphore) == "waits for permits of semaphore #4");
  CHECK(words(Op::wait, ObjectKind::notify) == "waits for a notification on notify #4");
  CHECK(words(Op::wait, ObjectKind::barrier) == "waits at barrier #4 for more tasks");
  CHECK(words(Op::recv, ObjectKind::watch) == "waits for a new value of watch #4");
  CHECK(words(Op::wait, ObjectKind::watch) == "waits for every receiver of watch #4 to be dropped");
  CHECK(words(Op::wait, ObjectKind::mpsc) == "waits for the receiver of mpsc #4 to close");
  CHECK(words(Op::wait, ObjectKind::oneshot) == "waits for the receiver of oneshot #4 to close");
  CHECK(words(Op::wait, ObjectKind::token) == "waits for token #4 to be cancelled");
  CHECK(words(Op::join, ObjectKind::task) == "waits for 'worker' (#4) to finish");
  CHECK(words(Op::sleep, ObjectKind::timer) == "sleeps");
  CHECK(words(Op::yield, ObjectKind::none) == "waits in yield on none #4");
  CHECK(weft::describe_wait(Op::join, ObjectKind::task, 4) == "waits for task #4 to finish");
  CHECK(weft::describe_wait(Op::recv, ObjectKind::oneshot, 2) ==
        "waits to receive from oneshot #2");
}

TEST_CASE("deadlock: objects are named by the name given at construction and their creation site") {
  int created_line = 0;
  auto body = [&] {
    weft::Runtime rt;
    rt.block_on([&] {
      // On the root's stack: through make_shared the default argument would record the library's
      // construct_at as the creation site. The tasks end (dropped) before the root's frame does.
      // clang-format off
      created_line = __LINE__ + 1;
      weft::Mutex<int> accounts(0, "accounts"); weft::CondVar ready("ready"); weft::Semaphore unnamed(0);
      // clang-format on
      auto waiter = weft::spawn(
          [&] {
            auto g = accounts.lock();
            ready.wait(g);  // nobody notifies: a deadlock once main waits for it
          },
          "waiter");
      auto taker = weft::spawn([&] { (void)unnamed.acquire(); }, "taker");
      waiter.join();
      taker.join();
    });
  };
  auto report = weft::explore(options_for("random", 10),
                              target("named", weft::Flavor::multi_thread, [&] { body(); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::deadlock);
  INFO(f.describe());
  const std::string created = "(created at " + here(created_line) + ")";
  CHECK(contains(f.describe(), "condvar 'ready' #2 " + created));
  CHECK(contains(f.describe(), "semaphore #3 " + created));
}

TEST_CASE("lock order: a named mutex is named in the inversion report") {
  auto body = [] {
    weft::Runtime rt(weft::RuntimeOptions{});
    rt.block_on([] {
      weft::Mutex<int> accounts(0, "accounts");
      weft::Mutex<int> audit(0, "audit log");
      auto a = weft::spawn([&] {
        auto g1 = accounts.lock();
        auto g2 = audit.lock();
      });
      a.join();
      auto g2 = audit.lock();
      auto g1 = accounts.lock();
    });
  };
  auto report = weft::explore(options_for("random", 10),
                              target("named-locks", weft::Flavor::current_thread, body));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::lock_order);
  INFO(f.describe());
  CHECK(contains(f.describe(), "mutex 'accounts' #"));
  CHECK(contains(f.describe(), "mutex 'audit log' #"));
}

TEST_CASE("deadlock: channels are named by their creation line and the name given to them") {
  int line = 0;
  auto body = [&] {
    weft::Runtime rt;
    rt.block_on([&] {
      // clang-format off
      line = __LINE__ + 1;
      auto jobs = weft::mpsc::bounded<int>(1, "jobs"); auto done = weft::oneshot::channel<int>(); auto news = weft::broadcast::channel<int>(4, "news"); auto config = weft::watch::channel<int>(0);
      // clang-format on
      auto waiter = weft::spawn([&] { (void)done.second.recv(); }, "waiter");
      (void)news.first.send(1);
      (void)config.first.send(2);
      (void)jobs.second.recv();  // nobody sends: every task waits
      waiter.join();
    });
  };
  auto report = weft::explore(options_for("random", 5),
                              target("channels", weft::Flavor::multi_thread, [&] { body(); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::deadlock);
  const std::string text = f.describe();
  INFO(text);
  const std::string created = " (created at " + here(line) + ")";
  CHECK(contains(text, "waits to receive from mpsc 'jobs' #"));
  CHECK(contains(text, "oneshot #"));
  CHECK(contains(text, created));
  // Every factory recorded its caller's line; names where given.
  REQUIRE(report.trace.has_value());
  std::vector<std::string> described;
  for (const weft::TraceEvent& e : report.trace->events)
    if (e.kind == weft::EventKind::object_created && e.where.to_string() == here(line))
      described.push_back(std::string(weft::to_string(e.object_kind)) + " '" + e.text + "'");
  std::sort(described.begin(), described.end());
  CHECK(described ==
        std::vector<std::string>{"broadcast 'news'", "mpsc 'jobs'", "oneshot ''", "watch ''"});
}

TEST_CASE("deadlock: cancellation tokens and task trackers are named by their creation line") {
  int line = 0;
  auto body = [&] {
    weft::Runtime rt;
    rt.block_on([&] {
      // clang-format off
      line = __LINE__ + 1;
      weft::CancellationToken token; auto child = token.child_token(); weft::TaskTracker tracker;
      // clang-format on
      auto waiter = weft::spawn([&] { child.cancelled(); }, "waiter");
      tracker.close();
      tracker.wait();     // empty and closed: returns
      token.cancelled();  // nobody cancels: every task waits
      waiter.join();
    });
  };
  auto report = weft::explore(options_for("random", 5),
                              target("tokens", weft::Flavor::multi_thread, [&] { body(); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::deadlock);
  INFO(f.describe());
  CHECK(contains(f.describe(), " (created at " + here(line) + ")"));
  REQUIRE(report.trace.has_value());
  int created = 0;
  for (const weft::TraceEvent& e : report.trace->events)
    created += e.kind == weft::EventKind::object_created && e.where.to_string() == here(line);
  CHECK(created == 3);
}

TEST_CASE("lock order: locks built by std::make_shared are told apart across executions") {
  // Before: both locks' class was the library's construct_at line, one class, so the inversion
  // across executions was not seen.
  auto o = options_for("random", 60, 3);
  auto report = weft::explore(o, target("racing-shared", weft::Flavor::multi_thread,
                                        [] { racing_lock_orders(false, true); }));
  require_clean(report);
  REQUIRE(report.warnings.size() == 1);
  const weft::Failure& w = report.warnings.front();
  INFO(w.describe());
  CHECK(contains(w.message, "potential deadlock across executions: "));
  CHECK(contains(w.message, "created by a standard-library call after "));
  CHECK(contains(w.message, "(#1)"));
  CHECK(contains(w.message, "(#2)"));
  CHECK_FALSE(contains(w.describe(), "stl_construct"));
  CHECK_FALSE(contains(w.describe(), "/bits/"));
  // The same warning whatever the number of threads (the numbering is per task and step).
  o.jobs = 2;
  auto parallel = weft::explore(o, target("racing-shared", weft::Flavor::multi_thread,
                                          [] { racing_lock_orders(false, true); }));
  REQUIRE(parallel.warnings.size() == 1);
  CHECK(parallel.warnings.front().describe() == w.describe());
  // One order everywhere: clean.
  auto fixed = weft::explore(o, target("racing-shared-fixed", weft::Flavor::multi_thread,
                                       [] { racing_lock_orders(true, true); }));
  require_clean(fixed);
  CHECK(fixed.warnings.empty());
}

namespace {
// Two tasks lock two make_shared mutexes, in opposite orders unless `consistent`; one after the
// other (current_thread), so the run itself never deadlocks.
void shared_lock_orders(bool consistent) {
  weft::Runtime rt(weft::RuntimeOptions{});
  rt.block_on([consistent] {
    auto accounts = std::make_shared<weft::Mutex<int>>(0);
    auto audit = std::make_shared<weft::Mutex<int>>(0);
    auto first = weft::spawn([=] {
      auto g1 = accounts->lock();
      auto g2 = audit->lock();
    });
    first.join();
    auto second = weft::spawn([=] {
      auto g1 = (consistent ? accounts : audit)->lock();
      auto g2 = (consistent ? audit : accounts)->lock();
    });
    second.join();
  });
}
}  // namespace

TEST_CASE(
    "lock order: make_shared mutexes taken in opposite orders; their sites never the library's") {
  auto report = weft::explore(
      options_for("random", 5),
      target("shared-locks", weft::Flavor::current_thread, [] { shared_lock_orders(false); }));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::lock_order);
  INFO(f.describe());
  REQUIRE(report.trace.has_value());
  int described = 0;
  for (const weft::TraceEvent& e : report.trace->events) {
    if (e.kind != weft::EventKind::object_created || e.object_kind != weft::ObjectKind::mutex)
      continue;
    ++described;
    // Built by the library: marked (value), and placed at the root's position before the call
    // (its spawn, the block_on) or unknown, never at the library's own line.
    CHECK(e.value != 0);
    CHECK_FALSE(contains(e.where.file, "stl_construct"));
    CHECK_FALSE(contains(e.where.file, "/bits/"));
    CHECK((e.where.file.empty() || e.where.file == kFile));
  }
  CHECK(described == 2);
  CHECK_FALSE(contains(f.describe(), "stl_construct"));

  auto clean = weft::explore(
      options_for("random", 5),
      target("shared-locks-fixed", weft::Flavor::current_thread, [] { shared_lock_orders(true); }));
  require_clean(clean);
  CHECK(clean.warnings.empty());
}

TEST_CASE("throwing_destructor: a destructor that throws during a drop fails even when joined") {
  // Outside weft the throw would be std::terminate, so handling the task's panic at the join
  // does not make the program correct.
  struct ThrowsOnDrop {
    ~ThrowsOnDrop() noexcept(false) { throw std::runtime_error("flush failed while closing"); }
  };
  const weft::ExploreReport r =
      weft::explore(options_for("random", 20), target("aborted", weft::Flavor::multi_thread, [] {
                      weft::Runtime rt;
                      rt.block_on([] {
                        auto worker = weft::spawn([] {
                          ThrowsOnDrop guard;
                          weft::sleep(std::chrono::hours(1));
                        });
                        weft::sleep(std::chrono::milliseconds(1));
                        worker.abort();
                        try {
                          worker.join();
                        } catch (const weft::JoinError&) {
                        }
                      });
                    }));
  REQUIRE_FALSE(r.ok());
  CHECK(r.signatures.front().failure.kind == weft::FailureKind::throwing_destructor);
  CHECK(contains(r.signatures.front().failure.message, "flush failed while closing"));
}

namespace {
int g_yield_line = 0;
}  // namespace

TEST_CASE("body failure: a joined task's panic names where the task panicked") {
  const weft::ExploreReport r =
      weft::explore(options_for("random", 5), target("joined", weft::Flavor::multi_thread, [] {
                      weft::Runtime rt;
                      rt.block_on([] {
                        auto reader = weft::spawn(
                            [] {
                              g_yield_line = __LINE__ + 1;
                              weft::yield_now();  // the panic comes after this point
                              std::optional<int> none;
                              return none.value();
                            },
                            "reader");
                        return reader.join();
                      });
                    }));
  REQUIRE_FALSE(r.ok());
  const weft::Failure& f = r.signatures.front().failure;
  CHECK(f.kind == weft::FailureKind::body_failure);
  CHECK(f.task_name == "reader");
  CHECK(f.where.to_string() == here(g_yield_line));
}
