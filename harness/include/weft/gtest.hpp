// GoogleTest integration, the same as <weft/catch2.hpp>: explore a body inside a TEST; a failure
// is a test failure at the WEFT_EXPLORE line with the failure in words, the trace file and the
// commands that replay, shrink and rerun it (with --gtest_filter for this test). Include after
// <gtest/gtest.h>; link weft (the reports library included) and GTest.
//
//   TEST(Queue, ShutdownIsClean) {
//     weft::ExploreOptions options;
//     options.strategy = "pct";
//     options.iterations = 500;
//     WEFT_EXPLORE(options) {
//       weft::Runtime rt;
//       rt.block_on([] { ... });
//     };
//   }
//
// The trace names the test Suite.Test; WEFT_TRACE, WEFT_SHRINK and the WEFT_* option overrides
// work as described in weft/reports/test_session.hpp. A clean exploration records its summary as
// the test property "weft" (in --gtest_output=xml) and prints it when WEFT_VERBOSE=1.
#pragma once
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "weft/reports/test_session.hpp"

namespace weft::gtest {

// Collects the body after WEFT_EXPLORE and reports the outcome at its line.
class ExploreSite {
 public:
  ExploreSite(ExploreOptions options, const char* file, int line)
      : options_(std::move(options)), file_(file), line_(line) {}

  template <class Body>
  void operator<<(Body&& body) {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string name =
        info ? std::string(info->test_suite_name()) + "." + info->name() : std::string("test");
    std::string filter = test_glue::shell_quote("--gtest_filter=" + name);
    if (name.find("DISABLED_") != std::string::npos) filter += " --gtest_also_run_disabled_tests";
    test_glue::Outcome outcome =
        test_glue::run(options_, {name, filter}, std::function<void()>(std::forward<Body>(body)));
    if (outcome.failed) {
      ADD_FAILURE_AT(file_, line_) << outcome.report;
      return;
    }
    ::testing::Test::RecordProperty("weft", outcome.report);
    if (const char* verbose = std::getenv("WEFT_VERBOSE"); verbose && std::string(verbose) == "1")
      std::printf("%s\n", outcome.report.c_str());
  }

 private:
  ExploreOptions options_;
  const char* file_;
  int line_;
};

}  // namespace weft::gtest

#define WEFT_EXPLORE_SITE_(options) ::weft::gtest::ExploreSite((options), __FILE__, __LINE__)
