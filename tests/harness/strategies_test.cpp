// Strategies on synthetic decision trees and a small task model (no runtime): DFS coverage and
// bounds, PCT's priorities and bug-finding rate, determinism per seed, replay, bytes, factory.
#include "weft/harness/strategies.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "weft/harness/decision.hpp"
#include "weft/harness/random.hpp"

using namespace weft;

namespace {

// A synthetic program: asks its decisions through a chooser.
using Program = std::function<void(Chooser&)>;
using Schedule = std::vector<Decision>;

std::vector<Candidate> tasks(std::size_t n, Op op = Op::yield) {
  std::vector<Candidate> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(Candidate{static_cast<TaskId>(i), op, 0});
  return out;
}

std::size_t ask(Chooser& chooser, DecisionKind kind, std::size_t n, bool first_is_current = false,
                std::uint64_t step = 0) {
  auto candidates = tasks(n, kind == DecisionKind::shutdown ? Op::drop : Op::yield);
  std::size_t pick = chooser.choose(kind, candidates, DecisionContext{step, first_is_current});
  REQUIRE(pick < n);
  return pick;
}

// Runs executions until the strategy declines or `limit` is reached; returns each schedule.
std::vector<Schedule> run_all(Strategy& strategy, const Program& program,
                              std::uint64_t limit = 100000, std::uint64_t base_seed = 1) {
  std::vector<Schedule> out;
  for (std::uint64_t i = 0; i < limit; ++i) {
    if (!strategy.begin_execution(i, execution_seed(base_seed, i))) break;
    RecordingChooser recorder(strategy);
    program(recorder);
    ExecutionSummary summary;
    summary.decisions = recorder.decisions().size();
    strategy.end_execution(summary);
    out.push_back(recorder.take());
  }
  return out;
}

Schedule run_one(Strategy& strategy, const Program& program, std::uint64_t index,
                 std::uint64_t seed) {
  REQUIRE(strategy.begin_execution(index, seed));
  RecordingChooser recorder(strategy);
  program(recorder);
  strategy.end_execution(ExecutionSummary{});
  return recorder.take();
}

std::vector<std::uint32_t> indices(const Schedule& s) {
  std::vector<std::uint32_t> out;
  for (const Decision& d : s) out.push_back(d.index);
  return out;
}

std::size_t distinct(const std::vector<Schedule>& schedules) {
  std::set<std::vector<std::uint32_t>> seen;
  for (const auto& s : schedules) seen.insert(indices(s));
  return seen.size();
}

std::size_t preemptions(const Schedule& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](const Decision& d) { return d.preemption; }));
}

// --- A small task model, scheduled the way the runtime schedules --------------------------------
// multi_thread: a task runs one operation, then at its next scheduling point it may be preempted
// (a schedule decision with itself as candidate 0); when it finishes, a pick among the runnable.
// current_thread: a task runs until its next operation is a yield (then goes to the back of the
// queue) or it finishes; only picks are decisions. Every scheduling point counts a step.

struct ModelStep {
  Op op = Op::rmw;
  ObjectId object = 1;
};
using Model = std::vector<std::vector<ModelStep>>;
struct Ran {
  TaskId task;
  std::size_t index;
  friend bool operator==(const Ran&, const Ran&) = default;
  friend auto operator<=>(const Ran&, const Ran&) = default;
};

std::vector<Ran> simulate(const Model& model, Chooser& chooser, bool current_thread = false) {
  std::vector<std::size_t> pos(model.size(), 0);
  std::vector<TaskId> queue;
  for (TaskId t = 0; t < model.size(); ++t)
    if (!model[t].empty()) queue.push_back(t);
  auto candidate = [&](TaskId t) {
    return Candidate{t, model[t][pos[t]].op, model[t][pos[t]].object};
  };
  std::vector<Ran> trace;
  std::uint64_t step = 0;
  TaskId current = kNoTask;
  while (true) {
    if (current == kNoTask) {
      if (queue.empty()) break;
      std::size_t pick = 0;
      if (queue.size() >= 2) {
        std::vector<Candidate> cands;
        for (TaskId t : queue) cands.push_back(candidate(t));
        pick = chooser.choose(DecisionKind::schedule, cands, DecisionContext{step, false});
      }
      current = queue[pick];
      queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(pick));
    }
    trace.push_back(Ran{current, pos[current]});
    if (++pos[current] == model[current].size()) {
      current = kNoTask;
      continue;
    }
    ++step;
    if (current_thread) {
      if (model[current][pos[current]].op == Op::yield) {
        queue.push_back(current);
        current = kNoTask;
      }
      continue;
    }
    if (queue.empty()) continue;
    std::vector<Candidate> cands{candidate(current)};
    for (TaskId t : queue) cands.push_back(candidate(t));
    std::size_t pick = chooser.choose(DecisionKind::schedule, cands, DecisionContext{step, true});
    if (pick != 0) {
      TaskId next = queue[pick - 1];
      queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(pick - 1));
      queue.push_back(current);
      current = next;
    }
  }
  return trace;
}

// Two steps conflict unless both act on one object each and the objects differ (the same rule as
// the DFS's sleep sets; yield/spawn/... conflict with everything).
bool conflict(const ModelStep& a, const ModelStep& b) {
  auto single = [](const ModelStep& s) {
    return s.object != kNoObject && s.op != Op::yield && s.op != Op::spawn && s.op != Op::join &&
           s.op != Op::start && s.op != Op::sleep && s.op != Op::abort && s.op != Op::drop;
  };
  return !single(a) || !single(b) || a.object == b.object;
}

// The Mazurkiewicz trace of an execution: the order of every conflicting pair of steps.
std::vector<std::pair<Ran, Ran>> trace_class(const Model& model, const std::vector<Ran>& events) {
  std::vector<std::pair<Ran, Ran>> order;
  for (std::size_t i = 0; i < events.size(); ++i)
    for (std::size_t j = i + 1; j < events.size(); ++j) {
      const Ran& a = events[i];
      const Ran& b = events[j];
      if (a.task != b.task && conflict(model[a.task][a.index], model[b.task][b.index]))
        order.emplace_back(a, b);
    }
  std::sort(order.begin(), order.end());
  return order;
}

struct ModelRuns {
  std::set<std::vector<std::pair<Ran, Ran>>> classes;
  std::size_t executions = 0;
  // Executions that sleep sets did not mark redundant, and their classes.
  std::size_t useful_executions = 0;
  std::set<std::vector<std::pair<Ran, Ran>>> useful_classes;
  std::set<std::vector<Ran>> traces;
};

ModelRuns explore_model(Dfs& dfs, const Model& model, bool current_thread = false) {
  ModelRuns runs;
  for (std::uint64_t i = 0; dfs.begin_execution(i, 0); ++i) {
    const std::uint64_t redundant_before = dfs.redundant_executions();
    auto events = simulate(model, dfs, current_thread);
    dfs.end_execution(ExecutionSummary{});
    ++runs.executions;
    auto cls = trace_class(model, events);
    if (dfs.redundant_executions() == redundant_before) {
      ++runs.useful_executions;
      runs.useful_classes.insert(cls);
    }
    runs.classes.insert(std::move(cls));
    runs.traces.insert(events);
  }
  return runs;
}

// Position of task t's step i in an execution.
std::size_t position(const std::vector<Ran>& events, TaskId t, std::size_t i) {
  return static_cast<std::size_t>(std::find(events.begin(), events.end(), Ran{t, i}) -
                                  events.begin());
}

Program tree_2_3_2 = [](Chooser& c) {
  ask(c, DecisionKind::value, 2);
  ask(c, DecisionKind::value, 3);
  ask(c, DecisionKind::value, 2);
};

// Candidate counts depend on earlier answers: 0 -> one more of 2; 1 -> none; 2 -> 4 then 2.
// Leaves: 2 + 1 + 4 * 2 = 11.
Program dependent_tree = [](Chooser& c) {
  std::size_t first = ask(c, DecisionKind::schedule, 3);
  if (first == 0) ask(c, DecisionKind::schedule, 2);
  if (first == 2) {
    ask(c, DecisionKind::timer_tie, 4);
    ask(c, DecisionKind::spurious, 2);
  }
};

// A program mixing every kind, whose shape depends on the answers.
Program mixed = [](Chooser& c) {
  std::uint64_t step = 0;
  for (int round = 0; round < 6; ++round) {
    std::size_t n = 2 + (round % 3);
    std::size_t a = ask(c, DecisionKind::schedule, n, round % 2 == 1, ++step);
    if (a == 1) ask(c, DecisionKind::timer_tie, 3, false, step);
    if (a == 0) ask(c, DecisionKind::value, 5, false, step);
  }
  for (std::size_t left = 4; left >= 2; --left) ask(c, DecisionKind::shutdown, left, false, ++step);
  ask(c, DecisionKind::spurious, 2, false, step);
};

const Model two_by_two = {{{Op::rmw, 1}, {Op::rmw, 1}}, {{Op::rmw, 1}, {Op::rmw, 1}}};

}  // namespace

// --- Decision records ----------------------------------------------------------------------------

TEST_CASE("RecordingChooser records kind, index, count, task and preemption") {
  struct Fixed : Chooser {
    std::size_t answer;
    std::size_t choose(DecisionKind, const Candidates&, const DecisionContext&) override {
      return answer;
    }
  } inner;
  RecordingChooser recorder(inner);
  std::vector<Candidate> cands{{4, Op::lock, 2}, {7, Op::send, 3}, {9, Op::recv, 3}};
  inner.answer = 1;
  CHECK(recorder.choose(DecisionKind::schedule, cands, {10, true}) == 1);
  inner.answer = 2;
  CHECK(recorder.choose(DecisionKind::schedule, cands, {11, false}) == 2);
  inner.answer = 0;
  CHECK(recorder.choose(DecisionKind::schedule, cands, {12, true}) == 0);
  inner.answer = 99;  // clamped like the runtime clamps
  CHECK(recorder.choose(DecisionKind::shutdown, cands, {13, false}) == 2);
  REQUIRE(recorder.decisions().size() == 4);
  CHECK(recorder.decisions()[0] == Decision{DecisionKind::schedule, 1, 3, 7, true});
  CHECK(recorder.decisions()[1] == Decision{DecisionKind::schedule, 2, 3, 9, false});
  CHECK(recorder.decisions()[2] == Decision{DecisionKind::schedule, 0, 3, 4, false});
  CHECK(recorder.decisions()[3] == Decision{DecisionKind::shutdown, 2, 3, 9, false});
  auto taken = recorder.take();
  CHECK(taken.size() == 4);
  CHECK(recorder.decisions().empty());
}

TEST_CASE("Decision JSON round-trips and bare indices parse") {
  std::vector<Decision> list{{DecisionKind::schedule, 1, 3, 7, true},
                             {DecisionKind::timer_tie, 0, 2, kNoTask, false},
                             {DecisionKind::value, 4, 5, 0, false}};
  nlohmann::json j = decisions_to_json(list);
  CHECK(j[0] == nlohmann::json::parse(
                    R"({"kind":"schedule","index":1,"of":3,"task":7,"preemption":true})"));
  CHECK(j[1]["task"].is_null());
  auto back = decisions_from_json(j);
  REQUIRE(back);
  CHECK(*back == list);
  CHECK(j[2].get<Decision>() == list[2]);

  auto bare = decisions_from_json(nlohmann::json::parse("[0, 2, 1]"));
  REQUIRE(bare);
  REQUIRE(bare->size() == 3);
  CHECK((*bare)[1].index == 2);
  CHECK((*bare)[1].candidates == 0);

  std::string error;
  CHECK_FALSE(
      decisions_from_json(nlohmann::json::parse(R"([0, {"kind":"nope","index":0}])"), &error));
  CHECK(error == "decision 1: unknown decision kind \"nope\"");
  CHECK_FALSE(decisions_from_json(nlohmann::json::parse(R"([{"index":3,"of":2}])"), &error));
  CHECK(error == "decision 0: index 3 is not below \"of\" 2");
  CHECK_FALSE(decisions_from_json(nlohmann::json::parse(R"({"index":0})"), &error));
  CHECK_FALSE(decisions_from_json(nlohmann::json::parse(R"([{"kind":"value"}])"), &error));
  CHECK(error == "decision 0: missing \"index\"");
  CHECK_THROWS_AS(nlohmann::json::parse(R"({"index":-1})").get<Decision>(),
                  nlohmann::json::exception);
  CHECK(parse_decision_kind("shutdown") == DecisionKind::shutdown);
  CHECK_FALSE(parse_decision_kind("Shutdown"));
}

// --- Random walk ---------------------------------------------------------------------------------

TEST_CASE("random walk: same seed, same schedule; other seeds differ; roughly uniform") {
  RandomWalk a, b;
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xDEADBEEFULL}) {
    CHECK(run_one(a, mixed, 0, seed) == run_one(b, mixed, 0, seed));
  }
  std::set<std::vector<std::uint32_t>> seen;
  for (std::uint64_t seed = 0; seed < 50; ++seed) seen.insert(indices(run_one(a, mixed, 0, seed)));
  CHECK(seen.size() >= 45);

  std::map<std::size_t, int> counts;
  for (std::uint64_t seed = 0; seed < 4000; ++seed) {
    a.begin_execution(0, seed);
    ++counts[ask(a, DecisionKind::schedule, 4)];
  }
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(counts[i] > 850);
    CHECK(counts[i] < 1150);
  }
  CHECK(a.name() == "random");
  CHECK(a.parameters() == nlohmann::json::object());
  CHECK(a.independent_executions());
}

TEST_CASE("seeded strategies depend only on the seed, never on earlier executions") {
  for (auto name : {"random", "pct"}) {
    auto forward = make_strategy(name, nullptr);
    auto backward = forward->clone();
    std::map<std::uint64_t, Schedule> first;
    for (std::uint64_t i = 0; i < 20; ++i)
      first[i] = run_one(*forward, mixed, i, execution_seed(7, i));
    for (std::uint64_t i = 20; i-- > 0;)
      CHECK(run_one(*backward, mixed, i, execution_seed(7, i)) == first[i]);
  }
}

// --- PCT -----------------------------------------------------------------------------------------

TEST_CASE("pct: change points are d-1 distinct values in [1, k]") {
  for (int depth : {1, 2, 3, 5}) {
    Pct pct(PctOptions{depth, 10});
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
      pct.begin_execution(0, seed);
      auto points = pct.change_points();
      CHECK(points.size() == static_cast<std::size_t>(depth - 1));
      std::set<std::uint64_t> unique(points.begin(), points.end());
      CHECK(unique.size() == points.size());
      for (auto p : points) {
        CHECK(p >= 1);
        CHECK(p <= 10);
      }
    }
  }
  Pct few(PctOptions{5, 2});  // more change points than steps: every step is one
  few.begin_execution(0, 3);
  CHECK(few.change_points().size() == 2);
}

TEST_CASE("pct: runs the highest-priority candidate; priorities distinct above change points") {
  Pct pct(PctOptions{1, 100});
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    pct.begin_execution(0, seed);
    // Tasks appear over time (dynamic creation) and come and go from the candidate list.
    for (std::uint32_t round = 0; round < 12; ++round) {
      std::vector<Candidate> cands;
      for (TaskId t = 0; t <= round / 2 + 1; ++t)
        if ((t + round) % 3 != 0 || t == 0) cands.push_back(Candidate{t, Op::yield, 0});
      if (cands.size() < 2) continue;
      std::size_t pick = pct.choose(DecisionKind::schedule, cands, {round, round % 2 == 0});
      for (const Candidate& c : cands)
        CHECK(*pct.priority(c.task) <= *pct.priority(cands[pick].task));
    }
    std::set<std::uint64_t> priorities;
    for (TaskId t = 0; t <= 6; ++t) {
      auto p = pct.priority(t);
      REQUIRE(p);
      CHECK(*p >= (std::uint64_t{1} << 62));
      priorities.insert(*p);
    }
    CHECK(priorities.size() == 7);
    CHECK_FALSE(pct.priority(7));  // never a candidate
  }
}

TEST_CASE("pct with depth 1 never switches away from a runnable task") {
  const Model model = {std::vector<ModelStep>(5), std::vector<ModelStep>(5),
                       std::vector<ModelStep>(5)};
  Pct pct(PctOptions{1, 20});
  std::set<std::vector<Ran>> orders;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    pct.begin_execution(0, seed);
    RecordingChooser recorder(pct);
    auto events = simulate(model, recorder);
    CHECK(preemptions(recorder.decisions()) == 0);
    // Each task runs to completion in one stretch, in decreasing priority order.
    for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].task == events[i / 5 * 5].task);
    CHECK(*pct.priority(events[0].task) > *pct.priority(events[5].task));
    CHECK(*pct.priority(events[5].task) > *pct.priority(events[10].task));
    orders.insert(events);
  }
  CHECK(orders.size() == 6);  // all 3! priority orders occur
}

TEST_CASE("pct: a change point demotes the running task") {
  const Model model = {std::vector<ModelStep>(3), std::vector<ModelStep>(3)};
  // k = 1: the change point is decision 1, a pick: the chosen task X is demoted, runs one step,
  // and is preempted at its next scheduling point. k = 2: change point 2 is that scheduling point
  // (X is candidate 0): X is demoted before choosing. Both give X Y Y Y X X.
  for (std::uint64_t steps : {1, 2}) {
    Pct pct(PctOptions{2, steps});
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
      pct.begin_execution(0, seed);
      RecordingChooser recorder(pct);
      auto events = simulate(model, recorder);
      const TaskId x = events[0].task, y = 1 - x;
      std::vector<TaskId> order;
      for (const Ran& e : events) order.push_back(e.task);
      CHECK(order == std::vector<TaskId>{x, y, y, y, x, x});
      CHECK(*pct.priority(x) == 1);  // d - i with d = 2, i = 1
      CHECK(recorder.decisions()[1].preemption);
    }
  }
}

TEST_CASE("pct finds a depth-2 bug at least at the guaranteed rate 1/(n k^(d-1))") {
  // Bug: task B's first step runs between A's steps 5 and 6 (an ordering constraint plus a
  // preemption at one exact point). n = 2, k = 20 schedule decisions, d = 2: bound 1/40.
  const Model model = {std::vector<ModelStep>(10), std::vector<ModelStep>(10)};
  auto bug = [](const std::vector<Ran>& e) {
    const auto b0 = position(e, 1, 0);
    return position(e, 0, 5) < b0 && b0 < position(e, 0, 6);
  };
  constexpr int kRuns = 4000;
  Pct pct(PctOptions{2, 20});
  int pct_hits = 0;
  for (std::uint64_t i = 0; i < kRuns; ++i) {
    pct.begin_execution(i, execution_seed(1, i));
    pct_hits += bug(simulate(model, pct));
  }
  RandomWalk walk;
  int walk_hits = 0;
  for (std::uint64_t i = 0; i < kRuns; ++i) {
    walk.begin_execution(i, execution_seed(1, i));
    walk_hits += bug(simulate(model, walk));
  }
  INFO("pct " << pct_hits << ", random walk " << walk_hits << " of " << kRuns);
  // Exactly 1/40 here (A first, change point at decision 7): expect 100, sd ~10.
  CHECK(pct_hits >= kRuns / 40 * 6 / 10);
  CHECK(pct_hits <= kRuns / 40 * 2);
  CHECK(pct_hits > 2 * walk_hits);  // the random walk needs 7 lucky coin flips: 1/128
}

TEST_CASE("pct: non-schedule decisions are uniform, parameters echo") {
  Pct pct(PctOptions{3, 50});
  std::map<std::size_t, int> counts;
  for (std::uint64_t seed = 0; seed < 3000; ++seed) {
    pct.begin_execution(0, seed);
    ++counts[ask(pct, DecisionKind::shutdown, 3)];
  }
  for (std::size_t i = 0; i < 3; ++i) CHECK(counts[i] > 850);
  CHECK(pct.name() == "pct");
  CHECK(pct.parameters() == nlohmann::json{{"depth", 3}, {"steps", 50}});
  CHECK(pct.independent_executions());
}

// --- DFS -----------------------------------------------------------------------------------------

TEST_CASE("dfs enumerates every leaf of a decision tree once, then is exhausted") {
  SECTION("fixed tree 2 x 3 x 2") {
    Dfs dfs;
    auto schedules = run_all(dfs, tree_2_3_2);
    CHECK(schedules.size() == 12);
    CHECK(distinct(schedules) == 12);
    CHECK(dfs.exhausted());
    CHECK(dfs.executions() == 12);
    CHECK_FALSE(dfs.begin_execution(12, 0));
    CHECK_FALSE(dfs.nondeterminism());
    CHECK(indices(schedules.front()) == std::vector<std::uint32_t>{0, 0, 0});
    CHECK(indices(schedules.back()) == std::vector<std::uint32_t>{1, 2, 1});
  }
  SECTION("shape depends on earlier answers") {
    Dfs dfs;
    auto schedules = run_all(dfs, dependent_tree);
    CHECK(schedules.size() == 11);
    CHECK(distinct(schedules) == 11);
    CHECK(dfs.exhausted());
  }
  SECTION("a program without decisions is one execution") {
    Dfs dfs;
    CHECK(run_all(dfs, [](Chooser&) {}).size() == 1);
    CHECK(dfs.exhausted());
  }
  SECTION("max_executions stops early without claiming exhaustion") {
    Dfs dfs(DfsOptions{2, 5, false});
    CHECK(run_all(dfs, tree_2_3_2).size() == 5);
    CHECK_FALSE(dfs.exhausted());
  }
}

TEST_CASE("dfs: the preemption bound prunes exactly the schedules above it") {
  // Two tasks of two steps: AABB BBAA (0 preemptions), ABBA BAAB (1), ABAB BABA (2).
  const std::map<int, std::size_t> expected{{0, 2}, {1, 4}, {2, 6}, {3, 6}, {-1, 6}};
  for (auto [bound, count] : expected) {
    Dfs dfs(DfsOptions{bound, 0, false});
    std::set<std::vector<Ran>> orders;
    std::uint64_t i = 0;
    for (; dfs.begin_execution(i, 0); ++i) {
      RecordingChooser recorder(dfs);
      orders.insert(simulate(two_by_two, recorder));
      dfs.end_execution(ExecutionSummary{});
      if (bound >= 0) CHECK(preemptions(recorder.decisions()) <= static_cast<std::size_t>(bound));
    }
    INFO("bound " << bound);
    CHECK(i == count);
    CHECK(orders.size() == count);
    CHECK(dfs.exhausted());
  }
  CHECK(Dfs(DfsOptions{-5, 0, false}).parameters()["preemption_bound"] == -1);
}

TEST_CASE(
    "dfs explores shutdown, timer-tie and value decisions fully at bound 0; spurious ones cost a "
    "preemption") {
  // A preemption point with 3 candidates, then the drop order of 3 tasks (3 x 2 choices).
  Program program = [](Chooser& c) {
    ask(c, DecisionKind::schedule, 3, true, 1);
    ask(c, DecisionKind::shutdown, 3, false, 2);
    ask(c, DecisionKind::shutdown, 2, false, 3);
  };
  Dfs bounded(DfsOptions{0, 0, false});
  auto schedules = run_all(bounded, program);
  CHECK(schedules.size() == 6);
  std::set<std::vector<std::uint32_t>> drop_orders;
  for (const auto& s : schedules) {
    CHECK(s[0].index == 0);
    drop_orders.insert({s[1].index, s[2].index});
  }
  CHECK(drop_orders.size() == 6);
  Dfs unbounded(DfsOptions{-1, 0, false});
  CHECK(run_all(unbounded, program).size() == 18);

  // A pick (first_is_current false) is never a preemption either.
  Program picks = [](Chooser& c) {
    ask(c, DecisionKind::schedule, 3, false);
    ask(c, DecisionKind::timer_tie, 2);
    ask(c, DecisionKind::spurious, 2);
    ask(c, DecisionKind::value, 3);
  };
  // A spurious wake-up costs a preemption: bound 0 never takes one, bound 1 takes it.
  Dfs zero(DfsOptions{0, 0, false});
  auto at_zero = run_all(zero, picks);
  CHECK(at_zero.size() == 18);
  for (const auto& s : at_zero) CHECK(s[2].index == 0);
  Dfs one(DfsOptions{1, 0, false});
  CHECK(run_all(one, picks).size() == 36);
}

TEST_CASE("dfs reports nondeterminism and abandons the branch cleanly") {
  SECTION("a replayed decision changes shape") {
    int runs = 0;
    Program flaky = [&](Chooser& c) {
      ++runs;
      ask(c, DecisionKind::value, 2);
      ask(c, DecisionKind::value, runs == 3 ? 4 : 3);  // execution 2 replays a changed decision
      ask(c, DecisionKind::value, 2);
    };
    Dfs dfs;
    auto schedules = run_all(dfs, flaky);
    REQUIRE(dfs.nondeterminism());
    CHECK(*dfs.nondeterminism() ==
          "decision 1 of execution 2 differs from the same prefix before: recorded value decision "
          "with 3 candidates, now value decision with 4 candidates");
    CHECK(dfs.exhausted());
    // Leaves 0-1-x and 0-2-x are dropped, the diverged execution itself ran: 12 - 4 + 1.
    CHECK(schedules.size() == 9);
  }
  SECTION("the execution ends inside the replayed prefix") {
    int runs = 0;
    Program shrinking = [&](Chooser& c) {
      ++runs;
      ask(c, DecisionKind::value, 2);
      if (runs != 2) ask(c, DecisionKind::value, 2);
    };
    Dfs dfs;
    run_all(dfs, shrinking);
    REQUIRE(dfs.nondeterminism());
    CHECK(*dfs.nondeterminism() ==
          "execution 1 ended after 1 decisions inside a replayed prefix of 2");
    CHECK(dfs.exhausted());
  }
  SECTION("the running-task flag changes") {
    int runs = 0;
    Program flag = [&](Chooser& c) {
      ++runs;
      ask(c, DecisionKind::schedule, 2, runs == 2);
      ask(c, DecisionKind::schedule, 2);
    };
    Dfs dfs;
    run_all(dfs, flag);
    REQUIRE(dfs.nondeterminism());
    CHECK(dfs.nondeterminism()->find("(candidate 0 running)") != std::string::npos);
  }
}

TEST_CASE("dfs: begin without end, name and parameters") {
  Dfs dfs;
  CHECK(dfs.begin_execution(0, 0));
  ask(dfs, DecisionKind::value, 2);
  CHECK(dfs.begin_execution(1, 0));  // the missing end_execution is implied
  CHECK(ask(dfs, DecisionKind::value, 2) == 1);
  dfs.end_execution(ExecutionSummary{});
  CHECK_FALSE(dfs.begin_execution(2, 0));
  CHECK(dfs.exhausted());
  CHECK(dfs.name() == "dfs");
  CHECK_FALSE(dfs.independent_executions());
  CHECK(dfs.parameters() ==
        nlohmann::json{{"preemption_bound", 2}, {"max_executions", 0}, {"sleep_sets", false}});
  CHECK(Dfs(DfsOptions{2, 0, true}).parameters()["sleep_sets"] == false);  // needs unbounded
}

TEST_CASE("dfs sleep sets cover every trace class with fewer executions and keep the bug") {
  const ModelStep a{Op::rmw, 10}, b{Op::rmw, 11}, yield{Op::yield, kNoObject};
  auto own = [](ObjectId o) { return ModelStep{Op::store, o}; };
  // Tasks touching private objects, a shared one (a, b), and a yield that conflicts with all.
  const Model model = {
      {own(1), a, own(1), b},
      {own(2), b, own(2), a},
      {own(3), yield, own(3)},
  };
  // The bug: task 1 touches b before task 0 and task 0 touches a before task 1 (a lock-order
  // inversion shape), reachable only in a few classes.
  auto bug = [](const Model& m, const std::vector<Ran>& e) {
    auto at = [&](TaskId t, ObjectId o) {
      for (std::size_t i = 0; i < e.size(); ++i)
        if (e[i].task == t && m[t][e[i].index].object == o) return i;
      return e.size();
    };
    return at(1, 11) < at(0, 11) && at(0, 10) < at(1, 10);
  };
  for (bool current_thread : {false, true}) {
    Model m = model;
    if (current_thread)
      m = {{own(1), yield, a, own(1), yield, b},
           {own(2), b, yield, own(2), a},
           {own(3), yield, own(3)}};
    Dfs full(DfsOptions{-1, 0, false});
    Dfs reduced(DfsOptions{-1, 0, true});
    ModelRuns all = explore_model(full, m, current_thread);
    ModelRuns some = explore_model(reduced, m, current_thread);
    INFO((current_thread ? "current_thread" : "multi_thread")
         << ": full " << all.executions << " executions, " << all.classes.size()
         << " classes; sleep sets " << some.executions << " executions, "
         << reduced.redundant_executions() << " redundant");
    CHECK(full.exhausted());
    CHECK(reduced.exhausted());
    CHECK_FALSE(reduced.nondeterminism());
    CHECK(some.classes == all.classes);         // no trace class lost
    CHECK(some.useful_classes == all.classes);  // redundant executions only repeat classes
    // Not every repeat is caught: a sleeping task that runs once it is the only runnable one
    // needs no decision, so its execution is not recognised as redundant.
    CHECK(some.useful_executions >= all.classes.size());
    CHECK(all.executions > all.classes.size());
    if (current_thread)
      CHECK(some.executions <= all.executions);
    else
      CHECK(some.executions < all.executions);
    auto found = [&](const ModelRuns& runs) {
      return std::any_of(runs.traces.begin(), runs.traces.end(),
                         [&](const std::vector<Ran>& e) { return bug(m, e); });
    };
    const bool bug_full = found(all);
    const bool bug_reduced = found(some);
    CHECK(bug_full);
    CHECK(bug_reduced);
  }
  CHECK(make_strategy("dfs", {{"preemption_bound", -1}, {"sleep_sets", true}}) != nullptr);
}

// --- Replay --------------------------------------------------------------------------------------

TEST_CASE("replay reproduces a recorded schedule") {
  RandomWalk walk;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Schedule recorded = run_one(walk, mixed, 0, seed);
    Replay replay(recorded);
    CHECK(run_one(replay, mixed, 0, 0) == recorded);
    CHECK_FALSE(replay.mismatch());
    CHECK(replay.exhausted());
    CHECK(replay.position() == recorded.size());
    CHECK_FALSE(replay.begin_execution(1, 0));        // a single execution
    CHECK(run_one(replay, mixed, 0, 0) == recorded);  // index 0 again replays again
  }
}

TEST_CASE("replay flags the first decision that does not fit and answers 0 afterwards") {
  const std::vector<Candidate> two = tasks(2), four = tasks(4);
  auto check = [](Replay& r, DecisionKind kind, std::span<const Candidate> cands,
                  std::uint64_t step) {
    return r.choose(kind, cands, DecisionContext{step, false});
  };
  SECTION("index out of range") {
    Replay r({{DecisionKind::schedule, 1, 2, 1},
              {DecisionKind::schedule, 3, 4, 3},
              {DecisionKind::schedule, 1, 2, 1}});
    r.begin_execution(0, 0);
    CHECK(check(r, DecisionKind::schedule, two, 5) == 1);
    CHECK(check(r, DecisionKind::schedule, two, 9) == 0);
    CHECK(check(r, DecisionKind::schedule, two, 10) == 0);  // 0 from then on
    REQUIRE(r.mismatch());
    CHECK(*r.mismatch() ==
          "decision 1 (step 9) does not fit: recorded schedule index 3 of 4 (task 3), execution "
          "offers 2 candidates");
  }
  SECTION("kind") {
    Replay r({{DecisionKind::schedule, 1, 2, 1}});
    r.begin_execution(0, 0);
    CHECK(check(r, DecisionKind::shutdown, two, 3) == 0);
    REQUIRE(r.mismatch());
    CHECK(*r.mismatch() ==
          "decision 0 (step 3) does not fit: recorded schedule index 1 of 2 (task 1), execution "
          "asks a shutdown decision with 2 candidates");
  }
  SECTION("task") {
    Replay r({{DecisionKind::timer_tie, 1, 2, 7}});
    r.begin_execution(0, 0);
    CHECK(check(r, DecisionKind::timer_tie, two, 4) == 0);
    REQUIRE(r.mismatch());
    CHECK(*r.mismatch() ==
          "decision 0 (step 4) does not fit: recorded timer_tie index 1 of 2 (task 7), execution "
          "offers task 1 at that index");
  }
  SECTION("a different candidate count alone fits") {
    Replay r({{DecisionKind::schedule, 1, 3, 1}});
    r.begin_execution(0, 0);
    CHECK(check(r, DecisionKind::schedule, four, 1) == 1);
    CHECK_FALSE(r.mismatch());
  }
  SECTION("past the end: default answers, not a mismatch") {
    Replay r({{DecisionKind::value, 1, 2}});
    r.begin_execution(0, 0);
    CHECK(check(r, DecisionKind::value, two, 1) == 1);
    CHECK(check(r, DecisionKind::schedule, four, 2) == 0);
    CHECK(check(r, DecisionKind::shutdown, two, 3) == 0);
    CHECK_FALSE(r.mismatch());
    CHECK(r.past_end() == 2);
  }
  SECTION("bare indices check only the range") {
    Replay r({{DecisionKind::schedule, 3, 0}, {DecisionKind::schedule, 3, 0}});
    r.begin_execution(0, 0);
    CHECK(check(r, DecisionKind::shutdown, four, 1) == 3);
    CHECK(check(r, DecisionKind::value, two, 2) == 0);
    REQUIRE(r.mismatch());
    CHECK(*r.mismatch() ==
          "decision 1 (step 2) does not fit: recorded index 3, execution offers 2 candidates");
  }
  SECTION("lenient: clamps and accepts, never flags") {
    Replay r({{DecisionKind::schedule, 3, 4, 3},
              {DecisionKind::schedule, 1, 2, 9},
              {DecisionKind::value, 1, 2}},
             true);
    r.begin_execution(0, 0);
    CHECK(check(r, DecisionKind::schedule, two, 1) == 1);
    CHECK(check(r, DecisionKind::schedule, two, 2) == 1);
    CHECK(check(r, DecisionKind::shutdown, two, 3) == 1);
    CHECK(check(r, DecisionKind::value, four, 4) == 0);
    CHECK_FALSE(r.mismatch());
    CHECK(r.deviations() == 3);
    CHECK(r.past_end() == 1);
  }
  SECTION("a new execution forgets the mismatch") {
    Replay r({{DecisionKind::value, 1, 2}});
    r.begin_execution(0, 0);
    check(r, DecisionKind::schedule, two, 1);
    CHECK(r.mismatch());
    r.begin_execution(0, 0);
    CHECK_FALSE(r.mismatch());
  }
}

// --- Byte stream ---------------------------------------------------------------------------------

TEST_CASE("byte stream maps bytes to indices, two bytes past 256 candidates, then 0") {
  ByteStream s(std::vector<std::uint8_t>{5, 7, 0x34, 0x12, 200, 9});
  REQUIRE(s.begin_execution(0, 0));
  CHECK(ask(s, DecisionKind::schedule, 3) == 2);       // 5 % 3
  CHECK(ask(s, DecisionKind::shutdown, 4) == 3);       // 7 % 4
  CHECK(ask(s, DecisionKind::value, 300) == 160);      // 0x1234 = 4660, % 300
  CHECK(ask(s, DecisionKind::timer_tie, 256) == 200);  // one byte up to 256
  CHECK(ask(s, DecisionKind::value, 1000) == 9);       // one byte left: used alone
  CHECK(ask(s, DecisionKind::value, 7) == 0);          // out of bytes
  CHECK(s.consumed() == 6);
  s.end_execution(ExecutionSummary{});
  CHECK(s.exhausted());
  CHECK_FALSE(s.begin_execution(1, 0));
  CHECK(s.parameters() == nlohmann::json{{"bytes",
                                          "050734"
                                          "12c809"}});
  CHECK(s.name() == "bytes");
  REQUIRE(s.begin_execution(0, 0));  // restarts at the first byte
  CHECK(ask(s, DecisionKind::schedule, 3) == 2);
}

// --- Factory -------------------------------------------------------------------------------------

TEST_CASE("make_strategy builds every strategy and round-trips its parameters") {
  const std::vector<std::pair<std::string, nlohmann::json>> cases{
      {"random", nullptr},
      {"random", nlohmann::json::object()},
      {"pct", {{"depth", 2}, {"steps", 50}}},
      {"pct", nullptr},
      {"dfs", {{"preemption_bound", -1}, {"max_executions", 10}, {"sleep_sets", true}}},
      {"dpor", {{"max_executions", 10}}},
      {"dpor", nullptr},
      {"dpor-source", {{"max_executions", 10}}},
      {"delay-bounded", {{"delay_bound", 1}, {"max_executions", 10}}},
      {"dfs", {{"preemption_bound", 0}}},
      {"replay", {{"decisions", {0, 1, {{"kind", "shutdown"}, {"index", 1}, {"of", 3}}}}}},
      {"replay", {{"decisions", nlohmann::json::array()}, {"lenient", true}}},
      {"bytes", {{"bytes", "00ff10"}}},
      {"bytes", nullptr},
  };
  for (const auto& [name, params] : cases) {
    std::string error;
    auto s = make_strategy(name, params, &error);
    INFO(name << " " << params.dump() << ": " << error);
    REQUIRE(s);
    CHECK(error.empty());
    CHECK(s->name() == name);
    auto again = make_strategy(s->name(), s->parameters(), &error);
    REQUIRE(again);
    CHECK(again->parameters() == s->parameters());
    CHECK(s->clone()->parameters() == s->parameters());
  }
  CHECK(make_strategy("pct", nullptr)->parameters() ==
        nlohmann::json{{"depth", 3}, {"steps", 200}});
}

TEST_CASE("make_strategy rejects unknown names and bad parameters with a clear error") {
  const std::vector<std::tuple<std::string, nlohmann::json, std::string>> cases{
      {"bfs", nullptr,
       "unknown strategy \"bfs\" (known: random, pct, exhaustive, dfs, dpor, dpor-source, "
       "dpor-bounded, dfs-iterative, delay-bounded, dfs-sleep, replay, bytes)"},
      {"random", {{"seed", 1}}, "strategy \"random\": unknown parameter \"seed\""},
      {"pct",
       {{"depth", 0}},
       "strategy \"pct\": \"depth\" must be an integer in [1, 2147483647], got 0"},
      {"pct",
       {{"steps", "many"}},
       "strategy \"pct\": \"steps\" must be an integer in [1, 9223372036854775807], got \"many\""},
      {"pct",
       {{"depth", 2.5}},
       "strategy \"pct\": \"depth\" must be an integer in [1, 2147483647], got 2.5"},
      {"pct", {{"dept", 2}}, "strategy \"pct\": unknown parameter \"dept\""},
      {"pct", nlohmann::json::array(),
       "strategy \"pct\": parameters must be a JSON object, got array"},
      {"dfs",
       {{"preemption_bound", 2}, {"sleep_sets", true}},
       "strategy \"dfs\": \"sleep_sets\" needs an unbounded preemption bound "
       "(\"preemption_bound\": -1)"},
      {"dfs", {{"sleep_sets", 1}}, "strategy \"dfs\": \"sleep_sets\" must be true or false"},
      {"dfs",
       {{"max_executions", -1}},
       "strategy \"dfs\": \"max_executions\" must be an integer in [0, 9223372036854775807], got "
       "-1"},
      {"replay", nullptr, "strategy \"replay\": missing \"decisions\""},
      {"replay",
       {{"decisions", {0, "x"}}},
       "strategy \"replay\": \"decisions\": decision 1: expected an index or an object, got \"x\""},
      {"bytes",
       {{"bytes", "abc"}},
       "strategy \"bytes\": \"bytes\" must be a string of hex digit pairs"},
      {"bytes",
       {{"bytes", "zz"}},
       "strategy \"bytes\": \"bytes\" must be a string of hex digit pairs"},
  };
  for (const auto& [name, params, message] : cases) {
    std::string error;
    INFO(name << " " << params.dump());
    CHECK(make_strategy(name, params, &error) == nullptr);
    CHECK(error == message);
  }
  CHECK(make_strategy("nope", nullptr) == nullptr);  // the error pointer is optional
}

TEST_CASE(
    "dfs, dfs-iterative, delay-bounded, dpor and exhaustive split into parts that run the "
    "one-thread search's executions") {
  // Parts run in an interleaving chosen by a seeded generator, split at random moments; put back
  // in their order, their executions must be exactly the one-thread search's, in its order. A
  // part that awaits the parts before it (dfs-iterative's next bound, exhaustive's next pass) runs
  // only once they have all ended, as TreeParts::begin has it.
  struct Case {
    const char* strategy;
    nlohmann::json parameters;
    Program program;
  };
  // Every kind, preemption points, a shape that depends on the answers; a few hundred leaves.
  const Program small_mixed = [](Chooser& c) {
    std::uint64_t step = 0;
    for (int round = 0; round < 3; ++round) {
      std::size_t a = ask(c, DecisionKind::schedule, 2 + round % 2, round % 2 == 1, ++step);
      if (a == 1) ask(c, DecisionKind::timer_tie, 2, false, step);
    }
    ask(c, DecisionKind::shutdown, 3, false, ++step);
    ask(c, DecisionKind::shutdown, 2, false, ++step);
    ask(c, DecisionKind::spurious, 2, false, step);
  };
  // A preemption the bound refuses only at the first decision (a spurious wake-up), above where a
  // part is split off (exhaustive's bounded passes split only at the decisions before their first
  // schedule decision): neither part backtracks that decision again, yet the one-thread search
  // counts the refusal there and goes on to the bound-1 pass.
  const Program refused_above_split = [](Chooser& c) {
    ask(c, DecisionKind::spurious, 2, false, 0);
    ask(c, DecisionKind::timer_tie, 4, false, 0);
    ask(c, DecisionKind::schedule, 2, true, 1);
    ask(c, DecisionKind::schedule, 3, false, 2);
  };
  // Timer ties before the first schedule decision: where exhaustive's bounded passes split.
  const Program ties_first = [](Chooser& c) {
    std::uint64_t step = 0;
    ask(c, DecisionKind::timer_tie, 3, false, step);
    ask(c, DecisionKind::timer_tie, 2, false, step);
    for (int round = 0; round < 3; ++round) {
      std::size_t a = ask(c, DecisionKind::schedule, 2 + round % 2, round % 2 == 1, ++step);
      if (a == 1) ask(c, DecisionKind::timer_tie, 2, false, step);
    }
    ask(c, DecisionKind::shutdown, 3, false, ++step);
  };
  const std::vector<Case> cases{
      {"dfs", {{"preemption_bound", 1}}, small_mixed},
      {"dfs", {{"preemption_bound", -1}}, tree_2_3_2},
      {"dfs", {{"preemption_bound", -1}, {"sleep_sets", true}}, small_mixed},
      {"dfs", {{"preemption_bound", 1}}, dependent_tree},
      {"delay-bounded", {{"delay_bound", 2}}, small_mixed},
      {"delay-bounded", {{"delay_bound", 0}}, tree_2_3_2},
      // DPOR splits at its full decisions and at the decisions before its first schedule one.
      {"dpor", {{"split_depth", 3}}, small_mixed},
      {"dpor-source", {{"split_depth", 3}}, tree_2_3_2},
      {"dpor-bounded", {{"preemption_bound", 1}, {"split_depth", 2}}, small_mixed},
      // The next bound's roots are the refusals of every part of the bound before, in order.
      {"dfs-iterative", {{"preemption_bound", -1}}, small_mixed},
      {"dfs-iterative", {{"preemption_bound", 1}}, small_mixed},
      {"dfs-iterative", {{"preemption_bound", -1}}, dependent_tree},
      {"dfs-iterative", {{"preemption_bound", -1}}, tree_2_3_2},
      // Every pass splits; the next pass begins only if some part of the last one was refused.
      {"exhaustive", {{"split_depth", 2}}, ties_first},
      {"exhaustive", {{"split_depth", 1}}, tree_2_3_2},
      {"exhaustive", {{"split_depth", 3}}, refused_above_split},
  };
  for (const Case& c : cases) {
    INFO(c.strategy << " " << c.parameters.dump());
    auto whole = make_strategy(c.strategy, c.parameters);
    REQUIRE(whole);
    REQUIRE(whole->splittable());
    const std::vector<Schedule> expected = run_all(*whole, c.program);
    REQUIRE(expected.size() >= 11);
    std::size_t total_parts = 0;
    for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
      struct Part {
        std::unique_ptr<Strategy> strategy;
        std::vector<Schedule> ran;
        bool done = false;
      };
      std::list<Part> parts;
      parts.push_back(Part{make_strategy(c.strategy, c.parameters), {}, false});
      Rng rng(seed);
      for (;;) {
        std::vector<Part*> running;
        for (Part& p : parts)
          if (!p.done) running.push_back(&p);
        if (running.empty()) break;
        Part& p = *running[rng.below(running.size())];
        if (p.strategy->awaits_earlier_parts()) {
          bool earlier_done = true;
          for (const Part& q : parts) {
            if (&q == &p) break;
            earlier_done = earlier_done && q.done;
          }
          if (!earlier_done) continue;  // the earliest part running never waits: no livelock
          p.strategy->earlier_parts_ended();
          CHECK_FALSE(p.strategy->awaits_earlier_parts());
        }
        if (rng.below(3) == 0) {
          auto it = std::find_if(parts.begin(), parts.end(), [&](Part& q) { return &q == &p; });
          if (auto given = p.strategy->split())
            parts.insert(std::next(it), Part{std::move(given), {}, false});
        }
        if (!p.strategy->begin_execution(0, 0)) {
          p.done = true;
          CHECK(p.strategy->exhausted());
          continue;
        }
        RecordingChooser recorder(*p.strategy);
        c.program(recorder);
        p.strategy->end_execution(ExecutionSummary{});
        p.ran.push_back(recorder.take());
      }
      std::vector<Schedule> joined;
      for (Part& p : parts) {
        CHECK_FALSE(p.ran.empty());  // a part is given only when it holds an execution
        joined.insert(joined.end(), p.ran.begin(), p.ran.end());
      }
      total_parts += parts.size();
      CHECK(joined == expected);
      // The search covers the lowest bound any part reports (Exploration::covered_by_parts).
      std::optional<std::int64_t> covered = std::numeric_limits<std::int64_t>::max();
      for (Part& p : parts) {
        const std::optional<std::int64_t> b = p.strategy->covered_bound();
        covered = b && covered ? std::min(*b, *covered) : std::optional<std::int64_t>{};
      }
      CHECK(covered == whole->covered_bound());
    }
    CHECK(total_parts > 10);  // the parts were really split
  }
}
