// The process-wide list of scenarios, filled by static registration.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "weft/harness/scenario.hpp"

namespace weft {
namespace {
std::vector<Scenario>& registry() {
  static std::vector<Scenario> all;
  return all;
}
}  // namespace

void register_scenario(Scenario scenario) {
  auto& all = registry();
  if (find_scenario(scenario.name) != nullptr) {
    std::fprintf(stderr, "weft: scenario \"%s\" registered twice\n", scenario.name.c_str());
    std::abort();
  }
  auto at = std::lower_bound(all.begin(), all.end(), scenario.name,
                             [](const Scenario& s, const std::string& n) { return s.name < n; });
  all.insert(at, std::move(scenario));
}

const std::vector<Scenario>& scenarios() { return registry(); }

const Scenario* find_scenario(std::string_view name) {
  for (const Scenario& s : registry())
    if (s.name == name) return &s;
  return nullptr;
}

ExploreTarget target_of(const Scenario& scenario) {
  return ExploreTarget{scenario.name, scenario.flavor, scenario.body};
}

ExploreOptions default_options(const Scenario& scenario) {
  ExploreOptions options;
  if (scenario.tune) scenario.tune(options);
  return options;
}

}  // namespace weft
