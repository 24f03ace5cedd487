// weft::watch: send/borrow/changed, versions per receiver, sender dropped, send_replace,
// send_if_modified, subscribe, Sender::closed, cancellation in changed(), explored runs.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("watch: receivers see the latest value and wait for changes") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::watch::channel<int>(0);
    CHECK(rx.borrow() == 0);
    CHECK_FALSE(rx.has_changed());
    auto rx2 = rx;  // a clone starts at the same seen version
    CHECK(tx.receiver_count() == 2);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    CHECK(rx.has_changed());
    CHECK(rx.changed());  // returns at once: only the latest value is there
    CHECK(rx.borrow() == 2);
    CHECK_FALSE(rx.has_changed());
    CHECK(rx2.has_changed());
    CHECK(rx2.borrow_and_update() == 2);
    CHECK_FALSE(rx2.has_changed());
    auto waiter = weft::spawn([rx = rx]() mutable {
      CHECK(rx.changed());
      return rx.borrow();
    });
    weft::yield_now();
    tx.send(3).unwrap();
    CHECK(waiter.join() == 3);
  });
}

TEST_CASE("watch: a dropped sender leaves the last value; changed() reports closed after it") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::watch::channel<std::string>("a");
    tx.send("b").unwrap();
    { auto gone = std::move(tx); }
    CHECK(rx.is_closed());
    CHECK(rx.changed());  // "b" was not seen yet
    CHECK(rx.borrow() == "b");
    CHECK_FALSE(rx.changed());  // closed
  });
}

TEST_CASE("watch: send fails without receivers, send_replace does not") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::watch::channel<int>(1);
    { auto gone = std::move(rx); }
    CHECK(tx.is_closed());
    auto r = tx.send(2);
    CHECK_FALSE(r.ok());
    CHECK(tx.borrow() == 1);
    CHECK(tx.send_replace(3) == 1);
    CHECK(tx.borrow() == 3);
    auto rx2 = tx.subscribe();
    CHECK_FALSE(rx2.has_changed());  // subscribers have seen the current value
    CHECK(tx.send_if_modified([](int& v) { return v == 4; }) == false);
    CHECK_FALSE(rx2.has_changed());
    tx.send_modify([](int& v) { v = 4; });
    CHECK(rx2.has_changed());
    rx2.mark_unchanged();
    CHECK_FALSE(rx2.has_changed());
    rx2.mark_changed();
    CHECK(rx2.has_changed());
  });
}

TEST_CASE("watch: wait_for looks at the current value first") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::watch::channel<int>(5);
    CHECK(rx.wait_for([](int v) { return v == 5; }));
    auto setter = weft::spawn([tx = std::move(tx)]() mutable {
      for (int i = 6; i <= 8; ++i) {
        weft::sleep(1ms);
        tx.send(i).unwrap();
      }
    });
    CHECK(rx.wait_for([](int v) { return v >= 7; }));
    CHECK(rx.borrow() >= 7);
    setter.join();
    CHECK_FALSE(rx.wait_for([](int v) { return v == 100; }));
  });
}

TEST_CASE("watch: Sender::closed waits until every receiver is gone") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::watch::channel<int>(0);
    auto holder = weft::spawn([rx = std::move(rx)] { weft::sleep(2ms); });
    tx.closed();
    CHECK(weft::now() == weft::Instant(2ms));
    holder.join();
  });
}

TEST_CASE("watch: a task aborted while waiting in changed() is dropped there") {
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    auto [tx, rx] = weft::watch::channel<int>(0);
    auto waiter = weft::spawn([&after, rx = rx]() mutable {
      (void)rx.changed();
      after = true;
    });
    weft::yield_now();
    waiter.abort();
    CHECK_THROWS_AS(waiter.join(), weft::JoinError);
    tx.send(1).unwrap();
    CHECK(rx.changed());
  });
  CHECK_FALSE(after);
}

TEST_CASE("watch: a config watcher sees the final value under every schedule, explored") {
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    const int deadlocks = weft_test::explore_random(
        300,
        [] {
          auto [tx, rx] = weft::watch::channel<int>(0);
          auto watcher = weft::spawn([rx = std::move(rx)]() mutable {
            int last = rx.borrow();
            while (rx.changed()) last = rx.borrow_and_update();
            return last;
          });
          for (int i = 1; i <= 3; ++i) tx.send(i).unwrap();
          { auto done = std::move(tx); }
          CHECK(watcher.join() == 3);
        },
        flavor);
    CHECK(deadlocks == 0);
  }
}
