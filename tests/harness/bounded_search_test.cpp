// Every bounded search ends and no false alarm comes from weft itself: spurious condvar wake-ups
// are a budget (a bounded DFS proves a Mutex+CondVar ping-pong clean), long polls are the user's
// own time confirmed by a replay, a joined task's failed check keeps its site, and PCT's step
// estimate covers the schedules PCT itself takes.
#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "weft/harness/explorer.hpp"
#include "weft/harness/strategies.hpp"
#include "weft/weft.hpp"

namespace {

weft::ExploreTarget target(std::string name, std::function<void()> body) {
  return weft::ExploreTarget{std::move(name), weft::Flavor::multi_thread, std::move(body)};
}

// A queue of ints over a Mutex and a CondVar. `if_wait`: the classic bug, waiting once with `if`
// instead of re-checking in a loop, so a spurious wake-up pops from an empty queue.
struct CondVarQueue {
  weft::Mutex<std::deque<int>> items;
  weft::CondVar changed;
  bool if_wait = false;
  void send(int v) {
    auto g = items.lock();
    g->push_back(v);
    changed.notify_one();
  }
  int recv() {
    auto g = items.lock();
    if (if_wait) {
      if (g->empty()) changed.wait(g);
    } else {
      changed.wait(g, [&] { return !g->empty(); });
    }
    weft::check(!g->empty(), "recv woke up to an empty queue");
    const int v = g->front();
    g->pop_front();
    return v;
  }
};

// Two tasks exchange `rounds` values: ping sends i, pong echoes it back.
void ping_pong(bool if_wait, int rounds = 3) {
  weft::Runtime rt;
  rt.block_on([=] {
    auto there = std::make_shared<CondVarQueue>();
    auto back = std::make_shared<CondVarQueue>();
    there->if_wait = back->if_wait = if_wait;
    auto ping = weft::spawn(
        [=] {
          for (int i = 0; i < rounds; ++i) {
            there->send(i);
            WEFT_CHECK(back->recv() == i);
          }
        },
        "ping");
    auto pong = weft::spawn(
        [=] {
          for (int i = 0; i < rounds; ++i) back->send(there->recv());
        },
        "pong");
    ping.join();
    pong.join();
  });
}

weft::ExploreOptions dfs(std::int32_t bound, std::uint64_t cap) {
  weft::ExploreOptions o;
  o.strategy = "dfs";
  o.preemption_bound = bound;
  o.iterations = cap;
  return o;
}

}  // namespace

TEST_CASE("a correct Mutex+CondVar ping-pong of 3 values is proved clean by bounded DFS") {
  const auto t = target("ping-pong", [] { ping_pong(false); });
  for (std::int32_t bound : {0, 1, 2}) {
    auto r = weft::explore(dfs(bound, 1'000'000), t);
    INFO("bound " << bound << ": " << r.executions << " executions"
                  << (r.ok() ? "" : ", " + r.failures.front().describe()));
    CHECK(r.ok());
    CHECK(r.exhausted);
    CHECK(r.executions < 200'000);
  }
}

TEST_CASE("the spurious wake-up budget bounds every strategy, and bounded DFS counts it") {
  // With if-instead-of-while, one spurious wake-up is the bug: DFS needs a bound of 1 to try it.
  const auto buggy = target("ping-pong-if", [] { ping_pong(true); });
  auto zero = weft::explore(dfs(0, 1'000'000), buggy);
  CHECK(zero.ok());
  CHECK(zero.exhausted);
  auto one = weft::explore(dfs(1, 1'000'000), buggy);
  REQUIRE_FALSE(one.ok());
  CHECK(one.failures.front().message.find("empty queue") != std::string::npos);
  auto none = dfs(2, 1'000'000);
  none.spurious_wakeups = 0;  // no spurious wake-up at all: the `if` is never caught out
  auto never = weft::explore(none, buggy);
  CHECK(never.ok());
  CHECK(never.exhausted);

  // Random walk: no execution takes more spurious wake-ups than the budget.
  for (std::uint32_t budget : {0u, 1u, 2u}) {
    weft::ExploreOptions o;
    o.spurious_wakeups = budget;
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
      weft::RandomWalk random;
      random.begin_execution(0, seed);
      auto rec = weft::run_execution(o, target("ping-pong", [] { ping_pong(false); }), random);
      std::uint32_t taken = 0;
      for (const weft::Decision& d : rec.decisions)
        taken += d.kind == weft::DecisionKind::spurious && d.index == 1;
      CHECK(taken <= budget);
      CHECK(rec.failures.empty());
    }
  }
}

TEST_CASE("DPOR proves the Mutex+CondVar ping-pong clean and ends") {
  auto o = dfs(-1, 1'000'000);
  o.strategy = "dpor";
  auto r = weft::explore(o, target("ping-pong", [] { ping_pong(false); }));
  INFO(r.executions << " executions" << (r.ok() ? "" : ", " + r.failures.front().describe()));
  CHECK(r.ok());
  CHECK(r.exhausted);
  // and finds the if-instead-of-while bug through its one spurious wake-up
  auto buggy = weft::explore(o, target("ping-pong-if", [] { ping_pong(true); }));
  REQUIRE_FALSE(buggy.ok());
  CHECK(buggy.failures.front().message.find("empty queue") != std::string::npos);
}

TEST_CASE("unbounded DFS with the spurious budget ends on the ping-pong") {
  auto r = weft::explore(dfs(-1, 2'000'000), target("ping-pong-1", [] { ping_pong(false, 1); }));
  INFO(r.executions << " executions");
  CHECK(r.ok());
  CHECK(r.exhausted);
}

TEST_CASE("a joined task's failed check keeps its task, message and site") {
  const int line = __LINE__ + 5;
  const auto t = target("joined-check", [] {
    weft::Runtime rt;
    rt.block_on([] {
      auto worker = weft::spawn(
          [] { weft::check(weft::choose(2) == 0, "worker saw the wrong value"); }, "worker");
      worker.join();
    });
  });
  weft::ExploreOptions o;
  o.iterations = 50;
  auto r = weft::explore(o, t);
  REQUIRE_FALSE(r.ok());
  const weft::Failure& f = r.failures.front();
  CHECK(f.task_name == "worker");
  CHECK(f.where.line == static_cast<std::uint32_t>(line));
  CHECK(f.message.find("worker saw the wrong value") != std::string::npos);
  CHECK(f.signature() != "body_failure||?");
  CHECK(f.signature().find("|worker|") != std::string::npos);
  // Replay and the determinism check agree with it.
  o.check_determinism = true;
  auto again = weft::explore(o, t);
  REQUIRE_FALSE(again.ok());
  CHECK(again.failures.front().kind != weft::FailureKind::nondeterminism);
  CHECK(again.failures.front().signature() == f.signature());
}

namespace {
// A step that holds the real thread for `ms`, in the first `slow_runs` executions only: what a
// loaded machine does to a fast step.
void slow_step(int* runs, int slow_runs, int ms) {
  weft::Runtime rt;
  rt.block_on([=] {
    auto flag = std::make_shared<weft::Atomic<int>>(0);
    auto a = weft::spawn([=] { flag->store(1); }, "a");
    auto b = weft::spawn(
        [=] {
          if ((*runs)++ < slow_runs) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
          flag->store(2);
        },
        "b");
    a.join();
    b.join();
  });
}
}  // namespace

TEST_CASE("a long poll that its replay does not show again is no failure, nor nondeterminism") {
  int runs = 0;
  weft::ExploreOptions o;
  o.iterations = 20;
  o.long_poll_ms = 50;
  o.check_determinism = true;
  auto r = weft::explore(o, target("slow-once", [&] { slow_step(&runs, 1, 120); }));
  INFO((r.ok() ? std::string("clean") : r.failures.front().describe()));
  CHECK(r.ok());
  CHECK(runs == 21);  // 20 executions and the one replay that did not confirm the long poll

  // A step that is always slow is confirmed by its replay and reported, not as nondeterminism.
  int always = 0;
  auto slow = weft::explore(o, target("slow-always", [&] { slow_step(&always, 1 << 30, 120); }));
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.failures.front().kind == weft::FailureKind::long_poll);
  CHECK(slow.failures.front().task_name == "b");
}

TEST_CASE("a long step that load caused does not hide the real blocking call after it") {
  // Task a's first step is slow once (as load would make it), b blocks every time: the replay
  // confirms only b's long step, which must still be reported.
  int slow_a = 0;
  weft::ExploreOptions o;
  o.iterations = 1;
  o.long_poll_ms = 50;
  auto r = weft::explore(
      o, target("load-then-block", [&] {
        weft::Runtime rt;
        rt.block_on([&] {
          auto a = weft::spawn(
              [&] {
                if (slow_a++ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(120));
              },
              "a");
          a.join();
          auto b =
              weft::spawn([] { std::this_thread::sleep_for(std::chrono::milliseconds(120)); }, "b");
          b.join();
        });
      }));
  REQUIRE_FALSE(r.ok());
  CHECK(r.failures.front().kind == weft::FailureKind::long_poll);
  CHECK(r.failures.front().task_name == "b");
}

namespace {
// The bug needs PCT's change point late: the root reads x after b's 5th store and before its 6th.
// That happens only when b outranks the root and a change point demotes b at its 6th store,
// decision 8 or so of such a schedule, while the default schedule takes 5 decisions.
void late_change_point() {
  weft::Runtime rt;
  rt.block_on([] {
    auto x = std::make_shared<weft::Atomic<int>>(0);
    auto a = weft::spawn([=] { x->fetch_add(0); }, "a");
    auto b = weft::spawn(
        [=] {
          for (int i = 1; i <= 6; ++i) x->store(i);
        },
        "b");
    weft::check(x->load() != 5, "the root saw b halfway");
    a.join();
    b.join();
  });
}
}  // namespace

TEST_CASE("pct's step estimate covers its own schedules: a late change point is found") {
  const auto t = target("late-change-point", late_change_point);
  int found = 0;
  std::uint64_t steps = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    weft::ExploreOptions o;
    o.strategy = "pct";
    o.depth = 2;
    o.seed = seed;
    o.iterations = 300;
    auto r = weft::explore(o, t);
    steps = r.pct_steps;
    if (!r.ok() && r.failures.front().message.find("halfway") != std::string::npos) ++found;
  }
  INFO("found on " << found << " of 20 seeds; k = " << steps);
  CHECK(found >= 15);
}

namespace {
// A "lock-free" stack whose push is a load and a store instead of a compare-exchange: a push
// between them is lost. Several tasks push and pop many times, so a random schedule that loses a
// push carries dozens of irrelevant preemptions.
void racy_stack() {
  weft::Runtime rt;
  rt.block_on([] {
    constexpr int kTasks = 3, kPushes = 8;
    auto head = std::make_shared<weft::Atomic<int>>(0);  // the stack's size stands for its top
    auto popped = std::make_shared<weft::Atomic<int>>(0);
    std::vector<weft::JoinHandle<void>> tasks;
    for (int t = 0; t < kTasks; ++t)
      tasks.push_back(weft::spawn(
          [=] {
            for (int i = 0; i < kPushes; ++i) {
              const int top = head->load();
              head->store(top + 1);  // the bug: not a compare_exchange
              int seen = head->load();
              while (seen > 0 && !head->compare_exchange(seen, seen - 1)) {
              }
              if (seen > 0) popped->fetch_add(1);
            }
          },
          "pusher-" + std::to_string(t)));
    for (auto& h : tasks) h.join();
    weft::check(head->load() + popped->load() == kTasks * kPushes, "a push was lost");
  });
}
}  // namespace

TEST_CASE("shrink is bounded and removes most preemptions of a deep trace") {
  const auto t = target("racy-stack", racy_stack);
  weft::ExploreOptions o;
  o.iterations = 2000;
  o.seed = 3;
  auto found = weft::explore(o, t);
  REQUIRE(found.trace);
  const std::size_t before = weft::count_preemptions(found.trace->decisions);
  REQUIRE(before >= 20);
  o.time_budget = 60;
  auto shrunk = weft::shrink(*found.trace, t, o);
  INFO("preemptions " << shrunk.preemptions_before << " -> " << shrunk.preemptions_after
                      << ", decisions " << shrunk.decisions_before << " -> "
                      << shrunk.decisions_after << ", " << shrunk.attempts << " replays");
  CHECK(shrunk.preemptions_after <= 2);
  CHECK(shrunk.attempts < 20000);
  REQUIRE(shrunk.trace.failure);
  CHECK(shrunk.trace.failure->signature() == found.failures.front().signature());
}
