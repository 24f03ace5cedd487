// Scenarios: named, self-registering programs against the runtime with a description and an
// expected outcome that the test suite checks. Users register their own the same way.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/harness/explorer.hpp"
#include "weft/harness/failure.hpp"
#include "weft/harness/options.hpp"

namespace weft {

// "strategy S finds the failure within N executions" (for every seed the suite tries).
struct Budget {
  std::string strategy;  // random, pct or dfs
  std::uint64_t executions = 0;
};

struct Expectation {
  // The failure kind a buggy variant must show; nullopt for a fixed variant that must be clean.
  std::optional<FailureKind> failure;
  std::vector<Budget> budgets;
  // Fixed variants: DFS with this preemption bound (-1: unbounded) must cover the whole space
  // without a failure, in at most dfs_max_executions executions...
  int dfs_preemption_bound = 2;
  std::uint64_t dfs_max_executions = 100000;
  // ...or, when the space is too large for that, this many random and PCT executions must be
  // clean (0: DFS is the check).
  std::uint64_t clean_budget = 0;
  // Fixed variants, besides the check above: DPOR without a preemption bound must cover every
  // class of executions without a failure in at most this many executions (0: not checked, for
  // a space too large even for DPOR).
  std::uint64_t dpor_max_executions = 100000;
};

struct Scenario {
  std::string name;
  std::string description;  // one paragraph: the bug, where it comes from, what weft shows
  Flavor flavor = Flavor::multi_thread;
  std::function<void()> body;
  Expectation expect;
  // Adjusts the default options for this scenario (limits, detectors); flags and WEFT_*
  // variables still override them.
  std::function<void(ExploreOptions&)> tune;
  std::string source;  // file that registered it
};

// Registration is safe during static initialisation. Names must be unique.
void register_scenario(Scenario scenario);
const std::vector<Scenario>& scenarios();  // sorted by name
const Scenario* find_scenario(std::string_view name);

ExploreTarget target_of(const Scenario& scenario);
// The scenario's default options: ExploreOptions{} adjusted by scenario.tune.
ExploreOptions default_options(const Scenario& scenario);

}  // namespace weft

#define WEFT_SCENARIO_CONCAT_(a, b) a##b
#define WEFT_SCENARIO_CONCAT(a, b) WEFT_SCENARIO_CONCAT_(a, b)
// WEFT_REGISTER_SCENARIO(weft::Scenario{...}); at namespace scope in any linked file. Link the
// file's object into the program (meson: link_whole) or the registration is dropped.
#define WEFT_REGISTER_SCENARIO(...)                                             \
  static const bool WEFT_SCENARIO_CONCAT(weft_scenario_registered_, __LINE__) = \
      (::weft::register_scenario(__VA_ARGS__), true)
