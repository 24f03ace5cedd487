// Catch2 (v2) integration: explore a body inside a TEST_CASE; a failure fails the test at the
// WEFT_EXPLORE line with the failure in words, the trace file and the commands that replay,
// shrink and rerun it; a clean exploration counts as a passed assertion (-s shows how many
// executions ran). Include after <catch2/catch.hpp>; link weft (the reports library included).
//
//   TEST_CASE("shutdown is clean") {
//     weft::ExploreOptions options;
//     options.strategy = "pct";
//     options.iterations = 500;
//     WEFT_EXPLORE(options) {
//       weft::Runtime rt;
//       rt.block_on([] { ... });
//     };
//   }
//
// The body follows the macro (note the `;` after it) so its lines stay its own in reports.
// Environment variables override the options without recompiling (WEFT_SEED, WEFT_ITERATIONS,
// WEFT_STRATEGY, ... see weft/harness/options.hpp). WEFT_TRACE=file replays a trace of this test
// instead of exploring (tests the trace does not name explore as usual), and WEFT_SHRINK=1 shrinks
// it too; see weft/reports/test_session.hpp.
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>

#include "weft/reports/test_session.hpp"

namespace weft::catch2 {

// The Catch2 test-spec argument that selects exactly the test called `name`.
inline std::string test_filter(const std::string& name) {
  std::string spec;
  for (char c : name) {
    if (c == '\\' || c == ',' || c == '[' || c == ']' || c == '"' || c == '~') spec += '\\';
    spec += c;
  }
  return test_glue::shell_quote(spec);
}

// Collects the body after WEFT_EXPLORE and reports the outcome as an assertion at its line.
class ExploreSite {
 public:
  ExploreSite(ExploreOptions options, const char* file, std::size_t line)
      : options_(std::move(options)), file_(file), line_(line) {}

  template <class Body>
  void operator<<(Body&& body) {
    const std::string name = Catch::getResultCapture().getCurrentTestName();
    test_glue::Outcome outcome = test_glue::run(options_, {name, test_filter(name)},
                                                std::function<void()>(std::forward<Body>(body)));
    // Catch2's console wraps long message lines, so the commands also go out whole.
    if (outcome.failed && !outcome.commands.empty())
      std::fprintf(stderr, "weft: the commands for '%s':\n%s", name.c_str(),
                   outcome.commands.c_str());
    Catch::AssertionHandler handler("WEFT_EXPLORE", Catch::SourceLineInfo(file_, line_),
                                    Catch::StringRef(),
                                    outcome.failed ? Catch::ResultDisposition::Normal
                                                   : Catch::ResultDisposition::ContinueOnFailure);
    handler.handleMessage(outcome.failed ? Catch::ResultWas::ExplicitFailure : Catch::ResultWas::Ok,
                          outcome.report);
    handler.complete();  // throws to end the test case on failure, as FAIL does
  }

 private:
  ExploreOptions options_;
  const char* file_;
  std::size_t line_;
};

// Kept for code written against the first version of this header: explores like WEFT_EXPLORE and
// returns the outcome instead of asserting.
inline test_glue::Outcome run(ExploreOptions options, const std::string& name, Flavor flavor,
                              std::function<void()> body) {
  options.flavor = flavor;
  return test_glue::run(std::move(options), {name, test_filter(name)}, body);
}

}  // namespace weft::catch2

#define WEFT_EXPLORE_SITE_(options) ::weft::catch2::ExploreSite((options), __FILE__, __LINE__)
