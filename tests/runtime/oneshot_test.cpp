// oneshot channels: delivery, a sender dropped without sending, a dropped receiver, try_recv.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>

#include "test_support.hpp"
#include "weft/weft.hpp"

TEST_CASE("oneshot: the value sent is received, and the sender is used up") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::oneshot::channel<std::string>();
    auto sender = weft::spawn([tx = std::move(tx)]() mutable {
      weft::yield_now();
      CHECK(tx.send("done").ok());
      CHECK_FALSE(tx.valid());
      CHECK_THROWS_AS(tx.send("again"), std::logic_error);
    });
    CHECK(rx.recv() == "done");
    CHECK_FALSE(rx.recv().has_value());  // a value is received once
    sender.join();
  });
}

TEST_CASE("oneshot: a sender dropped without sending wakes the receiver with nothing") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::oneshot::channel<int>();
    bool woke = false;
    auto receiver = weft::spawn([&woke, rx = std::move(rx)]() mutable {
      auto v = rx.recv();
      woke = true;
      return v.has_value();
    });
    weft::yield_now();
    CHECK_FALSE(woke);
    { auto dropped = std::move(tx); }
    CHECK_FALSE(receiver.join());
    CHECK(woke);
  });
}

TEST_CASE("oneshot: sending to a dropped receiver gives the value back") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::oneshot::channel<std::unique_ptr<int>>();
    CHECK_FALSE(tx.is_closed());
    { auto dropped = std::move(rx); }
    CHECK(tx.is_closed());
    auto r = tx.send(std::make_unique<int>(5));
    CHECK(r.is_closed());
    REQUIRE(r.value() != nullptr);
    CHECK(*r.value() == 5);
  });
}

TEST_CASE("oneshot: try_recv reports empty, the value, then closed") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::oneshot::channel<int>();
    CHECK(rx.try_recv().is_empty());
    tx.send(3).unwrap();
    auto r = rx.try_recv();
    REQUIRE(r.ok());
    CHECK(r.value() == 3);
    CHECK(rx.try_recv().is_closed());
  });
}

TEST_CASE("oneshot: close() makes send fail but keeps a value sent before") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx1, rx1] = weft::oneshot::channel<int>();
    rx1.close();
    CHECK(tx1.send(1).is_closed());
    auto [tx2, rx2] = weft::oneshot::channel<int>();
    tx2.send(2).unwrap();
    rx2.close();
    CHECK(rx2.recv() == 2);
  });
}

TEST_CASE("oneshot: an unreceived value dies with the receiver") {
  auto value = std::make_shared<int>(1);
  {
    auto [tx, rx] = weft::oneshot::channel<std::shared_ptr<int>>();
    tx.send(value).unwrap();  // outside a runtime: no scheduling point needed
    CHECK(value.use_count() == 2);
    { auto dropped = std::move(rx); }
    CHECK(value.use_count() == 1);
  }
}

TEST_CASE("oneshot: request/response through an mpsc of reply senders") {
  struct Request {
    int n;
    weft::oneshot::Sender<int> reply;
  };
  weft::Runtime rt;
  auto total = rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<Request>();
    auto server = weft::spawn(
        [rx = std::move(rx)]() mutable {
          while (auto req = rx.recv()) (void)req->reply.send(req->n * 2);
        },
        "server");
    int sum = 0;
    for (int i = 1; i <= 3; ++i) {
      auto [reply_tx, reply_rx] = weft::oneshot::channel<int>();
      tx.send(Request{i, std::move(reply_tx)}).unwrap();
      sum += reply_rx.recv().value();
    }
    // A request left in the queue when the server goes away: its reply sender dies with the
    // queue, so the caller sees the reply channel closed instead of hanging.
    auto [reply_tx, reply_rx] = weft::oneshot::channel<int>();
    server.abort();
    CHECK_THROWS_AS(server.join(), weft::JoinError);
    CHECK(tx.send(Request{9, std::move(reply_tx)}).is_closed());
    CHECK_FALSE(reply_rx.recv().has_value());
    return sum;
  });
  CHECK(total == 12);
}
