// RwLock: readers share, a writer excludes, queued writers hold back later readers.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

TEST_CASE("RwLock: readers share the lock, a writer waits for them") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::RwLock<int> lock(1);
    auto r1 = lock.read();
    auto r2 = lock.read();  // no waiting: reads share
    CHECK(lock.reader_count() == 2);
    CHECK(*r1 + *r2 == 2);
    bool wrote = false;
    auto writer = weft::spawn(
        [&] {
          auto w = lock.write();
          *w = 5;
          wrote = true;
        },
        "writer");
    weft::yield_now();
    CHECK_FALSE(wrote);
    r1.unlock();
    weft::yield_now();
    CHECK_FALSE(wrote);  // r2 still reads
    { auto done = std::move(r2); }
    writer.join();
    CHECK(wrote);
    CHECK(*lock.read() == 5);
  });
}

TEST_CASE("RwLock: a writer excludes readers and other writers") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::RwLock<std::vector<int>> lock;
    auto w = lock.write();
    CHECK(lock.is_write_locked());
    CHECK_FALSE(lock.try_read().has_value());
    CHECK_FALSE(lock.try_write().has_value());
    std::vector<weft::JoinHandle<std::size_t>> readers;
    for (int i = 0; i < 3; ++i) readers.push_back(weft::spawn([&] { return lock.read()->size(); }));
    weft::yield_now();
    w->push_back(1);
    w.unlock();
    for (auto& r : readers) CHECK(r.join() == 1);
    CHECK(lock.try_write().has_value());
  });
}

TEST_CASE("RwLock: a queued writer holds back readers that come after it") {
  weft::Runtime rt;
  auto order = rt.block_on([] {
    weft::RwLock<int> lock(0);
    std::vector<std::string> order;
    auto r = lock.read();
    auto writer = weft::spawn([&] {
      auto w = lock.write();
      order.push_back("writer");
    });
    weft::yield_now();  // the writer queues behind the reader
    CHECK_FALSE(lock.try_read().has_value());
    auto late_reader = weft::spawn([&] {
      auto g = lock.read();
      order.push_back("late reader");
    });
    weft::yield_now();
    CHECK(order.empty());
    r.unlock();
    writer.join();
    late_reader.join();
    return order;
  });
  CHECK(order == std::vector<std::string>{"writer", "late reader"});
}

TEST_CASE("RwLock: a cancelled queued writer lets the readers behind it in") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::RwLock<int> lock(7);
    auto r = lock.read();
    auto writer = weft::spawn([&] { *lock.write() = 0; }, "writer");
    weft::yield_now();
    auto reader = weft::spawn([&] { return *lock.read(); }, "reader");
    weft::yield_now();
    CHECK_FALSE(reader.is_finished());
    writer.abort();
    CHECK_THROWS_AS(writer.join(), weft::JoinError);
    CHECK(reader.join() == 7);  // no need to wait for the first reader
    CHECK(lock.reader_count() == 1);
  });
}

TEST_CASE("RwLock: events mark read and write holds") {
  weft_test::EventLog log;
  weft::detail::ScopedExplorationHooks hooks({.observer = &log});
  weft::Runtime rt;
  rt.block_on([] {
    weft::RwLock<int> lock;
    { auto r = lock.read(); }
    { auto w = lock.write(); }
  });
  auto ops = log.ops(weft::ObjectKind::rwlock);
  REQUIRE(ops.size() == 4);
  CHECK(ops[0].op == weft::Op::lock_shared);
  CHECK((ops[1].op == weft::Op::unlock && ops[1].value == 1));
  CHECK(ops[2].op == weft::Op::lock);
  CHECK((ops[3].op == weft::Op::unlock && ops[3].value == 0));
}
