// My project's Catch2 tests, using the registered scenarios and WEFT_EXPLORE.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <weft/catch2.hpp>
#include <weft/harness/scenario.hpp>
#include <weft/weft.hpp>

TEST_CASE("the fixed counter is clean over every schedule within its bound") {
  const weft::Scenario* s = weft::find_scenario("counter-fetch-add");
  REQUIRE(s != nullptr);
  weft::ExploreOptions options = weft::default_options(*s);
  options.strategy = "dfs";
  options.preemption_bound = s->expect.dfs_preemption_bound;
  weft::ExploreReport report = weft::explore(options, weft::target_of(*s));
  CHECK(report.ok());
  CHECK(report.exhausted);
}

TEST_CASE("the lost update is found") {
  const weft::Scenario* s = weft::find_scenario("counter-lost-update");
  REQUIRE(s != nullptr);
  weft::ExploreOptions options = weft::default_options(*s);
  options.strategy = "pct";
  options.iterations = 100;
  weft::ExploreReport report = weft::explore(options, weft::target_of(*s));
  REQUIRE_FALSE(report.ok());
  CHECK(report.failures.front().kind == weft::FailureKind::body_failure);
}

TEST_CASE("a body explored inline with WEFT_EXPLORE") {
  weft::ExploreOptions options;
  options.strategy = "pct";
  options.iterations = 200;
  WEFT_EXPLORE(options) {
    weft::Runtime rt;
    rt.block_on([] {
      auto [tx, rx] = weft::mpsc::unbounded<int>();
      auto producer = weft::spawn([tx = std::move(tx)] { tx.send(42).unwrap(); }, "producer");
      WEFT_CHECK(rx.recv().value() == 42);
      producer.join();
    });
  };
}
