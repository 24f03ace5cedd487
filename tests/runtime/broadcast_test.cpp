// broadcast channels: fan-out, subscriber counts, lagging by exact counts, closing, and
// when::recv in a select (lag, cancel safety, a task dropped while waiting in it).
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

TEST_CASE("broadcast: every receiver sees every value, send counts receivers") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx1] = weft::broadcast::channel<int>(8);
    auto rx2 = tx.subscribe();
    CHECK(tx.receiver_count() == 2);
    auto reader = [](weft::broadcast::Receiver<int> rx) {
      std::vector<int> seen;
      for (;;) {
        auto r = rx.recv();
        if (r.is_closed()) return seen;
        seen.push_back(r.value());
      }
    };
    auto a = weft::spawn([&, rx = std::move(rx1)]() mutable { return reader(std::move(rx)); });
    auto b = weft::spawn([&, rx = std::move(rx2)]() mutable { return reader(std::move(rx)); });
    weft::yield_now();  // both wait
    for (int i = 0; i < 3; ++i) CHECK(tx.send(i).unwrap() == 2);
    { auto gone = std::move(tx); }
    CHECK(a.join() == std::vector<int>{0, 1, 2});
    CHECK(b.join() == std::vector<int>{0, 1, 2});
  });
}

TEST_CASE("broadcast: a slow receiver is told exactly how many values it missed") {
  weft::Runtime rt;
  rt.block_on([] {
    // tokio's documented example: capacity 2, three sends, the first is lost.
    auto [tx, rx] = weft::broadcast::channel<int>(2);
    for (int v : {10, 20, 30}) (void)tx.send(v);
    auto lag = rx.recv();
    CHECK(lag.is_lagged());
    CHECK(lag.lagged_count() == 1);
    CHECK_THROWS_WITH(lag.value(), Catch::Contains("lagged by 1"));
    CHECK(rx.recv().value() == 20);
    CHECK(rx.recv().value() == 30);
    CHECK(rx.try_recv().is_empty());

    auto [tx4, rx4] = weft::broadcast::channel<int>(4);
    for (int v = 0; v < 10; ++v) (void)tx4.send(v);
    CHECK(rx4.len() == 4);
    auto lag4 = rx4.try_recv();
    CHECK(lag4.is_lagged());
    CHECK(lag4.lagged_count() == 6);
    std::vector<int> rest;
    while (auto r = rx4.try_recv()) rest.push_back(r.value());
    CHECK(rest == std::vector<int>{6, 7, 8, 9});
  });
}

TEST_CASE("broadcast: capacity rounds up to a power of two, as in tokio") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::broadcast::channel<int>(3);  // retains 4
    for (int v = 0; v < 5; ++v) (void)tx.send(v);
    auto lag = rx.recv();
    REQUIRE(lag.is_lagged());
    CHECK(lag.lagged_count() == 1);
    CHECK(rx.recv().value() == 1);
  });
  CHECK_THROWS_AS(weft::broadcast::channel<int>(0), std::invalid_argument);
}

TEST_CASE("broadcast: closed once every sender is gone and everything was received") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::broadcast::channel<int>(4);
    auto tx2 = tx;
    (void)tx.send(1);
    { auto gone = std::move(tx); }
    CHECK(rx.recv().value() == 1);
    CHECK(rx.try_recv().is_empty());  // tx2 still lives
    { auto gone = std::move(tx2); }
    auto r = rx.recv();
    CHECK(r.is_closed());
    CHECK(rx.try_recv().is_closed());
  });
}

TEST_CASE("broadcast: send without receivers fails with the value; subscribers see later values") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::broadcast::channel<int>(4);
    { auto gone = std::move(rx); }
    auto r = tx.send(1);
    CHECK(r.is_closed());
    CHECK(r.value() == 1);
    auto late = tx.subscribe();
    CHECK(tx.send(2).unwrap() == 1);
    CHECK(late.recv().value() == 2);
    auto again = late.resubscribe();
    CHECK(tx.send(3).unwrap() == 2);
    CHECK(again.recv().value() == 3);
    CHECK(late.recv().value() == 3);
  });
}

TEST_CASE("broadcast: one send wakes every waiting receiver") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::broadcast::channel<int>(2);
    std::vector<weft::JoinHandle<int>> readers;
    for (int i = 0; i < 3; ++i)
      readers.push_back(weft::spawn([rx = tx.subscribe()]() mutable { return rx.recv().value(); }));
    weft::yield_now();
    for (auto& h : readers) CHECK_FALSE(h.is_finished());
    CHECK(tx.send(5).unwrap() == 4);
    for (auto& h : readers) CHECK(h.join() == 5);
  });
}

TEST_CASE("broadcast: a value is released once every receiver saw it or went away") {
  auto value = std::make_shared<int>(1);
  auto [tx, rx1] = weft::broadcast::channel<std::shared_ptr<int>>(4);
  auto rx2 = tx.subscribe();
  (void)tx.send(value);
  CHECK(value.use_count() == 2);
  CHECK(rx1.try_recv().value() == value);
  CHECK(value.use_count() == 2);  // rx2 has not seen it
  { auto gone = std::move(rx2); }
  CHECK(value.use_count() == 1);
}

TEST_CASE("broadcast: when::recv in a select receives in order, then closed, beside a token") {
  using namespace std::chrono_literals;
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::broadcast::channel<int>(8);
    weft::CancellationToken token;
    auto producer = weft::spawn([tx = std::move(tx)] {
      for (int i = 0; i < 3; ++i) {
        weft::sleep(1ms);
        (void)tx.send(i);
      }
    });
    std::vector<int> seen;
    bool closed = false;
    while (!closed)
      weft::select(weft::branch(weft::when::recv(rx),
                                [&](weft::RecvResult<int> r) {
                                  if (r.is_closed())
                                    closed = true;
                                  else
                                    seen.push_back(r.value());
                                }),
                   weft::branch(weft::when::cancelled(token), [] { FAIL("never cancelled"); }));
    CHECK(seen == std::vector<int>{0, 1, 2});
    CHECK(weft::now() == weft::Instant(3ms));
    producer.join();
  });
}

TEST_CASE("broadcast: when::recv reports a lag as recv does, then the oldest retained value") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::broadcast::channel<int>(2);
    for (int v : {10, 20, 30, 40, 50}) (void)tx.send(v);
    auto next = [&rx = rx] {
      return weft::select(weft::branch(weft::when::recv(rx), [](auto r) { return r; }));
    };
    auto lag = next();
    REQUIRE(lag.is_lagged());
    CHECK(lag.lagged_count() == 3);
    CHECK(next().value() == 40);
    CHECK(next().value() == 50);
    CHECK(rx.try_recv().is_empty());
  });
}

TEST_CASE("broadcast: a lost when::recv branch takes nothing from the receiver") {
  using namespace std::chrono_literals;
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::broadcast::channel<int>(4);
    (void)tx.send(7);
    // Both ready: biased takes the first written, the sleep; the value stays for the receiver.
    const std::size_t won = weft::select_biased(weft::branch(weft::when::sleep(0ms), [] {}),
                                                weft::branch(weft::when::recv(rx), [] {}));
    CHECK(won == 0);
    CHECK(rx.len() == 1);
    CHECK(rx.recv().value() == 7);
  });
}

TEST_CASE("broadcast: a task aborted in a select on when::recv is dropped there, losing nothing") {
  using namespace std::chrono_literals;
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    auto [tx, rx] = weft::broadcast::channel<int>(4);
    auto shared_rx = std::make_shared<weft::broadcast::Receiver<int>>(std::move(rx));
    auto waiter = weft::spawn([&after, shared_rx] {
      weft::select(weft::branch(weft::when::recv(*shared_rx), [] {}));
      after = true;
    });
    weft::sleep(1ms);  // it waits in the select
    waiter.abort();
    CHECK_THROWS_AS(waiter.join(), weft::JoinError);
    (void)tx.send(3);  // its branch was disarmed: the send wakes nobody stale
    CHECK(shared_rx->recv().value() == 3);
  });
  CHECK_FALSE(after);
}

TEST_CASE("broadcast: when::recv against a send from another task, explored") {
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    const int deadlocks = weft_test::explore_random(
        200,
        [] {
          auto [tx, rx] = weft::broadcast::channel<int>(1);
          auto sender = weft::spawn([tx = std::move(tx)] {
            (void)tx.send(1);
            (void)tx.send(2);
          });
          // Capacity 1: depending on the interleaving, 1 then 2, or a lag of 1 then 2.
          std::vector<int> got;
          std::uint64_t lagged = 0;
          for (bool open = true; open;)
            weft::select(weft::branch(weft::when::recv(rx), [&](weft::RecvResult<int> r) {
              if (r.is_closed())
                open = false;
              else if (r.is_lagged())
                lagged += r.lagged_count();
              else
                got.push_back(r.value());
            }));
          CHECK(got.size() + lagged == 2);
          REQUIRE_FALSE(got.empty());
          CHECK(got.back() == 2);
          sender.join();
        },
        flavor);
    CHECK(deadlocks == 0);
  }
}
