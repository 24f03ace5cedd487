// The explorer end to end on the flagship scenario and on small bodies: finding, replaying,
// determinism across runs and --jobs, shrinking, hangs and nondeterminism.
#include "weft/harness/explorer.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "../../fuzz/two_bugs.hpp"
#include "weft/harness/random.hpp"
#include "weft/harness/scenario.hpp"
#include "weft/harness/strategies.hpp"
#include "weft/weft.hpp"

namespace {
const weft::Scenario& flagship() {
  const weft::Scenario* s = weft::find_scenario("shutdown-producer-worker");
  REQUIRE(s != nullptr);
  return *s;
}

weft::ExploreOptions options_for(std::string strategy, std::uint64_t iterations,
                                 std::uint64_t seed = 1) {
  weft::ExploreOptions o;
  o.strategy = std::move(strategy);
  o.iterations = iterations;
  o.seed = seed;
  return o;
}
}  // namespace

TEST_CASE("random exploration finds the flagship panic and names the producer") {
  auto report = weft::explore(options_for("random", 500), weft::target_of(flagship()));
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::task_panic);
  CHECK(f.task_name == "producer");
  REQUIRE(report.trace);
  // The trace shows the worker dropped before the producer's failing operation.
  const auto& events = report.trace->events;
  auto worker_drop = std::find_if(events.begin(), events.end(), [&](const weft::TraceEvent& e) {
    return e.kind == weft::EventKind::drop && report.trace->tasks.at(e.task).name == "worker";
  });
  auto panic = std::find_if(events.begin(), events.end(), [](const weft::TraceEvent& e) {
    return e.kind == weft::EventKind::panic;
  });
  REQUIRE(worker_drop != events.end());
  REQUIRE(panic != events.end());
  CHECK(worker_drop < panic);
}

TEST_CASE("the same seed gives a byte-identical trace, run after run and with any --jobs") {
  for (const char* strategy : {"random", "pct"}) {
    auto o = options_for(strategy, 300, 42);
    auto first = weft::explore(o, weft::target_of(flagship()));
    REQUIRE(first.trace);
    const std::string text = weft::write_trace(*first.trace);
    auto again = weft::explore(o, weft::target_of(flagship()));
    CHECK(weft::write_trace(*again.trace) == text);
    o.jobs = 2;
    auto parallel = weft::explore(o, weft::target_of(flagship()));
    REQUIRE(parallel.trace);
    CHECK(weft::write_trace(*parallel.trace) == text);
    CHECK(parallel.executions == first.executions);
    CHECK(parallel.distinct_schedules == first.distinct_schedules);
  }
}

TEST_CASE("a failing execution's seed reruns it alone") {
  auto report = weft::explore(options_for("random", 500, 7), weft::target_of(flagship()));
  REQUIRE(report.failing_execution);
  auto alone =
      weft::explore(options_for("random", 1, report.failing_seed), weft::target_of(flagship()));
  REQUIRE_FALSE(alone.ok());
  CHECK(alone.failures.front().signature() == report.failures.front().signature());
  CHECK(alone.trace->decisions == report.trace->decisions);
}

TEST_CASE("replaying the flagship trace 1000 times gives the same failure 1000 times") {
  auto report = weft::explore(options_for("pct", 100), weft::target_of(flagship()));
  REQUIRE(report.trace);
  const std::string expected = report.failures.front().signature();
  int same = 0;
  for (int i = 0; i < 1000; ++i) {
    auto r = weft::replay(*report.trace, weft::target_of(flagship()), weft::ExploreOptions{});
    if (!r.mismatch && !r.failures.empty() && r.failures.front().signature() == expected) ++same;
  }
  CHECK(same == 1000);
}

TEST_CASE("the flagship in current_thread flavor is clean over its whole space") {
  auto o = options_for("dfs", 1000000);
  o.flavor = weft::Flavor::current_thread;
  o.preemption_bound = -1;
  auto report = weft::explore(o, weft::target_of(flagship()));
  CHECK(report.ok());
  CHECK(report.exhausted);
  CHECK(report.executions > 1);
}

TEST_CASE("shrinking keeps the failure and never grows the schedule") {
  auto report = weft::explore(options_for("random", 500, 3), weft::target_of(flagship()));
  REQUIRE(report.trace);
  auto shrunk = weft::shrink(*report.trace, weft::target_of(flagship()), weft::ExploreOptions{});
  REQUIRE(shrunk.trace.failure);
  CHECK(shrunk.trace.failure->signature() == report.failures.front().signature());
  CHECK(shrunk.decisions_after <= shrunk.decisions_before);
  CHECK(shrunk.preemptions_after <= shrunk.preemptions_before);
  auto replayed = weft::replay(shrunk.trace, weft::target_of(flagship()), weft::ExploreOptions{});
  REQUIRE_FALSE(replayed.failures.empty());
  CHECK(replayed.failures.front().signature() == report.failures.front().signature());
}

TEST_CASE("an endless loop is a hang at the step limit, with the task named") {
  weft::ExploreTarget target{"spinner", weft::Flavor::multi_thread, [] {
                               weft::Runtime rt;
                               rt.block_on([] {
                                 auto h = weft::spawn(
                                     [] {
                                       for (;;) weft::yield_now();
                                     },
                                     "spinner");
                                 h.join();
                               });
                             }};
  auto o = options_for("random", 3);
  o.max_steps = 500;
  auto report = weft::explore(o, target);
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::hang);
  CHECK(f.message.find("step limit of 500") != std::string::npos);
  CHECK(f.describe().find("'spinner'") != std::string::npos);
}

TEST_CASE("a body whose outcome depends on more than the decisions is reported as nondeterminism") {
  static int calls = 0;
  weft::ExploreTarget target{"flaky", weft::Flavor::multi_thread, [] {
                               weft::Runtime rt;
                               rt.block_on([] {
                                 // Fails on the first execution only: replay cannot reproduce.
                                 if (++calls == 1) throw std::runtime_error("only once");
                               });
                             }};
  calls = 0;
  auto report = weft::explore(options_for("random", 5), target);
  REQUIRE_FALSE(report.ok());
  CHECK(report.failures.front().kind == weft::FailureKind::nondeterminism);
}

TEST_CASE("a check failing in the root is a body failure with its location") {
  weft::ExploreTarget target{"root-check", weft::Flavor::multi_thread, [] {
                               weft::Runtime rt;
                               rt.block_on([] { WEFT_CHECK(1 + 1 == 3); });
                             }};
  auto report = weft::explore(options_for("random", 2), target);
  REQUIRE_FALSE(report.ok());
  const weft::Failure& f = report.failures.front();
  CHECK(f.kind == weft::FailureKind::body_failure);
  CHECK(f.message.find("1 + 1 == 3") != std::string::npos);
  CHECK(f.where.file.find("explorer_test.cpp") != std::string::npos);
}

namespace {
// Two tasks add to a counter with a load and a store and no await between: correct on a
// current_thread runtime (a task keeps the CPU until it awaits), a lost update on multi_thread.
void counter_body(std::optional<weft::Flavor> flavor) {
  weft::Runtime rt(weft::RuntimeOptions{.flavor = flavor});
  rt.block_on([] {
    weft::Atomic<int> counter{0};
    auto add = [&counter] {
      const int seen = counter.load();
      counter.store(seen + 1);
    };
    auto a = weft::spawn(add);
    auto b = weft::spawn(add);
    a.join();
    b.join();
    weft::check(counter.load() == 2, "an addition was lost");
  });
}
}  // namespace

TEST_CASE("a runtime that chooses its flavor in code keeps it in every exploration") {
  const weft::ExploreTarget chosen{"current_thread in code", weft::Flavor::multi_thread,
                                   [] { counter_body(weft::Flavor::current_thread); }};
  const weft::ExploreTarget unchosen{"flavor not chosen", weft::Flavor::multi_thread,
                                     [] { counter_body(std::nullopt); }};
  for (const char* strategy : {"random", "pct", "dfs", "dpor", "exhaustive", "dfs-iterative"}) {
    INFO(strategy);
    auto o = options_for(strategy, 2000);
    const weft::ExploreReport clean = weft::explore(o, chosen);
    CHECK(clean.ok());
    // The same code on a runtime that leaves the flavor to the exploration is multi_thread, and
    // the lost update is found: the check above could fail.
    CHECK_FALSE(weft::explore(o, unchosen).ok());
    // --flavor names the flavor of the runtimes that do not choose one, not of this one.
    o.flavor = weft::Flavor::multi_thread;
    CHECK(weft::explore(o, chosen).ok());
  }
  // The runtime says which flavor it runs in, inside an exploration too.
  std::optional<weft::Flavor> seen;
  const weft::ExploreTarget ask{"flavor", weft::Flavor::current_thread, [&seen] {
                                  weft::Runtime rt;
                                  seen = rt.flavor();
                                  rt.block_on([] {});
                                }};
  REQUIRE(weft::explore(options_for("random", 1), ask).ok());
  CHECK(seen == weft::Flavor::current_thread);
  CHECK(weft::Runtime().flavor() == weft::Flavor::multi_thread);
}

TEST_CASE("a runtime whose code raises the step limit keeps it unless --max-steps sets one") {
  // 120,000 scheduling points: more than the default limit, fewer than the code's.
  const weft::ExploreTarget long_run{"long run", weft::Flavor::multi_thread, [] {
                                       weft::Runtime rt(weft::RuntimeOptions{.max_steps = 300'000});
                                       rt.block_on([] {
                                         for (int i = 0; i < 120'000; ++i) weft::yield_now();
                                       });
                                     }};
  auto o = options_for("random", 2);
  CHECK(weft::explore(o, long_run).ok());
  o.max_steps = 50'000;  // set: it applies to every runtime
  const weft::ExploreReport cut = weft::explore(o, long_run);
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.signatures.front().failure.kind == weft::FailureKind::hang);
}

TEST_CASE("a body that never runs weft is told there was nothing to explore") {
  auto has_note = [](const weft::ExploreReport& r) {
    return std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) {
      return n.find("nothing to explore") != std::string::npos;
    });
  };
  int plain = 0;
  const weft::ExploreTarget none{"plain code", weft::Flavor::multi_thread, [&plain] { ++plain; }};
  const weft::ExploreReport empty = weft::explore(options_for("dpor", 100), none);
  CHECK(empty.ok());
  CHECK(has_note(empty));
  CHECK(plain == 1);
  // Plain code that uses weft runs on the implicit root's runtime: explored, no note.
  const weft::ExploreTarget implicit{"implicit root", weft::Flavor::multi_thread, [] {
                                       auto h = weft::spawn([] { return 1; });
                                       weft::check(h.join() == 1);
                                     }};
  const weft::ExploreReport root = weft::explore(options_for("dpor", 100), implicit);
  CHECK(root.ok());
  CHECK_FALSE(has_note(root));
  CHECK_FALSE(has_note(weft::explore(options_for("random", 3), weft::target_of(flagship()))));
}

TEST_CASE("shards split the executions of a run without overlap") {
  auto o = options_for("random", 300, 11);
  o.all_failures = true;
  auto whole = weft::explore(o, weft::target_of(flagship()));
  o.iterations = 150;
  o.shard = "1/2";
  auto first = weft::explore(o, weft::target_of(flagship()));
  o.shard = "2/2";
  auto second = weft::explore(o, weft::target_of(flagship()));
  CHECK(first.executions + second.executions == whole.executions);
  CHECK(first.failing_executions + second.failing_executions == whole.failing_executions);
  REQUIRE(first.failing_execution);
  REQUIRE(second.failing_execution);
  CHECK(*first.failing_execution % 2 == 0);
  CHECK(*second.failing_execution % 2 == 1);
  CHECK(whole.failing_execution == std::min(*first.failing_execution, *second.failing_execution));
}

TEST_CASE("all_failures counts each distinct signature with its lowest failing seed") {
  const weft::ExploreTarget target{"two bugs", weft::Flavor::multi_thread, weft_examples::two_bugs};
  for (std::uint32_t jobs : {1u, 2u}) {
    auto o = options_for("random", 400, 5);
    o.all_failures = true;
    o.jobs = jobs;
    auto report = weft::explore(o, target);
    REQUIRE(report.signatures.size() == 2);  // the watcher's panic and the lost update
    CHECK(report.signatures[0].failure.signature() != report.signatures[1].failure.signature());
    std::uint64_t total = 0;
    for (const weft::FailureSignature& s : report.signatures) {
      total += s.executions;
      CHECK(s.executions >= 1);
      CHECK(s.lowest_seed == weft::execution_seed(o.seed, s.lowest_execution));
      // The lowest seed reruns that failure alone.
      auto again = options_for("random", 1, s.lowest_seed);
      auto rerun = weft::explore(again, target);
      REQUIRE_FALSE(rerun.ok());
      CHECK(rerun.failures.front().signature() == s.failure.signature());
    }
    CHECK(total == report.failing_executions);
    CHECK(report.signatures.front().lowest_execution == *report.failing_execution);
  }
  // Without --all-failures the exploration stops at the first: one signature, counted once.
  auto first = weft::explore(options_for("random", 400, 5), target);
  REQUIRE(first.signatures.size() == 1);
  CHECK(first.signatures.front().executions == 1);
}

TEST_CASE("a time budget stops an exploration early") {
  auto o = options_for("random", 100000000);
  o.time_budget = 0.2;
  auto report = weft::explore(
      o, weft::target_of(*weft::find_scenario("shutdown-producer-worker-stop-on-close")));
  CHECK(report.ok());
  CHECK(report.executions < 100000000);
  CHECK(report.seconds < 5.0);
}

TEST_CASE("a std::thread using the runtime's channel is named as the likely cause of the failure") {
  weft::ExploreOptions options;
  options.iterations = 20;
  weft::ExploreTarget target;
  target.name = "std-thread-sends";
  target.body = [] {
    // The thread and the channel live outside the root task: the thread is joined however the
    // body ends (a deadlock stops the execution), and nothing stays in the stopped task's frame.
    struct Joined {
      std::thread thread;
      ~Joined() {
        if (thread.joinable()) thread.join();
      }
    } sender;
    auto channel = weft::mpsc::unbounded<int>();
    auto& tx = channel.first;
    auto& rx = channel.second;
    weft::Runtime rt;
    rt.block_on([&sender, &tx, &rx] {
      sender.thread = std::thread([tx = std::move(tx)]() mutable { (void)tx.send(1); });
      (void)rx.recv();
    });
  };
  const weft::ExploreReport report = weft::explore(options, target);
  REQUIRE_FALSE(report.ok());
  // The deadlock is found before the thread runs; its explanation names the possibility.
  const std::string text = report.failures.front().describe();
  INFO(text);
  CHECK(text.find("an OS thread that weft does not run (a std::thread") != std::string::npos);
}

TEST_CASE("a std::thread's operation while the runtime runs is named next to the failure") {
  weft::ExploreOptions options;
  options.iterations = 5;
  options.long_poll_ms = 0;  // the root blocks its thread in join on purpose
  weft::ExploreTarget target;
  target.name = "std-thread-sends-while-running";
  target.body = [] {
    weft::Runtime rt;
    rt.block_on([] {
      auto [tx, rx] = weft::mpsc::unbounded<int>();
      std::thread sender([tx = std::move(tx)]() mutable { (void)tx.send(1); });
      // The runtime runs (its root is mid-step) while the thread sends. Not a yield loop: under
      // load the thread may start after the step limit, and the run would end as a hang.
      sender.join();
      weft::check(false, "fails, to be reported");
    });
  };
  const weft::ExploreReport report = weft::explore(options, target);
  REQUIRE_FALSE(report.ok());
  const auto& details = report.failures.front().details;
  INFO(report.failures.front().describe());
  CHECK(std::any_of(details.begin(), details.end(), [](const std::string& d) {
    return d.find(
               "an OS thread that weft does not run (a std::thread?) used this runtime's "
               "objects: it called send at tests/harness/explorer_test.cpp:") == 0;
  }));
}

TEST_CASE("weft's objects used from plain code on another thread, outside any runtime, are fine") {
  // Each --jobs worker runs bodies on its own thread; a channel made and used outside a runtime
  // is plain code, not another thread interfering with a runtime.
  weft::ExploreOptions options;
  options.iterations = 200;
  options.jobs = 2;
  weft::ExploreTarget target;
  target.body = [] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    (void)tx.send(1);
    weft::Runtime rt;
    rt.block_on([rx = std::move(rx)]() mutable { weft::check(rx.recv().value() == 1); });
  };
  const weft::ExploreReport report = weft::explore(options, target);
  CHECK(report.ok());
}

TEST_CASE("a trace replayed against another program is refused; against the same one it is not") {
  auto program = [](const char* first, const char* second) {
    return [first, second] {
      weft::Runtime rt;
      rt.block_on([first, second] {
        int winner = 0;
        auto a = weft::spawn([&winner] { weft::yield_now(), winner = winner ? winner : 1; }, first);
        auto b =
            weft::spawn([&winner] { weft::yield_now(), winner = winner ? winner : 2; }, second);
        a.join();
        b.join();
        weft::check(winner == 1);
      });
    };
  };
  weft::ExploreTarget recorded{"recorded", weft::Flavor::multi_thread, program("a", "b")};
  const weft::ExploreReport report = weft::explore(options_for("random", 200), recorded);
  REQUIRE(report.trace);
  // The same program (the same tasks, operations and file) replays it.
  CHECK_FALSE(weft::replay(*report.trace, recorded, weft::ExploreOptions{}).mismatch);
  // Another program whose decisions happen to fit (same shape, other tasks) is refused.
  weft::ExploreTarget other{"other", weft::Flavor::multi_thread, program("reader", "writer")};
  const weft::ReplayResult wrong = weft::replay(*report.trace, other, weft::ExploreOptions{});
  REQUIRE(wrong.mismatch);
  CHECK(wrong.mismatch->find("recorded from another program") != std::string::npos);
  CHECK(wrong.mismatch->find("'reader'") != std::string::npos);
  // Decisions the execution never asks for do not fit either (trailing default answers may be
  // left out, so a shorter list is not refused).
  weft::Trace longer = *report.trace;
  longer.decisions.push_back(longer.decisions.back());
  const weft::ReplayResult extra = weft::replay(longer, recorded, weft::ExploreOptions{});
  REQUIRE(extra.mismatch);
  CHECK(extra.mismatch->find("the execution ended after") != std::string::npos);
}

TEST_CASE("a tree search on several threads gives the one-thread result, whatever --jobs") {
  const weft::ExploreTarget two_bugs{"two bugs", weft::Flavor::multi_thread,
                                     weft_examples::two_bugs};
  // Two tasks bump a counter with a load and a store while `others` tasks store to an atomic
  // (their own, or one they share, whose orders DPOR tells apart): a lost update needs one
  // preemption, so dfs-iterative finds it in bound 1 and exhaustive in its bound-1 pass, after
  // the hundreds of non-preemptive orders of bound 0.
  auto lost_update = [](int others, bool shared) {
    return weft::ExploreTarget{"a lost update among others", weft::Flavor::multi_thread, [=] {
                                 weft::Runtime rt;
                                 rt.block_on([=] {
                                   auto counter = std::make_shared<weft::Atomic<int>>(0);
                                   auto common = std::make_shared<weft::Atomic<int>>(0);
                                   auto bump = [counter] {
                                     const int seen = counter->load();
                                     counter->store(seen + 1);
                                   };
                                   std::vector<weft::JoinHandle<void>> tasks;
                                   for (int i = 0; i < others; ++i)
                                     tasks.push_back(weft::spawn([common, shared, i] {
                                       weft::Atomic<int> own(0);
                                       weft::Atomic<int>& target = shared ? *common : own;
                                       target.store(i);
                                       target.store(i + 1);
                                     }));
                                   tasks.push_back(weft::spawn(bump, "a"));
                                   tasks.push_back(weft::spawn(bump, "b"));
                                   for (auto& t : tasks) t.join();
                                   WEFT_CHECK(counter->load() == 2);
                                 });
                               }};
  };
  struct Case {
    const char* what;
    weft::ExploreTarget target;
    const char* strategy;
    std::uint64_t iterations;
    bool all_failures;
    int preemption_bound = 2;
  };
  auto scenario = [](const char* name) { return weft::target_of(*weft::find_scenario(name)); };
  const std::vector<Case> cases{
      {"a bug found late", scenario("select-shutdown-drops-queued-jobs"), "dfs", 100000, false},
      {"a clean space covered", scenario("select-shutdown-drains-queue"), "dfs", 100000, false},
      {"the budget ends it", scenario("select-shutdown-drains-queue"), "dfs", 3000, false},
      {"every failure counted", two_bugs, "dfs", 1500, true},
      {"delay bounding, a bug", scenario("select-shutdown-drops-queued-jobs"), "delay-bounded",
       100000, false},
      {"delay bounding, clean", scenario("select-shutdown-drains-queue"), "delay-bounded", 100000,
       false},
      // DPOR splits at its full decisions (--split-depth: the same on one thread and on many).
      {"dpor, a bug", scenario("select-shutdown-drops-queued-jobs"), "dpor", 100000, false},
      {"dpor, clean", scenario("graceful-shutdown-tracker-wait"), "dpor", 100000, false},
      {"dpor, the budget ends it", scenario("graceful-shutdown-tracker-wait"), "dpor", 700, false},
      {"dpor, every failure counted", two_bugs, "dpor", 100000, true},
      {"dpor-source, clean", scenario("select-shutdown-drains-queue"), "dpor-source", 100000,
       false},
      {"dpor-bounded, a bug", scenario("select-shutdown-drops-queued-jobs"), "dpor-bounded", 100000,
       false, 1},
      {"dpor-bounded, clean", scenario("task-leak-shutdown-signal"), "dpor-bounded", 100000, false,
       1},
      {"exhaustive, a bug", scenario("select-shutdown-drops-queued-jobs"), "exhaustive", 100000,
       false},
      {"exhaustive, clean", scenario("graceful-shutdown-tracker-wait"), "exhaustive", 100000,
       false},
      // Each bound of dfs-iterative is built from what every part of the one before refused.
      {"dfs-iterative, a bug in bound 1", lost_update(3, false), "dfs-iterative", 100000, false,
       -1},
      {"dfs-iterative, clean, to the end", scenario("send-after-close-stops"), "dfs-iterative",
       100000, false, -1},
      {"dfs-iterative, the budget cuts a bound", scenario("task-leak-shutdown-signal"),
       "dfs-iterative", 5000, false, -1},
      {"dfs-iterative, every failure counted", two_bugs, "dfs-iterative", 1500, true, -1},
      {"dfs-iterative, the last bound caps", scenario("task-leak-shutdown-signal"), "dfs-iterative",
       100000, false, 2},
      // exhaustive goes on to its next pass after what every part of the last one refused.
      {"exhaustive, a bug in a bounded pass", lost_update(5, true), "exhaustive", 100000, false},
      {"exhaustive, clean through its bounded passes",
       scenario("shutdown-producer-worker-stop-on-close"), "exhaustive", 100000, false},
  };
  // The new cases exercise what they are meant to (on one thread; the others must agree).
  constexpr std::int64_t kAll = std::numeric_limits<std::int64_t>::max();
  const std::map<std::string, std::function<bool(const weft::ExploreReport&)>> meant{
      {"dfs-iterative, a bug in bound 1",
       [](const auto& r) { return r.covered_bound == 0 && r.failing_execution > 1000u; }},
      {"dfs-iterative, clean, to the end",
       [&](const auto& r) { return r.exhausted && r.covered_bound == kAll && r.ok(); }},
      {"dfs-iterative, the budget cuts a bound",
       [](const auto& r) { return !r.exhausted && r.covered_bound == 1; }},
      {"dfs-iterative, every failure counted",
       [](const auto& r) { return r.failing_executions > 1 && r.signatures.size() == 2; }},
      {"dfs-iterative, the last bound caps",
       [](const auto& r) { return r.exhausted && r.covered_bound == 2; }},
      {"exhaustive, a bug in a bounded pass",
       [](const auto& r) { return r.covered_bound == 0 && r.failing_execution > 100u; }},
      {"exhaustive, clean through its bounded passes",
       [&](const auto& r) { return r.exhausted && r.covered_bound == kAll && r.ok(); }},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto o = options_for(c.strategy, c.iterations);
    o.all_failures = c.all_failures;
    o.preemption_bound = c.preemption_bound;
    o.split_depth = static_cast<std::int32_t>(weft::DporOptions::kJobsSplitDepth);
    const weft::ExploreReport one = weft::explore(o, c.target);
    CHECK(one.tree_parts == 0);
    if (const auto it = meant.find(c.what); it != meant.end()) CHECK(it->second(one));
    for (unsigned jobs : {2u, 4u}) {
      o.jobs = jobs;
      const weft::ExploreReport many = weft::explore(o, c.target);
      INFO("--jobs " << jobs);
      CHECK(many.tree_parts >= 1);
      CHECK(many.executions == one.executions);
      CHECK(many.distinct_schedules == one.distinct_schedules);
      CHECK(many.exhausted == one.exhausted);
      CHECK(many.covered_bound == one.covered_bound);
      CHECK(many.failing_execution == one.failing_execution);
      CHECK(many.failing_executions == one.failing_executions);
      REQUIRE(many.signatures.size() == one.signatures.size());
      for (std::size_t i = 0; i < one.signatures.size(); ++i) {
        CHECK(many.signatures[i].failure.signature() == one.signatures[i].failure.signature());
        CHECK(many.signatures[i].lowest_execution == one.signatures[i].lowest_execution);
        CHECK(many.signatures[i].executions == one.signatures[i].executions);
      }
      REQUIRE(many.trace.has_value() == one.trace.has_value());
      if (one.trace) CHECK(weft::write_trace(*many.trace) == weft::write_trace(*one.trace));
    }
  }
  // The cases exercise what they are meant to.
  auto o = options_for("dfs", 100000);
  o.jobs = 4;
  const weft::ExploreReport clean = weft::explore(o, scenario("select-shutdown-drains-queue"));
  CHECK(clean.exhausted);
  CHECK(clean.tree_parts > 4);  // the tree was really cut
  auto late = weft::explore(o, scenario("select-shutdown-drops-queued-jobs"));
  REQUIRE(late.failing_execution);
  CHECK(*late.failing_execution > 100);
  o.iterations = 3000;
  CHECK_FALSE(weft::explore(o, scenario("select-shutdown-drains-queue")).exhausted);
  // DPOR's split really cuts the tree, and --jobs alone chooses the split depth.
  o = options_for("dpor", 100000);
  o.jobs = 2;
  const weft::ExploreReport classes = weft::explore(o, scenario("graceful-shutdown-tracker-wait"));
  CHECK(classes.exhausted);
  CHECK(classes.tree_parts >= 2);  // the second thread asks for a part from its start
  CHECK(classes.strategy == "dpor split depth 4");
  o.jobs = 3;
  CHECK(weft::explore(o, scenario("graceful-shutdown-tracker-wait")).executions ==
        classes.executions);
  const weft::ExploreReport bug = weft::explore(o, scenario("select-shutdown-drops-queued-jobs"));
  REQUIRE(bug.trace);
  CHECK(bug.trace->strategy_parameters.value("split_depth", 0) == 4);
}

TEST_CASE("a tree search with --jobs under --isolate says it ran on one thread") {
  // Every tree search of weft splits; --isolate forks each execution from the strategy's state,
  // so a tree search runs its executions one at a time, and the report says so.
  auto o = options_for("dfs-iterative", 20);
  o.jobs = 2;
  o.isolate = true;
  const weft::ExploreReport report =
      weft::explore(o, weft::target_of(*weft::find_scenario("lock-order-consistent")));
  REQUIRE_FALSE(report.notes.empty());
  CHECK(report.notes.back().find("ran on one thread") != std::string::npos);
  CHECK(report.notes.back().find("--isolate") != std::string::npos);
  CHECK(report.tree_parts == 0);
  CHECK(report.executions == 20);
}

TEST_CASE("DPOR split under selects and chosen values gives the one-thread result, run after run") {
  // A schedule decision's recorded step runs on through value decisions (a select's tie, a
  // chosen value) to the next schedule decision; a part split off before those had run their
  // last answer took whichever version the last execution left, so the sleep sets, and the
  // executions, depended on when the second thread asked (425 executions on one thread, 376 to
  // 425 on two or three).
  const auto select_loop = [] {
    weft::Runtime rt;
    rt.block_on([] {
      weft::CancellationToken token;
      auto [tx, rx] = weft::mpsc::unbounded<int>();
      auto consumer = weft::spawn(
          [&rx = rx, t = token.child_token()] {
            for (bool run = true; run;)
              weft::select(weft::branch(weft::when::recv(rx),
                                        [&](std::optional<int> v) { run = v.has_value(); }),
                           weft::branch(weft::when::cancelled(t), [&] { run = false; }));
          },
          "consumer");
      auto producer = weft::spawn(
          [tx = std::move(tx)]() mutable {
            (void)tx.send(1);
            (void)tx.send(2);
          },
          "producer");
      token.cancel();
      producer.join();
      consumer.join();
    });
  };
  const auto chosen = [] {
    weft::Runtime rt;
    rt.block_on([] {
      auto m = std::make_shared<weft::Mutex<int>>(0);
      std::vector<weft::JoinHandle<void>> tasks;
      for (int t = 0; t < 2; ++t)
        tasks.push_back(weft::spawn([m] {
          for (int r = 0; r < 2; ++r) *m->lock() += static_cast<int>(weft::choose(2)) + 1;
        }));
      for (auto& h : tasks) h.join();
    });
  };
  for (const auto& [what, body] : {std::pair{"select loop", +select_loop}, {"choose", +chosen}}) {
    INFO(what);
    auto o = options_for("dpor", 20000);
    o.split_depth = 64;
    const weft::ExploreTarget target{what, weft::Flavor::multi_thread, body};
    const weft::ExploreReport one = weft::explore(o, target);
    REQUIRE(one.exhausted);
    CHECK(one.executions > 100);  // deep enough to split below the value decisions
    for (int run = 0; run < 10; ++run)
      for (unsigned jobs : {2u, 3u}) {
        o.jobs = jobs;
        const weft::ExploreReport many = weft::explore(o, target);
        INFO("--jobs " << jobs << ", run " << run);
        CHECK(many.executions == one.executions);
        CHECK(many.exhausted);
      }
  }
}
