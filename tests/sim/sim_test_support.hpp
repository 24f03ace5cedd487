// Helpers for the weft::sim suites: run a body as an execution's main thread, explore it.
#pragma once
#include <string>

#include "weft/harness/explorer.hpp"
#include "weft/runtime.hpp"

namespace simtest {

// Runs fn as the main thread of one execution (default schedule).
template <class F>
auto run(F&& fn) {
  weft::Runtime rt;
  return rt.block_on(std::forward<F>(fn));
}

// Explores a plain body (no Runtime of its own: it becomes the main thread).
inline weft::ExploreReport explore(const std::string& strategy, std::uint64_t iterations,
                                   std::function<void()> body, std::uint64_t seed = 1) {
  weft::ExploreOptions options;
  options.strategy = strategy;
  options.iterations = iterations;
  options.seed = seed;
  if (strategy == "dfs") options.preemption_bound = 2;
  return weft::explore(options,
                       weft::ExploreTarget{"sim", weft::Flavor::multi_thread, std::move(body)});
}

inline std::string first_failure(const weft::ExploreReport& report) {
  return report.failures.empty() ? std::string("(none)") : report.failures.front().describe();
}

}  // namespace simtest
