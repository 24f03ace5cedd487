// `weft measure`: executions to the first failure per strategy and seed for the buggy scenarios,
// DFS space sizes for the fixed ones; the numbers behind the budgets the registrations state.
#include "measure.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>

#include "weft/harness/explorer.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/scenario.hpp"

namespace weft {
namespace {

using Clock = std::chrono::steady_clock;

// One strategy's runs over the seeds of one buggy scenario.
struct StrategyRuns {
  std::vector<std::uint64_t> found;  // executions to the first failure, one per seed that found it
  std::uint64_t missed = 0;          // seeds that found nothing within max_executions
  std::map<std::string, std::uint64_t> wrong_kinds;  // first failure of another kind: count
  std::optional<std::uint64_t> budget;               // the registration's, if it states one
  bool within_budget() const {
    if (missed > 0 || !wrong_kinds.empty()) return false;
    return !budget || found.empty() || *std::max_element(found.begin(), found.end()) <= *budget;
  }
};

std::string seconds_text(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, s < 10 ? "%.2f s" : "%.0f s", s);
  return buffer;
}

bool selected(const MeasureOptions& options, const std::string& name) {
  return options.scenarios.empty() || std::find(options.scenarios.begin(), options.scenarios.end(),
                                                name) != options.scenarios.end();
}

StrategyRuns measure_strategy(const Scenario& s, const std::string& strategy, std::uint64_t seeds,
                              std::uint64_t max_executions) {
  StrategyRuns runs;
  for (const Budget& b : s.expect.budgets)
    if (b.strategy == strategy) runs.budget = b.executions;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    ExploreOptions o = default_options(s);
    o.strategy = strategy;
    o.iterations = max_executions;
    o.seed = seed;
    const ExploreReport report = explore(o, target_of(s));
    if (report.ok()) {
      ++runs.missed;
    } else if (report.failures.front().kind != *s.expect.failure) {
      ++runs.wrong_kinds[std::string(to_string(report.failures.front().kind))];
    } else {
      runs.found.push_back(report.executions);
    }
  }
  return runs;
}

// "median / worst", plus what went wrong; the lower median for an even count.
std::string runs_cell(StrategyRuns runs, std::uint64_t seeds, bool single) {
  std::string cell;
  if (!runs.found.empty()) {
    std::sort(runs.found.begin(), runs.found.end());
    const std::uint64_t median = runs.found[(runs.found.size() - 1) / 2];
    cell = single ? std::to_string(median)
                  : std::to_string(median) + " / " + std::to_string(runs.found.back());
  }
  if (runs.missed > 0)
    cell += (cell.empty() ? "" : "; ") + std::string("missed ") + std::to_string(runs.missed) +
            "/" + std::to_string(seeds);
  for (const auto& [kind, count] : runs.wrong_kinds)
    cell += (cell.empty() ? "" : "; ") + kind + " " + std::to_string(count) + "/" +
            std::to_string(seeds);
  if (!runs.within_budget()) cell += " **over budget**";
  return cell;
}

// The strategies with a column: those their registry entries mark as measured.
std::vector<const StrategyEntry*> measured_strategies() {
  std::vector<const StrategyEntry*> list;
  for (const StrategyEntry* e : strategy_entries())
    if (e->measured) list.push_back(e);
  return list;
}

std::string budget_cell(const Scenario& s) {
  std::string cell;
  for (const StrategyEntry* strategy : measured_strategies()) {
    std::string value = "-";
    for (const Budget& b : s.expect.budgets)
      if (b.strategy == strategy->name) value = std::to_string(b.executions);
    cell += (cell.empty() ? "" : " / ") + value;
  }
  return cell;
}

bool measure_buggy(const Scenario& s, const MeasureOptions& options, std::ostream& row,
                   std::ostream& err) {
  const bool slow =
      std::find(options.slow.begin(), options.slow.end(), s.name) != options.slow.end();
  const std::uint64_t seeds = slow ? std::min(options.slow_seeds, options.seeds) : options.seeds;
  const auto start = Clock::now();
  row << "| " << s.name << " | " << to_string(*s.expect.failure) << " | " << budget_cell(s);
  bool ok = true;
  for (const StrategyEntry* strategy : measured_strategies()) {
    const bool single = !strategy->seeded;  // one run: its executions do not depend on a seed
    const std::uint64_t n = single ? 1 : seeds;
    StrategyRuns runs = measure_strategy(s, std::string(strategy->name), n, options.max_executions);
    ok = ok && runs.within_budget();
    row << " | " << runs_cell(std::move(runs), n, single);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  row << " | " << (slow ? std::to_string(seeds) : std::to_string(options.seeds)) << " | "
      << seconds_text(seconds) << " |\n";
  err << "weft measure: " << s.name << " " << seconds_text(seconds) << (ok ? "" : " (NOT MET)")
      << "\n";
  return ok;
}

// The fixed variant under DPOR without a preemption bound: every class of executions, or "-" when
// the registration says its space is too large even for DPOR.
std::string dpor_cell(const Scenario& s, bool& ok) {
  if (s.expect.dpor_max_executions == 0) return "-";
  ExploreOptions o = default_options(s);
  o.strategy = "dpor";
  o.iterations = s.expect.dpor_max_executions;
  const ExploreReport report = explore(o, target_of(s));
  ok = ok && report.ok() && report.exhausted;
  std::string cell = std::to_string(report.executions) +
                     (report.exhausted ? " (every class)" : " (NOT exhausted)");
  if (!report.ok()) cell += "; **" + std::string(to_string(report.failures.front().kind)) + "**";
  return cell;
}

bool measure_fixed(const Scenario& s, std::ostream& row, std::ostream& err) {
  const auto start = Clock::now();
  bool ok = true;
  row << "| " << s.name << " | ";
  if (s.expect.clean_budget == 0) {
    ExploreOptions o = default_options(s);
    o.strategy = "dfs";
    o.preemption_bound = s.expect.dfs_preemption_bound;
    o.iterations = s.expect.dfs_max_executions;
    const ExploreReport report = explore(o, target_of(s));
    ok = report.ok() && report.exhausted;
    row << "DFS, preemption bound " << s.expect.dfs_preemption_bound << " | " << report.executions
        << (report.exhausted ? " (exhausted)" : " (NOT exhausted)");
    if (!report.ok()) row << "; **" << to_string(report.failures.front().kind) << "**";
  } else {
    row << "random + PCT, " << s.expect.clean_budget << " each | ";
    std::string cell;
    for (const StrategyEntry* entry : measured_strategies()) {
      if (!entry->seeded) continue;
      const std::string strategy(entry->name);
      ExploreOptions o = default_options(s);
      o.strategy = strategy;
      o.iterations = s.expect.clean_budget;
      const ExploreReport report = explore(o, target_of(s));
      ok = ok && report.ok();
      cell += (cell.empty() ? "" : ", ") + std::string(strategy) + " " +
              std::to_string(report.executions) + " (" + std::to_string(report.distinct_schedules) +
              " distinct)";
      if (!report.ok()) cell += " **" + std::string(to_string(report.failures.front().kind)) + "**";
    }
    row << cell << " clean";
  }
  row << " | " << dpor_cell(s, ok);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  row << " | " << seconds_text(seconds) << " |\n";
  err << "weft measure: " << s.name << " " << seconds_text(seconds) << (ok ? "" : " (NOT MET)")
      << "\n";
  return ok;
}

}  // namespace

int run_measure(const MeasureOptions& options, std::ostream& out, std::ostream& err) {
  // A misspelt name would otherwise measure nothing and pass.
  for (const std::string& name : options.scenarios)
    if (find_scenario(name) == nullptr) {
      err << "weft: error: measure: unknown scenario \"" << name << "\" (weft list)\n";
      return 2;
    }
  std::ostringstream buggy, fixed;
  bool ok = true;
  for (const Scenario& s : scenarios()) {
    if (!selected(options, s.name)) continue;
    if (s.expect.failure)
      ok = measure_buggy(s, options, buggy, err) && ok;
    else
      ok = measure_fixed(s, fixed, err) && ok;
  }
  std::string names, columns, rule;
  for (const StrategyEntry* e : measured_strategies()) {
    names += (names.empty() ? "" : " / ") + std::string(e->name);
    columns += " | " + std::string(e->name);
    rule += "---|";
  }
  out << "### Buggy variants: executions to the first failure\n\n"
      << "random and PCT: median / worst over seeds 1..N (lower median); dfs and dpor (no "
      << "preemption bound): one run each, they have no seed. Every run "
      << "is capped at " << options.max_executions << " executions.\n\n"
      << "| scenario | expected | budget " << names << columns << " | seeds N | wall time |\n"
      << "|---|---|---|" << rule << "---|---|\n"
      << buggy.str() << "\n"
      << "### Fixed variants: the clean check the registration states\n\n"
      << "| scenario | check | executions | dpor, no preemption bound | wall time |\n"
      << "|---|---|---|---|---|\n"
      << fixed.str();
  return ok ? 0 : 1;
}

}  // namespace weft
