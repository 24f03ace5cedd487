// Catch2 (v2) integration: explore a body inside a TEST_CASE and fail the test with the failure,
// its seed, the trace file and the command that replays it. Include after <catch2/catch.hpp>.
//
//   TEST_CASE("shutdown is clean") {
//     weft::ExploreOptions options;
//     options.strategy = "pct";
//     options.iterations = 500;
//     WEFT_EXPLORE(options, [] {
//       weft::Runtime rt;
//       rt.block_on([] { ... });
//     });
//   }
//
// Environment variables override the options without recompiling (WEFT_SEED, WEFT_ITERATIONS,
// WEFT_STRATEGY, ... see weft/harness/options.hpp), and WEFT_TRACE=path replays a trace file
// instead of exploring.
#pragma once
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "weft/harness/explorer.hpp"

namespace weft::catch2 {

struct Outcome {
  bool failed = false;
  std::string report;  // what the test failure message shows
};

// Explores (or replays WEFT_TRACE) and describes the first failure. `name` names the trace file.
inline Outcome run(ExploreOptions options, const std::string& name, Flavor flavor,
                   std::function<void()> body) {
  ExploreTarget target{name, flavor, std::move(body)};
  if (const char* path = std::getenv("WEFT_TRACE"); path && *path) {
    Trace trace = read_trace_file(path);
    ReplayResult r = replay(trace, target, options);
    if (r.mismatch) return {true, "weft: " + *r.mismatch};
    if (r.failures.empty()) return {false, ""};
    return {true, "weft: replayed " + std::string(path) + "\n" + r.failures.front().describe()};
  }
  apply_environment(options);
  ExploreReport report = explore(options, target);
  if (report.ok()) return {false, ""};
  std::string stem = name;
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  std::string file = "traces/" + stem + "-" + std::to_string(report.failing_seed) + ".json";
  std::error_code ec;
  std::filesystem::create_directories("traces", ec);
  std::string written;
  try {
    write_trace_file(*report.trace, file);
    written = "trace: " + file + "\nreplay: WEFT_TRACE=" + file + " <this test binary>\n";
  } catch (const TraceError& e) {
    written = std::string("(trace not written: ") + e.what() + ")\n";
  }
  return {true, report.failures.front().describe() + "\nexecution " +
                    std::to_string(*report.failing_execution) + " of " +
                    std::to_string(report.executions) + ", seed " +
                    std::to_string(report.failing_seed) + " (rerun it alone: WEFT_SEED=" +
                    std::to_string(report.failing_seed) + " WEFT_ITERATIONS=1 WEFT_STRATEGY=" +
                    options.strategy + ")\n" + written};
}

}  // namespace weft::catch2

// Fails the enclosing Catch2 test case when exploring `body` finds a failure.
#define WEFT_EXPLORE(options, ...)                                                        \
  do {                                                                                    \
    auto weft_outcome_ = ::weft::catch2::run((options), Catch::getResultCapture()          \
                                                            .getCurrentTestName(),        \
                                             ::weft::Flavor::multi_thread, __VA_ARGS__);  \
    if (weft_outcome_.failed) FAIL(weft_outcome_.report);                                 \
  } while (false)
