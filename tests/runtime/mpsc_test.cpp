// mpsc channels: order, closing from either side, bounded waiting, try_* statuses, wake-ups.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("mpsc: values arrive in send order, recv is empty once closed and drained") {
  weft::Runtime rt;
  auto got = rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto producer = weft::spawn(
        [tx = std::move(tx)] {
          for (int i = 0; i < 10; ++i) {
            tx.send(i).unwrap();
            weft::yield_now();
          }
        },
        "producer");
    std::vector<int> values;
    while (auto v = rx.recv()) values.push_back(*v);
    CHECK_FALSE(rx.recv().has_value());  // stays closed
    CHECK(rx.is_closed());
    producer.join();
    return values;
  });
  CHECK(got == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("mpsc: send after the receiver is dropped gives the value back") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<std::string>();
    { auto dropped = std::move(rx); }
    CHECK(tx.is_closed());
    auto result = tx.send("hello");
    CHECK_FALSE(result.ok());
    CHECK_FALSE(static_cast<bool>(result));
    CHECK(result.is_closed());
    CHECK(result.status() == weft::SendStatus::closed);
    CHECK(result.value() == "hello");
    CHECK(result.receiver_count() == 0);
    CHECK_THROWS_AS(result.expect("reply"), weft::ChannelError);
    CHECK_THROWS_WITH(result.unwrap(), Catch::Contains("closed"));
  });
}

TEST_CASE("mpsc: a bounded send waits while the channel is full, then resumes") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<int>(2);
    int sent = 0;
    auto producer = weft::spawn(
        [&sent, tx = std::move(tx)] {
          for (int i = 0; i < 5; ++i) {
            tx.send(i).unwrap();
            ++sent;
          }
        },
        "producer");
    for (int i = 0; i < 3; ++i) weft::yield_now();
    CHECK(sent == 2);  // blocked on the third value
    CHECK(rx.len() == 2);
    CHECK(rx.recv() == 0);
    weft::yield_now();
    CHECK(sent == 3);
    std::vector<int> rest;
    while (auto v = rx.recv()) rest.push_back(*v);
    CHECK(rest == std::vector<int>{1, 2, 3, 4});
    CHECK(sent == 5);
    producer.join();
  });
}

TEST_CASE("mpsc: try_send reports full and closed with the value back") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    CHECK(tx.max_capacity() == 1);
    CHECK(tx.try_send(1).ok());
    CHECK(tx.capacity() == 0);
    auto full = tx.try_send(2);
    CHECK(full.is_full());
    CHECK(full.value() == 2);
    rx.close();
    auto closed = tx.try_send(3);
    CHECK(closed.is_closed());
    CHECK(closed.value() == 3);
    CHECK(tx.send(4).is_closed());
    // Values queued before close() can still be received.
    CHECK(rx.recv() == 1);
    CHECK_FALSE(rx.recv().has_value());
  });
}

TEST_CASE("mpsc: try_recv reports empty, a value, then closed") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto r = rx.try_recv();
    CHECK(r.is_empty());
    CHECK_THROWS_AS(r.value(), weft::ChannelError);
    tx.send(7).unwrap();
    auto v = rx.try_recv();
    REQUIRE(v.ok());
    CHECK(*v == 7);
    { auto gone = std::move(tx); }
    CHECK(rx.try_recv().is_closed());
  });
}

TEST_CASE("mpsc: dropping the receiver wakes a blocked sender, which gets its value back") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<std::shared_ptr<int>>(1);
    auto queued = std::make_shared<int>(1);
    tx.send(queued).unwrap();
    auto blocked = weft::spawn(
        [tx] {
          auto r = tx.send(std::make_shared<int>(2));
          return r.is_closed() && *r.value() == 2;
        },
        "blocked-sender");
    weft::yield_now();
    CHECK_FALSE(blocked.is_finished());
    CHECK(queued.use_count() == 2);
    { auto dropped = std::move(rx); }
    CHECK(queued.use_count() == 1);  // the queued value died with the receiver
    CHECK(blocked.join());
  });
}

TEST_CASE("mpsc: the receiver sees the channel closed only when the last sender copy is gone") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    bool done = false;
    auto receiver = weft::spawn(
        [&done, rx = std::move(rx)]() mutable {
          auto v = rx.recv();
          done = true;
          return v.has_value();
        },
        "receiver");
    auto copy = tx;
    CHECK(copy.same_channel(tx));
    weft::yield_now();
    { auto first = std::move(tx); }
    weft::yield_now();
    CHECK_FALSE(done);  // a copy still lives
    { auto last = std::move(copy); }
    CHECK_FALSE(receiver.join());
    CHECK(done);
  });
}

TEST_CASE("mpsc: blocked bounded senders are served in FIFO order") {
  weft::Runtime rt;
  auto got = rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    tx.send(0).unwrap();
    std::vector<weft::JoinHandle<void>> senders;
    for (int i = 1; i <= 3; ++i) senders.push_back(weft::spawn([tx, i] { tx.send(i).unwrap(); }));
    { auto root_copy = std::move(tx); }
    weft::yield_now();
    std::vector<int> values;
    while (auto v = rx.recv()) values.push_back(*v);
    for (auto& s : senders) s.join();
    return values;
  });
  CHECK(got == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("mpsc: a sender handed a slot but dropped before it runs passes the slot on") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    tx.send(0).unwrap();
    auto a = weft::spawn([tx] { (void)tx.send(1); }, "a");
    auto b = weft::spawn([tx] { return tx.send(2).ok(); }, "b");
    weft::yield_now();      // both block: the channel is full
    CHECK(rx.recv() == 0);  // the slot goes to a, which has not run yet
    a.abort();
    CHECK_THROWS_AS(a.join(), weft::JoinError);
    CHECK(rx.recv() == 2);  // without the pass-on, b would wait forever
    CHECK(b.join());
  });
}

TEST_CASE("mpsc: move-only values and a channel created outside the runtime") {
  auto [tx, rx] = weft::mpsc::unbounded<std::unique_ptr<int>>();
  tx.send(std::make_unique<int>(1)).unwrap();  // outside any runtime: no scheduling point
  weft_test::EventLog log;
  for (int run = 0; run < 2; ++run) {
    weft::detail::ScopedExplorationHooks hooks({.observer = &log});
    log.events.clear();
    weft::Runtime rt;
    rt.block_on([&] {
      tx.send(std::make_unique<int>(2)).unwrap();
      auto first = rx.recv();
      REQUIRE(first.has_value());
      CHECK(**first == (run == 0 ? 1 : 2));
    });
    // Ids are given per runtime on first use, so the channel is object #1 in each.
    auto ops = log.ops(weft::ObjectKind::mpsc);
    REQUIRE_FALSE(ops.empty());
    for (const auto& e : ops) CHECK(e.object == 1);
  }
  auto last = rx.try_recv();
  REQUIRE(last.ok());
  CHECK(*last.value() == 2);
}

TEST_CASE("mpsc: send and recv events carry integer values and closing outcomes") {
  weft_test::EventLog log;
  weft::detail::ScopedExplorationHooks hooks({.observer = &log});
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    tx.send(41).unwrap();
    CHECK(rx.recv() == 41);
    { auto gone = std::move(tx); }
    CHECK_FALSE(rx.recv().has_value());
  });
  auto ops = log.ops(weft::ObjectKind::mpsc);
  REQUIRE(ops.size() == 5);
  CHECK((ops[0].op == weft::Op::send && ops[0].value == 41));
  CHECK((ops[1].op == weft::Op::recv && ops[1].value == 41));
  CHECK((ops[2].op == weft::Op::close && ops[2].text == "senders_dropped"));
  CHECK((ops[3].op == weft::Op::recv && ops[3].text == "closed"));
  CHECK((ops[4].op == weft::Op::close && ops[4].text == "receiver_dropped"));
}

TEST_CASE("mpsc: a bounded send outside a task is an error, try_send works") {
  auto [tx, rx] = weft::mpsc::bounded<int>(1);
  CHECK(tx.try_send(1).ok());
  CHECK_THROWS_AS(tx.send(2), weft::RuntimeError);
  CHECK_THROWS_AS(weft::mpsc::bounded<int>(0), std::invalid_argument);
  CHECK(rx.try_recv().value() == 1);
}

TEST_CASE("mpsc: the queue keeps order across wrap-around and growth, and frees what it holds") {
  // Outside a runtime, channels work without scheduling points: this exercises the value queue.
  auto alive = std::make_shared<int>(0);
  auto [tx, rx] = weft::mpsc::unbounded<std::shared_ptr<int>>();
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 6; ++round) {
    // Push more than pop each round, so the ring wraps and then grows with its head mid-buffer.
    for (int i = 0; i < 3 + round; ++i) tx.try_send(std::make_shared<int>(next_in++)).unwrap();
    for (int i = 0; i < 2; ++i) REQUIRE(*rx.try_recv().value() == next_out++);
  }
  CHECK(rx.len() == static_cast<std::size_t>(next_in - next_out));
  tx.try_send(alive).unwrap();
  CHECK(alive.use_count() == 2);
  { auto gone = std::move(rx); }  // queued values die with the receiver
  CHECK(alive.use_count() == 1);
}
