// DPOR on real programs: every outcome plain DFS (unbounded) reaches, and every outcome thousands
// of random executions reach, DPOR reaches too, with fewer executions; the bug-finding checks.
// An outcome is what the program observed (the order it took locks in, the values it read, what
// a dropped task got done), recorded by the body, so two executions with different outcomes are
// in different Mazurkiewicz classes: missing an outcome would be missing a class.
#include <array>
#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <string>

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
  bool exhausted = false;
};

Outcomes explore_outcomes(const std::string& strategy, const Program& program,
                          weft::Flavor flavor = weft::Flavor::multi_thread,
                          std::uint64_t iterations = 200000) {
  Outcomes out;
  weft::ExploreOptions o;
  o.strategy = strategy;
  o.iterations = iterations;
  o.preemption_bound = -1;
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
    out.seen.insert(logs[0] + "|" + logs[1] + "|" + logs[2] + "|" + logs[3]);
  };
  auto report = weft::explore(o, target);
  out.executions = report.executions;
  out.exhausted = report.exhausted;
  return out;
}

// Every outcome plain DFS and random executions reach, DPOR reaches; DPOR runs no more executions.
void check_sound(const Program& program, weft::Flavor flavor = weft::Flavor::multi_thread,
                 std::uint64_t random_runs = 2000) {
  const Outcomes dfs = explore_outcomes("dfs", program, flavor);
  const Outcomes dpor = explore_outcomes("dpor", program, flavor);
  const Outcomes random = explore_outcomes("random", program, flavor, random_runs);
  REQUIRE(dfs.exhausted);
  REQUIRE(dpor.exhausted);
  INFO("dfs " << dfs.executions << " executions, " << dfs.seen.size() << " outcomes; dpor "
              << dpor.executions << " executions, " << dpor.seen.size() << " outcomes");
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
}

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
