// The rest of issue #16's toolkit: Notified with enable(), mpsc reserve/Permit, reserve_owned/
// OwnedPermit, reserve_many and Sender::closed, oneshot::Sender::closed, Semaphore::close and owned
// permits, and Interval's missed-tick behaviours; each with cancellation at its await points.
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

// --- Notified ----------------------------------------------------------------------------------

TEST_CASE("Notified: made before the check, it catches a notify_waiters sent in between") {
  // The lost wake-up of scenario 8 with tokio's fix, under every explored schedule.
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    const int deadlocks = weft_test::explore_random(
        300,
        [] {
          weft::Notify notify;
          weft::Atomic<bool> ready{false};
          auto waiter = weft::spawn([&] {
            weft::Notified notified(notify);
            if (ready.load()) return;
            notified.wait();
          });
          ready.store(true);
          notify.notify_waiters();
          waiter.join();
        },
        flavor);
    CHECK(deadlocks == 0);
  }
}

TEST_CASE("Notified: enable() queues it for notify_one and takes a stored permit") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Notify notify;
    weft::Notified a(notify);
    CHECK_FALSE(a.is_notified());
    a.enable();
    notify.notify_one();  // goes to the enabled Notified, not into the permit
    CHECK(a.is_notified());
    a.wait();             // at once
    notify.notify_one();  // nobody enabled: stored
    weft::Notified b(notify);
    CHECK_FALSE(b.is_notified());
    b.enable();  // takes the permit
    CHECK(b.is_notified());
    b.wait();
  });
}

TEST_CASE("Notified: dropped after a notify_one chose it, it passes the notification on") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Notify notify;
    {
      weft::Notified a(notify);
      a.enable();
      notify.notify_one();
    }
    notify.notified();  // the permit a passed on
  });
}

TEST_CASE("Notified: a task aborted while waiting in wait() is dropped there") {
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    weft::Notify notify;
    auto h = weft::spawn([&] {
      weft::Notified n(notify);
      n.wait();
      after = true;
    });
    weft::yield_now();
    h.abort();
    CHECK_THROWS_AS(h.join(), weft::JoinError);
    notify.notify_one();  // stored: the dropped waiter left the queue
    notify.notified();
  });
  CHECK_FALSE(after);
}

// --- mpsc reserve and closed -------------------------------------------------------------------

TEST_CASE(
    "mpsc reserve: a permit holds a slot; sending through it never waits; dropping frees it") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    {
      auto permit = tx.reserve();
      REQUIRE(permit);
      CHECK(tx.capacity() == 0);
      CHECK_FALSE(tx.try_reserve());
    }
    CHECK(tx.capacity() == 1);  // the unused permit gave the slot back
    auto permit = tx.reserve();
    REQUIRE(permit);
    permit->send(4);
    CHECK(rx.recv() == 4);
    CHECK(tx.capacity() == 1);
    rx.close();
    CHECK_FALSE(tx.reserve());  // closed
  });
}

TEST_CASE("mpsc reserve: waits for a slot; a task aborted while waiting in reserve loses nothing") {
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    tx.send(1).unwrap();
    auto h = weft::spawn([&after, tx = tx] {
      auto permit = tx.reserve();
      after = true;
    });
    weft::yield_now();
    h.abort();
    CHECK_THROWS_AS(h.join(), weft::JoinError);
    CHECK(rx.recv() == 1);
    CHECK(tx.capacity() == 1);  // no slot stuck with the dropped waiter
    auto waiter = weft::spawn([tx = tx] {
      auto permit = tx.reserve();
      REQUIRE(permit);
      permit->send(2);
    });
    tx.send(3).unwrap();  // takes the slot; the waiter gets it after the receive
    CHECK(rx.recv() == 3);
    waiter.join();
    CHECK(rx.recv() == 2);
  });
  CHECK_FALSE(after);
}

TEST_CASE("mpsc reserve_owned: the permit owns a sender, moves into a task, hands it back") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<int>(2);
    auto permit = tx.reserve_owned();  // on a const Sender: the permit owns a copy
    REQUIRE(permit);
    CHECK(permit->valid());
    CHECK(tx.capacity() == 1);
    auto task = weft::spawn([permit = std::move(*permit)]() mutable {
      weft::mpsc::Sender<int> back = permit.send(7);  // never waits
      CHECK_FALSE(permit.valid());
      CHECK(back.valid());
      return back.capacity();
    });
    CHECK(task.join() == 1);  // the value holds one slot, the other is free
    CHECK(rx.recv() == 7);
    // release(): the slot back unused, the sender back.
    auto second = tx.reserve_owned();
    REQUIRE(second);
    CHECK(tx.capacity() == 1);
    weft::mpsc::Sender<int> again = second->release();
    CHECK(tx.capacity() == 2);
    CHECK(again.same_channel(tx));
  });
}

TEST_CASE("mpsc reserve_owned: dropped unused it frees the slot, then its sender ends the stream") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    {
      auto permit = std::move(tx).reserve_owned();  // the only sender moves into the permit
      REQUIRE(permit);
      CHECK_FALSE(tx.valid());
      CHECK(rx.try_recv().is_empty());  // the permit's sender is alive: not closed
    }
    CHECK(rx.recv() == std::nullopt);  // slot back, last sender gone: the stream ended
  });
}

TEST_CASE("mpsc reserve_owned: closed channel gives nothing; try_reserve_owned reports full") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    tx.send(1).unwrap();
    CHECK_FALSE(tx.try_reserve_owned());  // full
    CHECK(rx.recv() == 1);
    auto ok = tx.try_reserve_owned();
    REQUIRE(ok);
    ok = std::nullopt;
    rx.close();
    CHECK_FALSE(tx.reserve_owned());
    CHECK_FALSE(tx.try_reserve_owned());
  });
}

TEST_CASE("mpsc reserve_owned: a task aborted while waiting there holds no slot and no sender") {
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    tx.send(1).unwrap();
    auto h = weft::spawn([&after, tx = std::move(tx)]() mutable {
      auto permit = std::move(tx).reserve_owned();  // the last sender waits inside the permit
      after = true;
    });
    weft::yield_now();
    h.abort();
    CHECK_THROWS_AS(h.join(), weft::JoinError);
    CHECK(rx.recv() == 1);
    CHECK(rx.recv() == std::nullopt);  // the waiter's sender was dropped with it
  });
  CHECK_FALSE(after);
}

TEST_CASE("mpsc reserve_many: n slots at once, each permit sends one, unused ones come back") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::bounded<int>(3);
    {
      auto permits = tx.reserve_many(3);
      REQUIRE(permits);
      REQUIRE(permits->size() == 3);
      CHECK(tx.capacity() == 0);
      CHECK_FALSE(tx.try_reserve());
      (*permits)[0].send(10);
      (*permits)[2].send(12);
    }  // the unused permit gives its slot back
    CHECK(tx.capacity() == 1);
    CHECK(rx.recv() == 10);
    CHECK(rx.recv() == 12);
    CHECK(tx.capacity() == 3);
    CHECK_FALSE(tx.reserve_many(4));  // more than the capacity: could never be free at once
    CHECK_FALSE(tx.try_reserve_many(4));
    auto none = tx.reserve_many(0);
    REQUIRE(none);
    CHECK(none->empty());
    tx.send(1).unwrap();
    CHECK_FALSE(tx.try_reserve_many(3));  // only 2 free
    CHECK(tx.try_reserve_many(2));
    rx.close();
    CHECK_FALSE(tx.reserve_many(1));
    CHECK_FALSE(tx.reserve_many(0));
    auto [utx, urx] = weft::mpsc::unbounded<int>();
    auto many = utx.reserve_many(100);  // unbounded: never waits
    REQUIRE(many);
    CHECK(many->size() == 100);
  });
}

TEST_CASE("mpsc reserve_many: waits until n slots are free; aborted, it gives back what it had") {
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    auto [tx, rx] = weft::mpsc::bounded<int>(3);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    // Needs 3, has 1 free: it collects that one and waits for the other two.
    auto h = weft::spawn([&after, tx = tx] {
      auto permits = tx.reserve_many(3);
      after = true;
    });
    weft::yield_now();
    CHECK(tx.capacity() == 0);  // the free slot went to the waiting head
    CHECK_FALSE(tx.try_reserve());
    CHECK(rx.recv() == 1);  // now it holds 2 of 3
    h.abort();
    CHECK_THROWS_AS(h.join(), weft::JoinError);
    CHECK(tx.capacity() == 2);  // both given back
    CHECK(rx.recv() == 2);
    CHECK(tx.capacity() == 3);
    // And served: a waiter gets all three once the channel drains.
    tx.send(3).unwrap();
    auto waiter = weft::spawn([tx = tx] {
      auto permits = tx.reserve_many(3);
      REQUIRE(permits);
      for (int i = 0; i < 3; ++i) (*permits)[static_cast<std::size_t>(i)].send(10 + i);
    });
    weft::yield_now();
    CHECK(rx.recv() == 3);
    waiter.join();
    for (int i = 0; i < 3; ++i) CHECK(rx.recv() == 10 + i);
  });
  CHECK_FALSE(after);
}

TEST_CASE("mpsc reserve_many: concurrent senders never exceed the capacity, explored") {
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    const int deadlocks = weft_test::explore_random(
        200,
        [] {
          auto [tx, rx] = weft::mpsc::bounded<int>(2);
          auto a = weft::spawn([tx = tx] {
            auto p = tx.reserve_many(2);
            REQUIRE(p);
            for (auto& permit : *p) permit.send(1);
          });
          auto b = weft::spawn([tx = std::move(tx)]() mutable {
            auto p = std::move(tx).reserve_owned();
            REQUIRE(p);
            (void)p->send(2);
          });
          int sum = 0;
          while (auto v = rx.recv()) {
            CHECK(rx.len() <= 1);
            sum += *v;
          }
          CHECK(sum == 4);
          a.join();
          b.join();
        },
        flavor);
    CHECK(deadlocks == 0);
  }
}

TEST_CASE("mpsc and oneshot Sender::closed wait for the receiver to go") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto closer = weft::spawn([rx = std::move(rx)]() mutable {
      weft::sleep(1ms);
      rx.close();
    });
    tx.closed();
    CHECK(weft::now() == weft::Instant(1ms));
    closer.join();
    auto [otx, orx] = weft::oneshot::channel<int>();
    auto dropper = weft::spawn([orx = std::move(orx)] { weft::sleep(1ms); });
    otx.closed();
    CHECK(weft::now() == weft::Instant(2ms));
    dropper.join();
    CHECK_FALSE(otx.send(1).ok());
  });
}

TEST_CASE("oneshot Sender::closed in a select: stop computing what nobody wants") {
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::oneshot::channel<int>();
    auto worker = weft::spawn([tx = std::move(tx)]() mutable {
      return weft::select(weft::branch(weft::when::closed(tx), [] { return 0; }),
                          weft::branch(weft::when::sleep(1h), [] { return 1; }));
    });
    weft::sleep(1ms);
    { auto gone = std::move(rx); }
    CHECK(worker.join() == 0);
  });
}

TEST_CASE("mpsc Sender::closed: a task aborted while waiting there is dropped there") {
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    auto h = weft::spawn([&after, tx = tx] {
      tx.closed();
      after = true;
    });
    weft::yield_now();
    h.abort();
    CHECK_THROWS_AS(h.join(), weft::JoinError);
  });
  CHECK_FALSE(after);
}

// --- Semaphore close and owned permits ---------------------------------------------------------

TEST_CASE("Semaphore::close: waiting and later acquires fail, held permits stay valid") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::Semaphore sem(1);
    auto held = sem.acquire();
    auto waiter = weft::spawn([&sem] {
      try {
        auto p = sem.acquire();
        return 1;
      } catch (const weft::AcquireError&) {
        return 0;
      }
    });
    weft::yield_now();
    sem.close();
    CHECK(sem.is_closed());
    CHECK(waiter.join() == 0);
    CHECK_THROWS_AS(sem.acquire(), weft::AcquireError);
    CHECK_FALSE(sem.try_acquire());
    { auto back = std::move(held); }
    CHECK(sem.available_permits() == 1);
    CHECK_FALSE(sem.try_acquire());
  });
}

TEST_CASE("Semaphore::acquire_owned: the permit moves into a task and comes back when it ends") {
  weft::Runtime rt;
  rt.block_on([] {
    auto sem = std::make_shared<weft::Semaphore>(2);
    std::vector<weft::JoinHandle<void>> tasks;
    int running = 0, max_running = 0;
    for (int i = 0; i < 5; ++i) {
      auto permit = weft::Semaphore::acquire_owned(sem);
      tasks.push_back(weft::spawn([&, permit = std::move(permit)] {
        ++running;
        max_running = std::max(max_running, running);
        weft::sleep(1ms);
        --running;
      }));
    }
    for (auto& t : tasks) t.join();
    CHECK(max_running == 2);
    CHECK(sem->available_permits() == 2);
    auto p = weft::Semaphore::try_acquire_owned(sem, 2);
    REQUIRE(p);
    CHECK(p->num_permits() == 2);
    CHECK_FALSE(weft::Semaphore::try_acquire_owned(sem));
  });
}

TEST_CASE("Semaphore::acquire_owned: a task aborted while waiting there gives nothing away") {
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    auto sem = std::make_shared<weft::Semaphore>(0);
    auto h = weft::spawn([&after, sem] {
      auto p = weft::Semaphore::acquire_owned(sem);
      after = true;
    });
    weft::yield_now();
    h.abort();
    CHECK_THROWS_AS(h.join(), weft::JoinError);
    sem->release(1);
    CHECK(sem->available_permits() == 1);
    auto in_select = weft::spawn([sem] {
      return weft::select(weft::branch(weft::when::acquire_owned(sem), [](auto p) {
        return p ? static_cast<int>(p->num_permits()) : -1;
      }));
    });
    CHECK(in_select.join() == 1);
    CHECK(sem->available_permits() == 1);
  });
  CHECK_FALSE(after);
}

// --- Interval missed ticks ---------------------------------------------------------------------

namespace {
std::vector<long> ticks_after_stall(weft::MissedTickBehavior behavior) {
  std::vector<long> ms;
  weft::Runtime rt;
  rt.block_on([&] {
    weft::Interval every(10ms);
    every.set_missed_tick_behavior(behavior);
    ms.push_back(every.tick().time_since_epoch().count() / 1000000);  // 10
    weft::sleep(25ms);                                                // now 35: 20, 30 missed
    for (int i = 0; i < 3; ++i) {
      every.tick();
      ms.push_back(weft::now().time_since_epoch().count() / 1000000);
    }
  });
  return ms;
}
}  // namespace

TEST_CASE("Interval: Burst, Delay and Skip after missed ticks, as tokio") {
  CHECK(ticks_after_stall(weft::MissedTickBehavior::burst) == std::vector<long>{10, 35, 35, 40});
  CHECK(ticks_after_stall(weft::MissedTickBehavior::delay) == std::vector<long>{10, 35, 45, 55});
  CHECK(ticks_after_stall(weft::MissedTickBehavior::skip) == std::vector<long>{10, 35, 40, 50});
}

TEST_CASE("interval() ticks first at once, as tokio's; Interval(period) one period later") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::sleep(3ms);  // off zero, so "at once" and "at creation" are told apart from the epoch
    auto at_once = weft::interval(10ms);
    CHECK(at_once.tick() == weft::Instant(3ms));
    CHECK(weft::now() == weft::Instant(3ms));
    CHECK(at_once.tick() == weft::Instant(13ms));
    weft::Interval later(10ms);
    CHECK(later.tick() == weft::Instant(23ms));
    auto from = weft::interval_at(weft::Instant(30ms), 5ms);
    CHECK(from.tick() == weft::Instant(30ms));
  });
}

// --- simulated Ctrl-C --------------------------------------------------------------------------

TEST_CASE("signal::ctrl_c: waits for the next delivered Ctrl-C, also as a select branch") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::signal::raise_ctrl_c();  // before anyone listens: not seen by later listeners
    auto listener = weft::spawn([] {
      weft::signal::ctrl_c();
      return weft::now();
    });
    auto server = weft::spawn([] {
      int served = 0;
      for (bool running = true; running;)
        weft::select(weft::branch(weft::when::ctrl_c(), [&] { running = false; }),
                     weft::branch(weft::when::sleep(1ms), [&] { ++served; }));
      return served;
    });
    weft::sleep(3ms + 500us);
    weft::signal::raise_ctrl_c();
    CHECK(listener.join() == weft::Instant(3ms + 500us));
    CHECK(server.join() == 3);
  });
}

TEST_CASE("signal::ctrl_c: a task aborted while waiting there is dropped there") {
  weft::Runtime rt;
  bool after = false;
  rt.block_on([&] {
    auto h = weft::spawn([&after] {
      weft::signal::ctrl_c();
      after = true;
    });
    weft::yield_now();
    h.abort();
    CHECK_THROWS_AS(h.join(), weft::JoinError);
    weft::signal::raise_ctrl_c();
  });
  CHECK_FALSE(after);
}
