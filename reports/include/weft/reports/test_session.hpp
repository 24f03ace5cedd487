// The part of the test-framework glue (<weft/catch2.hpp>, <weft/gtest.hpp>) that does not depend on
// the framework: explore a body inside a unit test, or replay (and shrink) the trace WEFT_TRACE
// names when it belongs to this test, and say what happened in words with the commands that
// rerun it. The framework headers only turn the outcome into a passed or failed assertion at the
// line of WEFT_EXPLORE.
#pragma once
#if __cplusplus < 202002L
#error "weft needs C++20 or newer (-std=c++20)"
#endif
#include <functional>
#include <string>

#include "weft/harness/options.hpp"

namespace weft::test_glue {

// The running test as its framework knows it.
struct TestIdentity {
  std::string name;    // the name recorded in the trace (Catch2: the test case; gtest: Suite.Test)
  std::string filter;  // the command-line argument(s) that select this test alone, shell-quoted
};

struct Outcome {
  bool failed = false;
  // On failure: the failure in words, then the trace file and one command per line. On success:
  // how many executions ran and whether the space was covered (frameworks show it on request).
  std::string report;
  // The commands in `report` (replay, shrink, rerun), one per line: frameworks that wrap long
  // message lines (Catch2's console) also print these unwrapped, ready to copy.
  std::string commands;
};

// Runs `body` as the test `test`:
//  - WEFT_TRACE=file naming this test (its trace's scenario is test.name): replays it; the test
//    fails with the failure and the timeline when it reproduces, and also fails when it does not
//    (a replay that stops reproducing means the code changed). WEFT_SHRINK=1 also shrinks it to
//    file-min.json. A trace of another test is ignored here.
//  - otherwise explores with `options` and the WEFT_* environment overrides, writes the first
//    failure to traces/<test>-<strategy tag>-<seed in hex>.json (default_trace_path, the same
//    names as the command line's) and says how to replay, shrink and rerun it (the rerun with the
//    strategy's parameters, as the command line's).
// Bad input (a malformed trace or option) fails the test with one line.
Outcome run(ExploreOptions options, const TestIdentity& test, const std::function<void()>& body);

// The command that runs this test binary again: its path relative to the working directory.
std::string this_binary();
// `text` quoted for a POSIX shell when it needs it.
std::string shell_quote(const std::string& text);

}  // namespace weft::test_glue

// WEFT_EXPLORE(options) { body }; — the body follows the macro instead of being its argument, so
// source locations inside it keep their own lines (a macro argument collapses them all onto the
// macro's line). The older WEFT_EXPLORE(options, [] { body }) still compiles. WEFT_EXPLORE_SITE_
// is defined by the framework header: it opens an expression that takes the body with <<.
// Up to 63 top-level commas in an old-style body (commas inside parentheses do not count).
#define WEFT_EXPLORE_PICK_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, \
                           a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27, a28, a29, a30,  \
                           a31, a32, a33, a34, a35, a36, a37, a38, a39, a40, a41, a42, a43, a44,  \
                           a45, a46, a47, a48, a49, a50, a51, a52, a53, a54, a55, a56, a57, a58,  \
                           a59, a60, a61, a62, a63, a64, name, ...)                               \
  name
#define WEFT_EXPLORE_BLOCK_(options) WEFT_EXPLORE_SITE_(options) << [&]()
#define WEFT_EXPLORE_WITH_BODY_(options, ...) WEFT_EXPLORE_SITE_(options) << (__VA_ARGS__)
#define WEFT_EXPLORE(...)                                                                       \
  WEFT_EXPLORE_PICK_(__VA_ARGS__, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_,             \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_WITH_BODY_, \
                     WEFT_EXPLORE_WITH_BODY_, WEFT_EXPLORE_BLOCK_, unused)                      \
  (__VA_ARGS__)
