// Barrier: everyone waits for the last arrival, exactly one leader per generation, reuse.
#include <catch2/catch.hpp>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

TEST_CASE("Barrier: tasks pass together, one leader per generation, reusable") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Barrier barrier(3);
    int leaders = 0;
    int passed = 0;
    std::vector<weft::JoinHandle<void>> tasks;
    for (int i = 0; i < 2; ++i)
      tasks.push_back(weft::spawn([&] {
        for (int round = 0; round < 2; ++round) {
          if (barrier.wait().is_leader()) ++leaders;
          ++passed;
        }
      }));
    weft::yield_now();
    CHECK(passed == 0);  // two of three arrived
    for (int round = 0; round < 2; ++round) {
      if (barrier.wait().is_leader()) ++leaders;
      ++passed;
      weft::yield_now();
    }
    for (auto& t : tasks) t.join();
    CHECK(passed == 6);
    CHECK(leaders == 2);
  });
}

TEST_CASE("Barrier: one leader per generation under random schedules") {
  int runs_with_one_leader = 0;
  auto body = [&] {
    weft::Barrier barrier(4);
    weft::Atomic<int> leaders(0);
    std::vector<weft::JoinHandle<void>> tasks;
    for (int i = 0; i < 4; ++i)
      tasks.push_back(weft::spawn([&] {
        if (barrier.wait().is_leader()) leaders.fetch_add(1);
      }));
    for (auto& t : tasks) t.join();
    if (leaders.load() == 1) ++runs_with_one_leader;
  };
  CHECK(weft_test::explore_random(50, body) == 0);
  CHECK(runs_with_one_leader == 50);
  weft::Runtime rt;
  rt.block_on([] { CHECK(weft::Barrier(0).wait().is_leader()); });
}
