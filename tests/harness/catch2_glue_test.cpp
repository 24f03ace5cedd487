// The Catch2 integration: WEFT_EXPLORE passes a clean body, fails a buggy one with the seed and
// the replay hint, and WEFT_TRACE replays a trace file instead of exploring.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

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
  // The command line's naming scheme: the test, the strategy, the seed in hex.
  char seed_hex[24];
  std::snprintf(seed_hex, sizeof seed_hex, "%016llx",
                static_cast<unsigned long long>(
                    std::stoull(outcome.report.substr(outcome.report.find(", seed ") + 7))));
  CHECK(path == "traces/glue-lost-update-random-" + std::string(seed_hex) + ".json");

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
  CHECK(outcome.report.find("\nrerun: WEFT_FLAVOR=multi_thread WEFT_STRATEGY=random WEFT_SEED=") !=
        std::string::npos);

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

namespace {
// The rerun line's WEFT_* assignments, set in the environment (undone by the destructor).
struct RerunEnvironment {
  std::vector<std::string> names;
  explicit RerunEnvironment(const std::string& commands) {
    const auto at = commands.find("rerun: ");
    REQUIRE(at != std::string::npos);
    std::istringstream words(commands.substr(at + 7, commands.find('\n', at) - at - 7));
    for (std::string word; words >> word && word.rfind("WEFT_", 0) == 0;) {
      const auto eq = word.find('=');
      names.push_back(word.substr(0, eq));
      setenv(names.back().c_str(), word.substr(eq + 1).c_str(), 1);
    }
  }
  ~RerunEnvironment() {
    for (const std::string& name : names) unsetenv(name.c_str());
  }
};
}  // namespace

TEST_CASE("the rerun hint carries the strategy's parameters and reruns the failing execution") {
  weft::ExploreOptions options;
  options.strategy = "pct";
  options.depth = 4;
  options.pct_steps = 30;
  options.seed = 11;
  options.iterations = 500;
  auto outcome = weft::catch2::run(options, "glue pct rerun", weft::Flavor::multi_thread,
                                   [] { racy_counter(false); });
  REQUIRE(outcome.failed);
  CHECK(outcome.commands.find("rerun: WEFT_FLAVOR=multi_thread WEFT_STRATEGY=pct WEFT_DEPTH=4 "
                              "WEFT_PCT_STEPS=30 WEFT_SEED=") != std::string::npos);
  CHECK(outcome.commands.find(" WEFT_ITERATIONS=1 ") != std::string::npos);
  CHECK(outcome.commands.find("system_tests 'glue pct rerun'\n") != std::string::npos);
  const auto seed_at = outcome.report.find(", seed ");
  REQUIRE(seed_at != std::string::npos);
  const std::string seed =
      outcome.report.substr(seed_at + 7, outcome.report.find('\n', seed_at) - seed_at - 7);

  // The hint's variables alone, over the test's default options, run that execution first.
  RerunEnvironment environment(outcome.commands);
  auto rerun = weft::catch2::run(weft::ExploreOptions{}, "glue pct rerun",
                                 weft::Flavor::multi_thread, [] { racy_counter(false); });
  CHECK(rerun.failed);
  CHECK(rerun.report.find("execution 0 of 1, seed " + seed + "\n") != std::string::npos);
}

TEST_CASE("a search's rerun hint names the execution by its position") {
  weft::ExploreOptions options;
  options.strategy = "dfs";
  options.preemption_bound = 1;
  auto outcome = weft::catch2::run(options, "glue dfs rerun", weft::Flavor::multi_thread,
                                   [] { racy_counter(false); });
  REQUIRE(outcome.failed);
  CHECK(outcome.commands.find("rerun: WEFT_FLAVOR=multi_thread WEFT_STRATEGY=dfs "
                              "WEFT_PREEMPTION_BOUND=1 WEFT_ITERATIONS=") != std::string::npos);
  CHECK(outcome.commands.find("WEFT_SEED=") == std::string::npos);
  RerunEnvironment environment(outcome.commands);
  auto rerun = weft::catch2::run(weft::ExploreOptions{}, "glue dfs rerun",
                                 weft::Flavor::multi_thread, [] { racy_counter(false); });
  CHECK(rerun.failed);
}
