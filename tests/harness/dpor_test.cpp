// DPOR on real programs: every outcome plain DFS (unbounded) reaches, and every outcome thousands
// of random executions reach, DPOR reaches too, with fewer executions; the bug-finding checks.
// An outcome is what the program observed (the order it took locks in, the values it read, what
// a dropped task got done), recorded by the body, so two executions with different outcomes are
// in different Mazurkiewicz classes: missing an outcome would be missing a class.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "weft/harness/explorer.hpp"
#include "weft/harness/scenario.hpp"
#include "weft/harness/strategies.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// Each task writes only its own log slot (or one a weft lock guards), so that the outcome is a
// function of the execution's class: plain memory shared without weft is not modelled.
using Logs = std::array<std::string, 4>;
using Program = std::function<void(Logs&)>;

struct Outcomes {
  std::set<std::string> seen;
  std::uint64_t executions = 0;
  std::uint64_t distinct_schedules = 0;
  bool exhausted = false;
  std::optional<std::int64_t> covered_bound;
};

Outcomes explore_outcomes(const std::string& strategy, const Program& program,
                          weft::Flavor flavor = weft::Flavor::multi_thread,
                          std::uint64_t iterations = 200000, std::int32_t bound = -1,
                          std::int32_t split_depth = -1, std::uint32_t jobs = 1) {
  Outcomes out;
  std::mutex seen_mutex;  // --jobs runs the body on several threads
  weft::ExploreOptions o;
  o.strategy = strategy;
  o.iterations = iterations;
  o.preemption_bound = bound;
  o.split_depth = split_depth;
  o.jobs = jobs;
  o.lock_order = false;
  o.all_failures = true;
  o.long_poll_ms = 0;
  weft::ExploreTarget target;
  target.flavor = flavor;
  target.body = [&] {
    Logs logs;
    {
      weft::Runtime rt;
      rt.block_on([&] { program(logs); });
    }
    const std::lock_guard lock(seen_mutex);
    out.seen.insert(logs[0] + "|" + logs[1] + "|" + logs[2] + "|" + logs[3]);
  };
  auto report = weft::explore(o, target);
  out.executions = report.executions;
  out.distinct_schedules = report.distinct_schedules;
  out.exhausted = report.exhausted;
  out.covered_bound = report.covered_bound;
  return out;
}

// Every outcome plain DFS and random executions reach, DPOR reaches (optimal, with wake-up trees,
// and source-DPOR, and exhaustive's passes); DPOR runs no more executions than DFS, and wake-up
// trees no more than source-DPOR.
void check_sound(const Program& program, weft::Flavor flavor = weft::Flavor::multi_thread,
                 std::uint64_t random_runs = 2000) {
  const Outcomes dfs = explore_outcomes("dfs", program, flavor);
  const Outcomes random = explore_outcomes("random", program, flavor, random_runs);
  REQUIRE(dfs.exhausted);
  std::uint64_t source_executions = 0;
  for (const char* strategy : {"dpor-source", "dpor"}) {
    const Outcomes dpor = explore_outcomes(strategy, program, flavor);
    REQUIRE(dpor.exhausted);
    INFO("dfs " << dfs.executions << " executions, " << dfs.seen.size() << " outcomes; " << strategy
                << " " << dpor.executions << " executions, " << dpor.seen.size() << " outcomes");
    for (const std::string& s : dfs.seen) {
      INFO("outcome reached by dfs: " << s);
      CHECK(dpor.seen.count(s) == 1);
    }
    for (const std::string& s : random.seen) {
      INFO("outcome reached by random: " << s);
      CHECK(dpor.seen.count(s) == 1);
    }
    CHECK(dpor.seen == dfs.seen);  // DPOR reaches nothing DFS cannot: both run the same program
    CHECK(dpor.executions <= dfs.executions);
    if (std::string(strategy) == "dpor-source")
      source_executions = dpor.executions;
    else
      CHECK(dpor.executions <= source_executions);
  }
  // Split at full decisions (--split-depth, what --jobs uses): still every outcome, whatever the
  // depth, and the same executions on one thread and on two.
  for (const std::int32_t depth : {1, 4, 64}) {
    const Outcomes split = explore_outcomes("dpor", program, flavor, 200000, -1, depth);
    INFO("dpor split depth " << depth << ": " << split.executions << " executions");
    REQUIRE(split.exhausted);
    CHECK(split.seen == dfs.seen);
    CHECK(split.executions <= dfs.executions);
    if (depth == 4) {
      const Outcomes two = explore_outcomes("dpor", program, flavor, 200000, -1, depth, 2);
      REQUIRE(two.exhausted);
      CHECK(two.seen == dfs.seen);
      CHECK(two.executions == split.executions);
      const Outcomes source =
          explore_outcomes("dpor-source", program, flavor, 200000, -1, depth, 2);
      REQUIRE(source.exhausted);
      CHECK(source.seen == dfs.seen);
    }
  }
  // exhaustive: bounded passes first, then whatever dpor reaches, and it says it is complete.
  const Outcomes exhaustive = explore_outcomes("exhaustive", program, flavor);
  REQUIRE(exhaustive.exhausted);
  CHECK(exhaustive.seen == dfs.seen);
  CHECK(exhaustive.covered_bound == std::numeric_limits<std::int64_t>::max());
}

std::vector<std::pair<std::string, Program>> small_programs();

void mutex_workers(Logs& logs, int tasks, int rounds) {
  std::string& log = logs[0];  // written under the lock
  auto m = std::make_shared<weft::Mutex<int>>(0);
  std::vector<weft::JoinHandle<void>> handles;
  for (int t = 0; t < tasks; ++t)
    handles.push_back(weft::spawn([m, t, rounds, &log] {
      for (int r = 0; r < rounds; ++r) {
        auto g = m->lock();
        *g += 1;
        log += static_cast<char>('a' + t);
      }
    }));
  for (auto& h : handles) h.join();
}

}  // namespace

TEST_CASE("dpor: mutex workers reach every lock order plain DFS reaches") {
  check_sound([](Logs& logs) { mutex_workers(logs, 2, 2); });
  check_sound([](Logs& logs) { mutex_workers(logs, 2, 2); }, weft::Flavor::current_thread);
}

TEST_CASE("dpor: atomics (store buffering, load/load) keep every outcome") {
  check_sound([](Logs& logs) {
    auto x = std::make_shared<weft::Atomic<int>>(0);
    auto y = std::make_shared<weft::Atomic<int>>(0);
    auto r = std::make_shared<std::array<int, 4>>();
    auto a = weft::spawn([=] {
      x->store(1);
      (*r)[0] = y->load();
      (*r)[1] = x->load();
    });
    auto b = weft::spawn([=] {
      y->store(1);
      (*r)[2] = x->load();
      (*r)[3] = y->load();
    });
    a.join();
    b.join();
    for (int v : *r) logs[0] += std::to_string(v);
  });
}

TEST_CASE("dpor: channels, joins and aborts keep every outcome") {
  // Two producers into one channel, a consumer that logs the order; the root aborts a sleeper.
  check_sound([](Logs& logs) {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto p1 = weft::spawn([tx = tx] { (void)tx.send(1); });
    auto p2 = weft::spawn([tx = std::move(tx)] { (void)tx.send(3); });
    auto consumer = weft::spawn([rx = std::move(rx), &logs]() mutable {
      while (auto v = rx.recv()) logs[1] += std::to_string(*v);
    });
    p1.join();
    p2.join();
    consumer.join();
  });
  check_sound([](Logs& logs) {
    auto flag = std::make_shared<weft::Atomic<int>>(0);
    auto worker = weft::spawn([flag, &logs] {
      logs[1] += "w1";
      flag->store(1);
      logs[1] += "w2";
      weft::yield_now();
      logs[1] += "w3";
    });
    flag->load() == 0 ? logs[0] += "r0" : logs[0] += "r1";
    worker.abort();
    try {
      worker.join();
      logs[0] += "joined";
    } catch (const weft::JoinError&) {
      logs[0] += "aborted";
    }
  });
}

TEST_CASE(
    "dpor: queries that are no operation (is_cancelled, len, is_finished...) keep every outcome") {
  // Each query reads an object another task changes, with no scheduling point of its own: the
  // read must still order against the change, or DPOR never tries the other order.
  check_sound([](Logs& logs) {  // a child token read, its parent cancelled
    weft::CancellationToken parent;
    auto t = weft::spawn(
        [child = parent.child_token(), &logs] { logs[1] += child.is_cancelled() ? "c" : "-"; });
    parent.cancel();
    t.join();
  });
  check_sound([](Logs& logs) {  // child tokens read after a sleep, the parent cancelled at a choice
    weft::CancellationToken shutdown;
    weft::TaskTracker tracker;
    for (int h = 1; h <= 2; ++h)
      tracker.spawn([token = shutdown.child_token(), h, &logs] {
        for (int step = 0; step < 1; ++step) {
          weft::sleep(1ms);
          if (token.is_cancelled()) {
            logs[h] += "c" + std::to_string(step);
            return;
          }
        }
        logs[h] += "done";
      });
    weft::sleep(std::chrono::milliseconds(weft::choose(3)));
    shutdown.cancel();
    tracker.close();
    tracker.wait();
  });
  check_sound([](Logs& logs) {  // selects on child tokens against a timer and a channel
    weft::CancellationToken shutdown;
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto a = weft::spawn([token = shutdown.child_token(), &logs] {
      const bool stop =
          weft::select(weft::branch(weft::when::cancelled(token), [] { return true; }),
                       weft::branch(weft::when::sleep(1ms), [] { return false; }));
      logs[1] += stop ? "stop" : "slept";
    });
    auto b = weft::spawn([token = shutdown.child_token(), rx = std::move(rx), &logs]() mutable {
      const int got = weft::select(
          weft::branch(weft::when::cancelled(token), [] { return -1; }),
          weft::branch(weft::when::recv(rx), [](std::optional<int> v) { return v ? *v : -2; }));
      logs[2] += std::to_string(got);
    });
    weft::sleep(std::chrono::milliseconds(weft::choose(2)));
    (void)tx.send(7);
    shutdown.cancel();
    a.join();
    b.join();
  });
  check_sound([](Logs& logs) {  // a task's end, read by another
    auto worker = weft::spawn([] {});
    logs[0] += worker.is_finished() ? "f" : "-";
    worker.join();
  });
  check_sound([](Logs& logs) {  // a channel's length and its senders' end
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto p = weft::spawn([tx = std::move(tx)] { (void)tx.send(1); });
    logs[0] += std::to_string(rx.len());
    logs[0] += rx.is_closed() ? "c" : "-";
    p.join();
  });
  check_sound([](Logs& logs) {  // a lock's state, permits, a tracker's count
    auto m = std::make_shared<weft::Mutex<int>>(0);
    auto sem = std::make_shared<weft::Semaphore>(1);
    weft::TaskTracker tracker;
    auto t = weft::spawn([m, sem] {
      auto g = m->lock();
      sem->acquire().forget();
    });
    auto tracked = tracker.spawn([] {});
    logs[0] += m->is_locked() ? "l" : "-";
    logs[0] += std::to_string(sem->available_permits());
    logs[0] += std::to_string(tracker.len());
    t.join();
    tracked.join();
  });
}

TEST_CASE("dpor: shutdown drop orders keep every outcome (tasks the root does not join)") {
  check_sound([](Logs& logs) {
    auto m = std::make_shared<weft::Mutex<int>>(0);
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    weft::spawn([m, tx = std::move(tx), &logs] {
      auto g = m->lock();
      logs[1] += "A";
      (void)tx.send(1);
      logs[1] += "a";
    });
    weft::spawn([m, rx = std::move(rx), &logs]() mutable {
      if (auto v = rx.recv()) logs[2] += "B";
      auto g = m->lock();
      logs[2] += "b";
    });
    weft::yield_now();
    logs[0] += "R";
  });
  check_sound(
      [](Logs& logs) {
        auto n = std::make_shared<weft::Notify>();
        weft::spawn([n, &logs] {
          n->notified();
          logs[1] += "woke";
        });
        weft::spawn([n, &logs] {
          logs[2] += "n";
          n->notify_one();
        });
        weft::yield_now();
        logs[0] += "R";
      },
      weft::Flavor::current_thread);
}

TEST_CASE("dpor: timers and ties keep every outcome") {
  check_sound([](Logs& logs) {
    auto m = std::make_shared<weft::Mutex<int>>(0);
    auto a = weft::spawn([m, &logs] {
      weft::sleep(1ms);
      auto g = m->lock();
      logs[0] += "a";
    });
    auto b = weft::spawn([m, &logs] {
      weft::sleep(1ms);
      auto g = m->lock();
      logs[0] += "b";
    });
    auto c = weft::spawn([m, &logs] {
      auto g = m->lock();
      logs[0] += "c";
    });
    a.join();
    b.join();
    c.join();
  });
}

TEST_CASE("dpor: mutex 3 x 2 reaches all 90 lock orders") {
  const Outcomes dpor = explore_outcomes("dpor", [](Logs& logs) { mutex_workers(logs, 3, 2); });
  CHECK(dpor.exhausted);
  CHECK(dpor.seen.size() == 90);
  CHECK(dpor.executions < 116319);
}

TEST_CASE("dpor with wake-up trees runs one execution per lock order on the mutex models") {
  // Each class of these programs is one lock order (the log under the lock), so optimal DPOR
  // runs exactly as many executions as there are orders: (tasks x rounds)! / (rounds!)^tasks.
  const std::vector<std::array<int, 3>> models{{2, 2, 6}, {2, 3, 20}, {2, 4, 70}, {3, 2, 90}};
  for (const auto& [tasks, rounds, classes] : models) {
    const Program program = [tasks = tasks, rounds = rounds](Logs& logs) {
      mutex_workers(logs, tasks, rounds);
    };
    const Outcomes dpor = explore_outcomes("dpor", program);
    const Outcomes source = explore_outcomes("dpor-source", program);
    INFO(tasks << " x " << rounds << ": dpor " << dpor.executions << ", dpor-source "
               << source.executions);
    CHECK(dpor.exhausted);
    CHECK(dpor.seen.size() == static_cast<std::size_t>(classes));
    CHECK(dpor.executions == static_cast<std::uint64_t>(classes));
    CHECK(source.seen == dpor.seen);
    CHECK(source.executions >= dpor.executions);
  }
}

TEST_CASE(
    "dpor: condvar waits with spurious wake-ups, notify and value decisions keep every "
    "outcome") {
  // A waiter that checks its flag once (so a spurious wake-up shows) and a notifier whose
  // update depends on a chosen value: spurious and value decisions inside the sequences that
  // wake-up trees follow.
  const Program program = [](Logs& logs) {
    auto m = std::make_shared<weft::Mutex<int>>(0);
    auto cv = std::make_shared<weft::CondVar>();
    auto waiter = weft::spawn([m, cv, &logs] {
      auto g = m->lock();
      if (*g == 0) cv->wait(g);
      logs[1] += std::to_string(*g);
    });
    auto notifier = weft::spawn([m, cv, &logs] {
      const auto v = static_cast<int>(weft::choose(2)) + 1;
      *m->lock() = v;
      cv->notify_one();
      logs[2] += "n";
    });
    waiter.join();
    notifier.join();
  };
  check_sound(program);
  check_sound(program, weft::Flavor::current_thread);
}

TEST_CASE("dpor: the small programs keep every outcome in both flavors") {
  for (const auto& [name, program] : small_programs()) {
    INFO(name);
    check_sound(program);
    check_sound(program, weft::Flavor::current_thread);
  }
}

TEST_CASE("dpor finds the lock-order deadlock with the lock-order detector off") {
  weft::ExploreOptions o;
  o.strategy = "dpor";
  o.iterations = 1000;
  o.lock_order = false;
  const weft::Scenario* s = weft::find_scenario("lock-order-deadlock");
  REQUIRE(s != nullptr);
  auto report = weft::explore(o, weft::target_of(*s));
  REQUIRE_FALSE(report.ok());
  CHECK(report.failures.front().kind == weft::FailureKind::deadlock);
  CHECK(report.executions <= 4);
}

namespace {

// Small programs of every kind the dependence relation distinguishes, for the bounded variants.
std::vector<std::pair<std::string, Program>> small_programs() {
  return {
      {"mutex 2x2", [](Logs& logs) { mutex_workers(logs, 2, 2); }},
      {"store buffering",
       [](Logs& logs) {
         auto x = std::make_shared<weft::Atomic<int>>(0);
         auto y = std::make_shared<weft::Atomic<int>>(0);
         auto r = std::make_shared<std::array<int, 2>>();
         auto a = weft::spawn([=] {
           x->store(1);
           (*r)[0] = y->load();
         });
         auto b = weft::spawn([=] {
           y->store(1);
           (*r)[1] = x->load();
         });
         a.join();
         b.join();
         for (int v : *r) logs[0] += std::to_string(v);
       }},
      {"two producers, one consumer",
       [](Logs& logs) {
         auto [tx, rx] = weft::mpsc::unbounded<int>();
         auto p1 = weft::spawn([tx = tx] { (void)tx.send(1); });
         auto p2 = weft::spawn([tx = std::move(tx)] { (void)tx.send(3); });
         auto consumer = weft::spawn([rx = std::move(rx), &logs]() mutable {
           while (auto v = rx.recv()) logs[1] += std::to_string(*v);
         });
         p1.join();
         p2.join();
         consumer.join();
       }},
      {"shutdown drops",
       [](Logs& logs) {
         auto m = std::make_shared<weft::Mutex<int>>(0);
         weft::spawn([m, &logs] {
           auto g = m->lock();
           logs[1] += "A";
           weft::yield_now();
           logs[1] += "a";
         });
         weft::spawn([m, &logs] {
           auto g = m->lock();
           logs[2] += "b";
         });
         weft::yield_now();
         logs[0] += "R";
       }},
      {"mutex 2x1 with an atomic flag",
       [](Logs& logs) {
         auto m = std::make_shared<weft::Mutex<int>>(0);
         auto flag = std::make_shared<weft::Atomic<int>>(0);
         std::vector<weft::JoinHandle<void>> handles;
         for (int t = 0; t < 2; ++t)
           handles.push_back(weft::spawn([m, flag, t, &logs] {
             if (flag->load() == 0) {
               auto g = m->lock();
               logs[0] += static_cast<char>('a' + t);
             }
             flag->store(t + 1);
           }));
         for (auto& h : handles) h.join();
         logs[1] = std::to_string(flag->load());
       }},
  };
}

}  // namespace

TEST_CASE("dpor-bounded reaches every outcome bounded DFS reaches with the same bound") {
  for (const auto& [name, program] : small_programs()) {
    for (weft::Flavor flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
      for (std::int32_t bound : {0, 1, 2}) {
        const Outcomes dfs = explore_outcomes("dfs", program, flavor, 200000, bound);
        const Outcomes bpor = explore_outcomes("dpor-bounded", program, flavor, 200000, bound);
        INFO(name << " (" << weft::to_string(flavor) << "), bound " << bound << ": dfs "
                  << dfs.executions << " executions, " << dfs.seen.size()
                  << " outcomes; dpor-bounded " << bpor.executions << " executions, "
                  << bpor.seen.size() << " outcomes");
        REQUIRE(dfs.exhausted);
        REQUIRE(bpor.exhausted);
        for (const std::string& s : dfs.seen) {
          INFO("outcome reached by dfs: " << s);
          CHECK(bpor.seen.count(s) == 1);
        }
        // Everything it runs is within the bound, so nothing beyond what bounded DFS reaches.
        for (const std::string& s : bpor.seen) {
          INFO("outcome reached by dpor-bounded: " << s);
          CHECK(dfs.seen.count(s) == 1);
        }
        CHECK(bpor.covered_bound == bound);
      }
    }
  }
}

TEST_CASE("dpor-bounded covers mutex 3 x 2 within bound 2 in fewer executions than DFS") {
  const Program program = [](Logs& logs) { mutex_workers(logs, 3, 2); };
  const Outcomes dfs = explore_outcomes("dfs", program, weft::Flavor::multi_thread, 200000, 2);
  const Outcomes bpor =
      explore_outcomes("dpor-bounded", program, weft::Flavor::multi_thread, 200000, 2);
  INFO("dfs " << dfs.executions << ", dpor-bounded " << bpor.executions);
  REQUIRE(dfs.exhausted);
  REQUIRE(bpor.exhausted);
  CHECK(bpor.seen == dfs.seen);
  CHECK(bpor.executions < dfs.executions);
}

TEST_CASE("dfs-iterative runs each schedule of bound 0, 1, 2 ... once, as bounded DFS would") {
  for (const auto& [name, program] : small_programs()) {
    for (std::int32_t bound : {0, 1, 2}) {
      const Outcomes dfs =
          explore_outcomes("dfs", program, weft::Flavor::multi_thread, 200000, bound);
      const Outcomes ipb =
          explore_outcomes("dfs-iterative", program, weft::Flavor::multi_thread, 200000, bound);
      INFO(name << ", last bound " << bound << ": dfs " << dfs.executions
                << " executions, dfs-iterative " << ipb.executions);
      REQUIRE(ipb.exhausted);
      // The same schedules, each once: as many executions as bounded DFS, all distinct.
      CHECK(ipb.executions == dfs.executions);
      CHECK(ipb.distinct_schedules == ipb.executions);
      CHECK(ipb.seen == dfs.seen);
      REQUIRE(ipb.covered_bound.has_value());
      CHECK(*ipb.covered_bound >= bound);
    }
    // Without a last bound it goes on until every schedule ran: unbounded DFS's count.
    const Outcomes all = explore_outcomes("dfs", program);
    const Outcomes ipb = explore_outcomes("dfs-iterative", program);
    INFO(name << ": unbounded dfs " << all.executions << ", dfs-iterative " << ipb.executions);
    REQUIRE(ipb.exhausted);
    CHECK(ipb.executions == all.executions);
    CHECK(ipb.distinct_schedules == ipb.executions);
    CHECK(ipb.covered_bound == std::numeric_limits<std::int64_t>::max());
  }
}

TEST_CASE("dfs-iterative reports the last bound it covered when the budget ends first") {
  const Program program = [](Logs& logs) { mutex_workers(logs, 3, 2); };
  const Outcomes b1 = explore_outcomes("dfs", program, weft::Flavor::multi_thread, 200000, 1);
  const Outcomes b2 = explore_outcomes("dfs", program, weft::Flavor::multi_thread, 200000, 2);
  REQUIRE(b1.exhausted);
  REQUIRE(b2.exhausted);
  // A budget between the two: bound 1 complete, bound 2 not.
  const Outcomes ipb = explore_outcomes("dfs-iterative", program, weft::Flavor::multi_thread,
                                        (b1.executions + b2.executions) / 2);
  CHECK_FALSE(ipb.exhausted);
  CHECK(ipb.covered_bound == 1);
  CHECK(ipb.distinct_schedules == ipb.executions);
}

TEST_CASE("dpor: a bounded try_lock retry that yields between attempts keeps every outcome") {
  // The client tries the lock a few times and yields between tries; the holder keeps it across
  // a few atomic steps. Which attempt (if any) gets it depends on where the client's tries fall
  // among the holder's steps, and a yielder runs again only after the holder has run a step.
  // (Before the rule for races with a task fairness held back, "none" was never reached, and
  // `exhaustive` called the program that assumes a try succeeds covered.)
  const Program program = [](Logs& logs) {
    auto m = std::make_shared<weft::Mutex<int>>(0);
    auto work = std::make_shared<weft::Atomic<int>>(0);
    auto holder = weft::spawn([m, work] {
      auto g = m->lock();
      for (int i = 0; i < 3; ++i) work->fetch_add(1);
    });
    auto client = weft::spawn([m, &logs] {
      for (int attempt = 0; attempt < 3; ++attempt) {
        if (auto g = m->try_lock()) {
          logs[1] = std::to_string(attempt);
          return;
        }
        weft::yield_now();
      }
      logs[1] = "none";
    });
    holder.join();
    client.join();
  };
  check_sound(program);
}

TEST_CASE("dpor: a reader that yields between its loads keeps every outcome") {
  // A seqlock-shaped reader yields after reading the sequence number while the writer updates:
  // what it reads depends on where fairness lets it run again, including after the root, woken
  // by its join of the writer, has run (without this case's rule, 7 of the 9 outcomes).
  const Program program = [](Logs& logs) {
    auto seq = std::make_shared<weft::Atomic<int>>(0);
    auto value = std::make_shared<weft::Atomic<int>>(0);
    auto writer = weft::spawn([seq, value] {
      seq->fetch_add(1);
      value->store(1);
      seq->fetch_add(1);
    });
    auto reader = weft::spawn([seq, value, &logs] {
      for (int round = 0; round < 2; ++round) {
        logs[1] += std::to_string(seq->load());
        weft::yield_now();
        logs[1] += std::to_string(value->load());
      }
    });
    writer.join();
    logs[0] = std::to_string(value->load());
    reader.join();
  };
  check_sound(program);
}

TEST_CASE("dpor: a task that yields holding a lock keeps every outcome (fairness is dependence)") {
  // The yielder runs again only once every other task has run: whether the root spawned the
  // second task before the yield decides whether the yielder can finish before the root returns.
  check_sound(small_programs()[3].second);
  check_sound(small_programs()[3].second, weft::Flavor::current_thread);
}

namespace {

// Two tasks increment a counter with a load and a separate store: one task put off between its
// load and its store (one delay) loses the other's increment.
weft::ExploreReport lost_update(const std::string& strategy, std::int32_t delay_bound) {
  weft::ExploreOptions o;
  o.strategy = strategy;
  o.delay_bound = delay_bound;
  o.iterations = 100000;
  o.long_poll_ms = 0;
  weft::ExploreTarget target;
  target.name = "lost-update";
  target.body = [] {
    weft::Runtime rt;
    rt.block_on([] {
      auto counter = std::make_shared<weft::Atomic<int>>(0);
      std::vector<weft::JoinHandle<void>> handles;
      for (int t = 0; t < 2; ++t)
        handles.push_back(weft::spawn([counter] {
          const int seen = counter->load();
          counter->store(seen + 1);
        }));
      for (auto& h : handles) h.join();
      WEFT_CHECK(counter->load() == 2);
    });
  };
  return weft::explore(o, target);
}

}  // namespace

TEST_CASE("delay-bounded covers delay bound 0 clean and finds the lost update with one delay") {
  const weft::ExploreReport none = lost_update("delay-bounded", 0);
  INFO("bound 0: " << none.executions << " executions");
  CHECK(none.ok());  // round-robin without a delay runs each task's load and store together
  CHECK(none.exhausted);
  CHECK(none.covered_bound == 0);
  CHECK(none.executions == 1);

  const weft::ExploreReport one = lost_update("delay-bounded", 1);
  INFO("bound 1: " << one.executions << " executions");
  REQUIRE_FALSE(one.ok());
  CHECK(one.failures.front().kind == weft::FailureKind::body_failure);
  CHECK(one.executions <= 10);
  // Deterministic: the same search finds the same failure in the same execution.
  const weft::ExploreReport again = lost_update("delay-bounded", 1);
  REQUIRE_FALSE(again.ok());
  CHECK(again.executions == one.executions);
  CHECK(again.failures.front().describe() == one.failures.front().describe());
}

TEST_CASE("delay-bounded runs each schedule within its bound once, and more with a larger bound") {
  const Program program = [](Logs& logs) { mutex_workers(logs, 2, 2); };
  const Outcomes all = explore_outcomes("dfs", program);
  std::uint64_t previous = 0;
  std::size_t previous_outcomes = 0;
  for (std::int32_t bound : {0, 1, 2, 3}) {
    weft::ExploreOptions o;
    Outcomes out;
    o.strategy = "delay-bounded";
    o.delay_bound = bound;
    o.iterations = 200000;
    o.lock_order = false;
    o.long_poll_ms = 0;
    weft::ExploreTarget target;
    target.body = [&] {
      Logs logs;
      {
        weft::Runtime rt;
        rt.block_on([&] { program(logs); });
      }
      out.seen.insert(logs[0] + "|" + logs[1] + "|" + logs[2] + "|" + logs[3]);
    };
    const auto report = weft::explore(o, target);
    INFO("delay bound " << bound << ": " << report.executions << " executions, " << out.seen.size()
                        << " outcomes");
    CHECK(report.ok());
    CHECK(report.exhausted);
    CHECK(report.covered_bound == bound);
    CHECK(report.distinct_schedules == report.executions);  // no schedule twice
    CHECK(report.executions > previous);
    CHECK(out.seen.size() >= previous_outcomes);
    for (const std::string& s : out.seen) CHECK(all.seen.count(s) == 1);
    previous = report.executions;
    previous_outcomes = out.seen.size();
  }
  CHECK(previous_outcomes == all.seen.size());  // bound 3 reaches every lock order of 2 x 2
}

TEST_CASE("every drop order of four tasks alive at shutdown is reached: dfs, random, pct") {
  // Four tasks never polled when the root returns; each one's closure logs its letter when it is
  // destroyed, so the outcome is the order the shutdown ended them in (dropped, or in
  // multi_thread possibly run first and dropped at its sleep).
  const Program program = [](Logs& logs) {
    for (char c : std::string("abcd"))
      weft::spawn([mark = std::shared_ptr<void>(nullptr, [&logs, c](void*) { logs[0] += c; })] {
        weft::sleep(1h);
      });
  };
  std::set<std::string> every;
  std::string order = "abcd";
  do every.insert(order + "|||");
  while (std::next_permutation(order.begin(), order.end()));
  REQUIRE(every.size() == 24);

  const Outcomes dfs = explore_outcomes("dfs", program, weft::Flavor::current_thread);
  CHECK(dfs.exhausted);
  CHECK(dfs.executions == 24);  // 4 x 3 x 2 drop decisions, nothing else to decide
  CHECK(dfs.seen == every);
  for (weft::Flavor flavor : {weft::Flavor::current_thread, weft::Flavor::multi_thread})
    for (const char* strategy : {"random", "pct"}) {
      INFO(strategy << (flavor == weft::Flavor::current_thread ? " current_thread"
                                                               : " multi_thread"));
      CHECK(explore_outcomes(strategy, program, flavor, 600).seen == every);
    }
}
