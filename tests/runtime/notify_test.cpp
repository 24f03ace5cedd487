// Notify: the stored permit of notify_one, notify_waiters storing nothing, the lost wake-up.
#include <catch2/catch.hpp>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

TEST_CASE("Notify: notify_one with nobody waiting stores one permit") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Notify n;
    n.notify_one();
    n.notify_one();  // still one permit
    n.notified();    // consumes it at once
  });
  weft::Runtime second;
  CHECK_THROWS_AS(second.block_on([] {
    weft::Notify n;
    n.notify_one();
    n.notify_one();
    n.notified();
    n.notified();  // no second permit
  }),
                  weft::Deadlock);
}

TEST_CASE("Notify: notify_waiters wakes the current waiters and stores no permit") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Notify n;
    int woken = 0;
    std::vector<weft::JoinHandle<void>> waiters;
    for (int i = 0; i < 3; ++i)
      waiters.push_back(weft::spawn([&] {
        n.notified();
        ++woken;
      }));
    weft::yield_now();
    n.notify_waiters();
    for (auto& w : waiters) w.join();
    CHECK(woken == 3);
  });
  weft::Runtime second;
  CHECK_THROWS_AS(second.block_on([] {
    weft::Notify n;
    n.notify_waiters();
    n.notified();  // nothing stored
  }),
                  weft::Deadlock);
}

TEST_CASE("Notify: notify_one wakes waiters one at a time in FIFO order") {
  weft::Runtime rt;
  auto order = rt.block_on([] {
    weft::Notify n;
    std::vector<int> order;
    std::vector<weft::JoinHandle<void>> waiters;
    for (int i = 0; i < 3; ++i)
      waiters.push_back(weft::spawn([&, i] {
        n.notified();
        order.push_back(i);
      }));
    weft::yield_now();
    for (int i = 0; i < 3; ++i) {
      n.notify_one();
      weft::yield_now();
      CHECK(order.size() == static_cast<std::size_t>(i + 1));
    }
    for (auto& w : waiters) w.join();
    return order;
  });
  CHECK(order == std::vector<int>{0, 1, 2});
}

namespace {
// The lost wake-up (docs/design.md, scenario 8): the waiter checks the flag, the notifier sets it
// and notifies in between, then the waiter waits.
template <bool kStoresPermit>
void lost_wakeup_body() {
  weft::Notify n;
  weft::Atomic<bool> flag(false);
  auto waiter = weft::spawn(
      [&] {
        if (!flag.load()) n.notified();
      },
      "waiter");
  auto notifier = weft::spawn(
      [&] {
        flag.store(true);
        if constexpr (kStoresPermit)
          n.notify_one();
        else
          n.notify_waiters();
      },
      "notifier");
  waiter.join();
  notifier.join();
}
}  // namespace

TEST_CASE("Notify: the lost wake-up with notify_waiters deadlocks, notify_one's permit fixes it") {
  // Forced interleaving: the yield lets the notifier run between the check and the wait.
  auto forced = [](bool stores_permit) {
    weft::Notify n;
    bool flag = false;
    auto waiter = weft::spawn(
        [&] {
          bool seen = flag;
          weft::yield_now();
          if (!seen) n.notified();
        },
        "waiter");
    auto notifier = weft::spawn(
        [&] {
          flag = true;
          stores_permit ? n.notify_one() : n.notify_waiters();
        },
        "notifier");
    waiter.join();
    notifier.join();
  };
  weft::Runtime buggy;
  CHECK_THROWS_AS(buggy.block_on([&] { forced(false); }), weft::Deadlock);
  weft::Runtime fixed;
  CHECK_NOTHROW(fixed.block_on([&] { forced(true); }));

  // Found by exploring schedules: some deadlock with notify_waiters, none with notify_one.
  CHECK(weft_test::explore_random(200, lost_wakeup_body<false>) > 0);
  CHECK(weft_test::explore_random(200, lost_wakeup_body<true>) == 0);
}

TEST_CASE("Notify: a notified waiter dropped before it runs passes the notification on") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Notify n;
    auto a = weft::spawn([&] { n.notified(); }, "a");
    auto b = weft::spawn(
        [&] {
          n.notified();
          return true;
        },
        "b");
    weft::yield_now();
    n.notify_one();  // to a, which has not run yet
    a.abort();
    CHECK_THROWS_AS(a.join(), weft::JoinError);
    CHECK(b.join());
  });
}
