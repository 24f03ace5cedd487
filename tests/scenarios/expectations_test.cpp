// Every registered scenario's expected outcome, checked: buggy variants are found with their
// failure kind within each stated budget for seeds 1..N (and by DPOR within DFS's budget), and the
// trace replays to the same failure; fixed variants come out clean over DFS's whole space within
// their bound (or over a stated random and PCT budget when the space is too large), and over
// every class of executions under DPOR without a bound.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "weft/harness/explorer.hpp"
#include "weft/harness/scenario.hpp"

namespace {
// Seeds per budget; WEFT_EXPECTATION_SEEDS lowers it for quick local runs (CI uses the default).
std::uint64_t seed_count() {
  if (const char* v = std::getenv("WEFT_EXPECTATION_SEEDS")) return std::strtoull(v, nullptr, 10);
  return 100;
}

// The exploration fails with the expected kind, and its trace replays to the same failure.
void check_found(const weft::Scenario& s, const weft::ExploreOptions& o) {
  auto report = weft::explore(o, weft::target_of(s));
  REQUIRE_FALSE(report.ok());
  CHECK(report.failures.front().kind == *s.expect.failure);
  auto replayed = weft::replay(*report.trace, weft::target_of(s), o);
  CHECK_FALSE(replayed.mismatch);
  REQUIRE_FALSE(replayed.failures.empty());
  CHECK(replayed.failures.front().signature() == report.failures.front().signature());
}

// The search covers its whole space without a failure.
void check_exhausted_clean(const weft::Scenario& s, const weft::ExploreOptions& o) {
  auto report = weft::explore(o, weft::target_of(s));
  if (!report.ok()) FAIL(report.failures.front().describe());
  CHECK(report.exhausted);
}

void check_buggy(const weft::Scenario& s) {
  for (const weft::Budget& budget : s.expect.budgets) {
    const std::uint64_t seeds = budget.strategy == "dfs" ? 1 : seed_count();
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      weft::ExploreOptions o = weft::default_options(s);
      o.strategy = budget.strategy;
      o.iterations = budget.executions;
      o.seed = seed;
      INFO(s.name << " with " << budget.strategy << ", seed " << seed << ", budget "
                  << budget.executions);
      check_found(s, o);
    }
  }
}

// DPOR without a preemption bound covers every class of executions of a fixed variant cleanly.
void check_fixed_under_dpor(const weft::Scenario& s) {
  if (s.expect.dpor_max_executions == 0) return;
  weft::ExploreOptions o = weft::default_options(s);
  o.strategy = "dpor";
  o.iterations = s.expect.dpor_max_executions;
  INFO(s.name << " with dpor, at most " << o.iterations << " executions");
  check_exhausted_clean(s, o);
}

// DPOR finds a buggy variant within the executions DFS may take (a search that skips only
// equivalent schedules needs no more), and its trace replays.
void check_buggy_under_dpor(const weft::Scenario& s) {
  for (const weft::Budget& budget : s.expect.budgets) {
    if (budget.strategy != "dfs") continue;
    weft::ExploreOptions o = weft::default_options(s);
    o.strategy = "dpor";
    o.iterations = budget.executions;
    INFO(s.name << " with dpor, budget " << budget.executions << " (dfs's)");
    check_found(s, o);
  }
}

void check_fixed(const weft::Scenario& s) {
  check_fixed_under_dpor(s);
  if (s.expect.clean_budget == 0) {
    weft::ExploreOptions o = weft::default_options(s);
    o.strategy = "dfs";
    o.preemption_bound = s.expect.dfs_preemption_bound;
    o.iterations = s.expect.dfs_max_executions;
    INFO(s.name << " with dfs, preemption bound " << s.expect.dfs_preemption_bound);
    check_exhausted_clean(s, o);
    return;
  }
  for (const char* strategy : {"random", "pct"}) {
    weft::ExploreOptions o = weft::default_options(s);
    o.strategy = strategy;
    o.iterations = s.expect.clean_budget;
    INFO(s.name << " with " << strategy << ", " << o.iterations << " executions");
    auto report = weft::explore(o, weft::target_of(s));
    if (!report.ok()) FAIL(report.failures.front().describe());
  }
}
}  // namespace

TEST_CASE("every scenario meets its expected outcome") {
  REQUIRE(weft::scenarios().size() >= 3);
  for (const weft::Scenario& s : weft::scenarios()) {
    SECTION(s.name) {
      CHECK_FALSE(s.description.empty());
      if (s.expect.failure) {
        REQUIRE_FALSE(s.expect.budgets.empty());
        check_buggy(s);
        check_buggy_under_dpor(s);
      } else {
        check_fixed(s);
      }
    }
  }
}
