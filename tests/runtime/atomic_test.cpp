// Atomic: operations with std::atomic's results, each a scheduling point with its own event.
#include <catch2/catch.hpp>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

namespace {
template <bool kAtomicIncrement>
void increments(weft::Atomic<int>& total) {
  std::vector<weft::JoinHandle<void>> tasks;
  for (int t = 0; t < 5; ++t)
    tasks.push_back(weft::spawn([&] {
      for (int i = 0; i < 4; ++i) {
        if constexpr (kAtomicIncrement)
          total.fetch_add(1);
        else
          total.store(total.load() + 1);  // a read-modify-write split in two: racy
      }
    }));
  for (auto& t : tasks) t.join();
}
}  // namespace

TEST_CASE("Atomic: fetch_add totals are exact under every explored schedule") {
  int exact = 0;
  CHECK(weft_test::explore_random(100, [&] {
          weft::Atomic<int> total(0);
          increments<true>(total);
          if (total.load() == 20) ++exact;
        }) == 0);
  CHECK(exact == 100);
}

TEST_CASE("Atomic: load then store loses updates in some schedule") {
  int lost = 0;
  weft_test::explore_random(100, [&] {
    weft::Atomic<int> total(0);
    increments<false>(total);
    if (total.load() < 20) ++lost;
  });
  CHECK(lost > 0);
  // In current_thread flavor nothing preempts a task between the two, so nothing is lost.
  lost = 0;
  weft_test::explore_random(
      20,
      [&] {
        weft::Atomic<int> total(0);
        increments<false>(total);
        if (total.load() < 20) ++lost;
      },
      weft::Flavor::current_thread);
  CHECK(lost == 0);
}

TEST_CASE("Atomic: results match std::atomic") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Atomic<unsigned> a(5);
    CHECK(a.exchange(7) == 5);
    unsigned expected = 6;
    CHECK_FALSE(a.compare_exchange(expected, 9));
    CHECK(expected == 7);
    CHECK(a.compare_exchange_strong(expected, 9));
    CHECK(a.load() == 9);
    CHECK(a.fetch_sub(4) == 9);
    CHECK(a.fetch_and(0b110) == 5);
    CHECK(a.fetch_or(0b001) == 4);
    CHECK(a.fetch_xor(0b111) == 5);
    CHECK(a.load() == 2);
    CHECK(a.fetch_max(8) == 2);
    CHECK(a.fetch_min(3) == 8);
    CHECK(a.load(std::memory_order_relaxed) == 3);

    weft::Atomic<bool> flag;
    CHECK_FALSE(flag.exchange(true));
    CHECK(flag.fetch_and(false));
    CHECK_FALSE(flag.load());

    int xs[3] = {1, 2, 3};
    weft::Atomic<int*> p(xs);
    CHECK(p.fetch_add(2) == xs);
    CHECK(*p.load() == 3);
    CHECK(p.fetch_sub(1) == xs + 2);
  });
}

TEST_CASE("Atomic: every access is an event with its value, and works outside a runtime") {
  weft::Atomic<long> counter(1);
  counter.fetch_add(1);  // no runtime: no scheduling point, just the operation
  weft_test::EventLog log;
  weft::detail::ScopedExplorationHooks hooks({.observer = &log});
  weft::Runtime rt;
  rt.block_on([&] {
    counter.store(10);
    CHECK(counter.load() == 10);
    CHECK(counter.fetch_add(5) == 10);
  });
  auto ops = log.ops(weft::ObjectKind::atomic);
  REQUIRE(ops.size() == 3);
  CHECK((ops[0].op == weft::Op::store && ops[0].value == 10));
  CHECK((ops[1].op == weft::Op::load && ops[1].value == 10));
  CHECK((ops[2].op == weft::Op::rmw && ops[2].value == 15));
  CHECK(counter.load() == 15);
}
