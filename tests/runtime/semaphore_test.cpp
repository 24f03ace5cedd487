// Semaphore: permit accounting, RAII permits, FIFO fairness, bounded concurrency, cancellation.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

TEST_CASE("Semaphore: permits are counted and returned by the RAII permit") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Semaphore sem(3);
    {
      auto p = sem.acquire(2);
      CHECK(p.num_permits() == 2);
      CHECK(sem.available_permits() == 1);
      CHECK_FALSE(sem.try_acquire(2).has_value());
      auto q = sem.try_acquire();
      REQUIRE(q.has_value());
      CHECK(sem.available_permits() == 0);
    }
    CHECK(sem.available_permits() == 3);
    sem.acquire().forget();
    CHECK(sem.available_permits() == 2);
    sem.release(4);
    CHECK(sem.available_permits() == 6);
  });
}

TEST_CASE("Semaphore: waiters are served in FIFO order; a big request holds back small ones") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Semaphore sem(0);
    std::vector<std::string> order;
    auto big = weft::spawn([&] {
      auto p = sem.acquire(2);
      order.push_back("big");
      p.forget();
    });
    auto small = weft::spawn([&] {
      auto p = sem.acquire(1);
      order.push_back("small");
      p.forget();
    });
    weft::yield_now();
    sem.release(1);  // goes to the head (big), which still needs one more
    weft::yield_now();
    CHECK(order.empty());
    CHECK(sem.available_permits() == 0);
    CHECK_FALSE(sem.try_acquire().has_value());
    sem.release(1);
    weft::yield_now();
    CHECK(order == std::vector<std::string>{"big"});
    sem.release(1);
    big.join();
    small.join();
    CHECK(order == std::vector<std::string>{"big", "small"});
  });
}

TEST_CASE("Semaphore: at most n tasks inside under random schedules") {
  int max_inside = 0;
  auto body = [&] {
    weft::Semaphore sem(2);
    int inside = 0;
    std::vector<weft::JoinHandle<void>> tasks;
    for (int i = 0; i < 6; ++i)
      tasks.push_back(weft::spawn([&] {
        auto p = sem.acquire();
        ++inside;
        max_inside = std::max(max_inside, inside);
        weft::yield_now();
        --inside;
      }));
    for (auto& t : tasks) t.join();
    CHECK(sem.available_permits() == 2);
  };
  CHECK(weft_test::explore_random(50, body) == 0);
  CHECK(max_inside == 2);
}

TEST_CASE("Semaphore: a cancelled waiter gives back the permits it collected") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Semaphore sem(0);
    auto waiter = weft::spawn([&] { auto p = sem.acquire(3); }, "waiter");
    weft::yield_now();
    sem.release(2);  // collected by the waiter at the head
    CHECK(sem.available_permits() == 0);
    waiter.abort();
    CHECK_THROWS_AS(waiter.join(), weft::JoinError);
    CHECK(sem.available_permits() == 2);
  });
}

TEST_CASE("Semaphore: acquire and release events carry the permit counts") {
  weft_test::EventLog log;
  weft::detail::ScopedExplorationHooks hooks({.observer = &log});
  weft::Runtime rt;
  rt.block_on([] {
    weft::Semaphore sem(5);
    auto p = sem.acquire(3);
  });
  auto ops = log.ops(weft::ObjectKind::semaphore);
  REQUIRE(ops.size() == 2);
  CHECK((ops[0].op == weft::Op::acquire && ops[0].value == 3));
  CHECK((ops[1].op == weft::Op::release && ops[1].value == 3));
}
