// The Catch2 integration: WEFT_EXPLORE passes a clean body, fails a buggy one with the seed and
// the replay hint, and WEFT_TRACE replays a trace file instead of exploring.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>

#include "weft/catch2.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {
// Two tasks increment a shared counter with a load and a store: a lost update in some schedules.
void racy_counter(bool atomic_increment) {
  weft::Runtime rt;
  rt.block_on([atomic_increment] {
    auto counter = std::make_shared<weft::Atomic<int>>(0);
    auto bump = [counter, atomic_increment] {
      if (atomic_increment) {
        counter->fetch_add(1);
      } else {
        int seen = counter->load();
        counter->store(seen + 1);
      }
    };
    auto a = weft::spawn(bump, "a");
    auto b = weft::spawn(bump, "b");
    a.join();
    b.join();
    WEFT_CHECK(counter->load() == 2);
  });
}
}  // namespace

TEST_CASE("WEFT_EXPLORE passes a body that is correct under every schedule") {
  weft::ExploreOptions options;
  options.strategy = "dfs";
  options.preemption_bound = -1;
  options.iterations = 100000;
  WEFT_EXPLORE(options) { racy_counter(true); };
}

TEST_CASE("WEFT_EXPLORE fails the test on a lost update", "[!shouldfail]") {
  weft::ExploreOptions options;
  options.strategy = "random";
  options.iterations = 200;
  WEFT_EXPLORE(options) { racy_counter(false); };
}

TEST_CASE("the first form, with the body as a macro argument, still works") {
  weft::ExploreOptions options;
  options.strategy = "dfs";
  int runs = 0;
  WEFT_EXPLORE(options, [&runs] {
    ++runs;
    racy_counter(true);
  });
  CHECK(runs > 1);
}

TEST_CASE("the failure points at the check's own line") {
  weft::ExploreOptions options;
  options.strategy = "random";
  options.iterations = 200;
  const int line = __LINE__ + 5;
  auto outcome = weft::catch2::run(options, "glue own line", weft::Flavor::multi_thread, [] {
    weft::Runtime rt;
    rt.block_on([] {
      auto flag = std::make_shared<weft::Atomic<int>>(0);
      WEFT_CHECK(flag->load() == 1);
    });
  });
  REQUIRE(outcome.failed);
  CHECK(outcome.report.find("catch2_glue_test.cpp:" + std::to_string(line)) != std::string::npos);
}

TEST_CASE("a clean exploration says how many executions ran and whether it covered the space") {
  weft::ExploreOptions options;
  options.strategy = "dfs";
  options.preemption_bound = -1;
  auto outcome = weft::catch2::run(options, "glue clean", weft::Flavor::multi_thread,
                                   [] { racy_counter(true); });
  CHECK_FALSE(outcome.failed);
  CHECK(outcome.report.find(" executions (") != std::string::npos);
  CHECK(outcome.report.find("the whole bounded space covered") != std::string::npos);
}

TEST_CASE("the failure report names the seed, the trace and how to replay it") {
  weft::ExploreOptions options;
  options.strategy = "random";
  options.iterations = 200;
  auto outcome = weft::catch2::run(options, "glue lost update", weft::Flavor::multi_thread,
                                   [] { racy_counter(false); });
  REQUIRE(outcome.failed);
  CHECK(outcome.report.find("check failed: counter->load() == 2") != std::string::npos);
  CHECK(outcome.report.find("WEFT_SEED=") != std::string::npos);
  const auto at = outcome.report.find("replay: WEFT_TRACE=");
  REQUIRE(at != std::string::npos);
  const std::string path =
      outcome.report.substr(at + 19, outcome.report.find(' ', at + 19) - at - 19);
  CHECK(path.rfind("traces/glue-lost-update-", 0) == 0);

  // Replaying through the environment reproduces it without exploring.
  setenv("WEFT_TRACE", path.c_str(), 1);
  auto replayed = weft::catch2::run(options, "glue lost update", weft::Flavor::multi_thread,
                                    [] { racy_counter(false); });
  unsetenv("WEFT_TRACE");
  CHECK(replayed.failed);
  CHECK(replayed.report.find("weft: replayed " + path) != std::string::npos);

  // Each command on its own line, naming this binary and this test.
  CHECK(outcome.report.find("system_tests 'glue lost update'\n") != std::string::npos);
  CHECK(outcome.report.find("\nshrink: WEFT_TRACE=" + path + " WEFT_SHRINK=1 ") !=
        std::string::npos);
  CHECK(outcome.report.find("\nrerun: WEFT_SEED=") != std::string::npos);

  // The trace names that test: another test given the same WEFT_TRACE explores as usual.
  setenv("WEFT_TRACE", path.c_str(), 1);
  auto other = weft::catch2::run(options, "another test", weft::Flavor::multi_thread,
                                 [] { racy_counter(true); });
  unsetenv("WEFT_TRACE");
  CHECK_FALSE(other.failed);
}

TEST_CASE("a test name becomes a Catch2 filter that selects only that test") {
  CHECK(weft::catch2::test_filter("plain name") == "'plain name'");
  CHECK(weft::catch2::test_filter("a, b [x]") == "'a\\, b \\[x\\]'");
  CHECK(weft::test_glue::shell_quote("it's") == "'it'\\''s'");
}
