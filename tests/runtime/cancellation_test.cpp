// Where cancellation lands (tokio's model): abort, a timeout running out and the shutdown drop
// take effect only where the task suspends (an await), never between two operations that do not
// suspend and never inside a destructor; a destructor that must wait while its task is dropped is
// a panic of that task; a timeout's inner work wins a tie with the deadline.
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {
constexpr std::uint64_t kSeeds = 200;

// The worker of issue 16: a pair of counters that only ever differ between its two fetch_adds.
void pair_worker(weft::Atomic<int>& a, weft::Atomic<int>& b) {
  for (;;) {
    weft::sleep(1ms);
    a.fetch_add(1);
    b.fetch_add(1);
  }
}
}  // namespace

TEST_CASE("abort lands where the task suspends, never between two non-suspending operations") {
  int runs_with_progress = 0;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    weft_test::RandomChooser chooser(seed);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::multi_thread});
    weft::Atomic<int> a(0), b(0);
    int seen_a = -1, seen_b = -2;
    rt.block_on([&] {
      auto worker = weft::spawn([&] { pair_worker(a, b); }, "worker");
      weft::sleep(std::chrono::milliseconds(weft::choose(4)));
      worker.abort();
      try {
        worker.join();
      } catch (const weft::JoinError& e) {
        CHECK(e.is_cancelled());
      }
      seen_a = a.load();
      seen_b = b.load();
    });
    INFO("seed " << seed);
    CHECK(seen_a == seen_b);
    if (seen_a > 0) ++runs_with_progress;
  }
  CHECK(runs_with_progress > 0);
}

TEST_CASE("the shutdown drop waits for a task between two awaits to reach its next one") {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    weft_test::RandomChooser chooser(seed);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::multi_thread});
    weft::Atomic<int> a(0), b(0);
    rt.block_on([&] {
      weft::spawn([&] { pair_worker(a, b); }, "worker");
      weft::sleep(std::chrono::milliseconds(weft::choose(4)));
    });
    INFO("seed " << seed);
    CHECK(a.load() == b.load());
  }
}

namespace {
// Undoes its count and reports on a channel when destroyed: by a return, or by a drop.
struct Tally {
  weft::Atomic<int>& open;
  weft::mpsc::Sender<int>& report;
  explicit Tally(weft::Atomic<int>& o, weft::mpsc::Sender<int>& r) : open(o), report(r) {
    open.fetch_add(1);
  }
  ~Tally() {
    open.fetch_sub(1);     // never a cancellation point
    (void)report.send(1);  // unbounded: never waits, never a cancellation point
  }
};
}  // namespace

TEST_CASE("a guard whose destructor does fetch_sub and an unbounded send survives any abort") {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    weft_test::RandomChooser chooser(seed);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::multi_thread});
    weft::Atomic<int> open(0);
    int left_open = -1;
    rt.block_on([&] {
      auto [tx, rx] = weft::mpsc::unbounded<int>();
      auto worker = weft::spawn(
          [&open, tx = std::move(tx)]() mutable {
            for (;;) {
              Tally tally(open, tx);
              weft::sleep(1ms);
            }
          },
          "worker");
      weft::sleep(std::chrono::milliseconds(weft::choose(3)));
      worker.abort();
      try {
        worker.join();
      } catch (const weft::JoinError& e) {
        CHECK(e.is_cancelled());
      }
      left_open = open.load();
    });
    INFO("seed " << seed);
    CHECK(left_open == 0);
  }
}

namespace {
// "Flush on drop": hands its last value to a bounded channel when destroyed.
struct FlushOnDrop {
  weft::mpsc::Sender<int>& out;
  ~FlushOnDrop() { (void)out.send(99); }
};

// The panic events of a run: their texts and values.
struct PanicEvents final : weft::Observer {
  void on_event(const weft::Event& e) override {
    if (e.kind != weft::EventKind::panic) return;
    texts.push_back(std::string(e.text));
    values.push_back(e.value);
  }
  std::vector<std::string> texts;
  std::vector<std::int64_t> values;
};
}  // namespace

TEST_CASE("a destructor that must wait while its task is dropped is a panic of that task") {
  std::string message;
  bool joined_panic = false;
  weft::Runtime rt;
  rt.block_on([&] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    tx.send(1).unwrap();  // full: the flush has to wait for a receive that never comes
    auto worker = weft::spawn(
        [tx = tx]() mutable {
          FlushOnDrop flush{tx};
          weft::sleep(1h);
        },
        "worker");
    weft::yield_now();  // the worker sleeps
    worker.abort();
    try {
      worker.join();
    } catch (const weft::JoinError& e) {
      joined_panic = e.is_panic();
      message = e.what();
    }
  });
  CHECK(joined_panic);
  CHECK_THAT(message, Catch::Contains("destructor waited"));
}

TEST_CASE("a destructor that waits during the shutdown drop is reported as that task's panic") {
  PanicEvents panics;
  weft::detail::ScopedExplorationHooks hooks({.observer = &panics});
  weft::Runtime rt;
  rt.block_on([&] {
    auto [tx, rx] = weft::mpsc::bounded<int>(1);
    tx.send(1).unwrap();
    weft::spawn(
        [tx = tx, rx = std::move(rx)]() mutable {
          FlushOnDrop flush{tx};
          weft::sleep(1h);
        },
        "worker");
    weft::yield_now();
  });
  REQUIRE(panics.texts.size() == 1);
  CHECK_THAT(panics.texts[0], Catch::Contains("destructor waited"));
}

TEST_CASE("a destructor that throws while its task is aborted is a panic that says so") {
  // In C++ an exception thrown by a destructor during unwinding calls std::terminate; the drop's
  // unwinding is weft's, so the task ends as a panic whose event is marked and names the
  // exception, not as a destructor that waited.
  struct ThrowsOnDrop {
    ~ThrowsOnDrop() noexcept(false) { throw std::runtime_error("flush failed while closing"); }
  };
  PanicEvents panics;
  weft::detail::ScopedExplorationHooks hooks({.observer = &panics});
  weft::Runtime rt;
  bool joined_panic = false;
  rt.block_on([&] {
    auto worker = weft::spawn(
        [] {
          ThrowsOnDrop guard;
          weft::sleep(1h);
        },
        "worker");
    weft::yield_now();  // the worker sleeps
    worker.abort();
    try {
      worker.join();
    } catch (const weft::JoinError& e) {
      joined_panic = e.is_panic();
    }
  });
  CHECK(joined_panic);
  REQUIRE(panics.texts.size() == 1);
  CHECK_THAT(panics.texts[0], Catch::Contains("a destructor threw") &&
                                  Catch::Contains("flush failed while closing"));
  CHECK(panics.values[0] == weft::kPanicThrowingDestructor);
}

TEST_CASE(
    "a destructor waiting at scope exit when the abort arrives ends as a panic, not a crash") {
  // The abort can reach the worker between two awaits; it then goes on to the end of the
  // guard's scope, whose destructor must wait on a full channel. The cancellation cannot be
  // delivered inside a destructor, nor can the destructor be resumed after it: a panic.
  int panics = 0;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    weft_test::RandomChooser chooser(seed);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::multi_thread});
    weft::Atomic<int> steps(0);
    rt.block_on([&] {
      auto [tx, rx] = weft::mpsc::bounded<int>(1);
      tx.send(1).unwrap();
      auto worker = weft::spawn(
          [&steps, tx = tx]() mutable {
            FlushOnDrop flush{tx};
            steps.fetch_add(1);
            steps.fetch_add(1);
          },
          "worker");
      worker.abort();
      try {
        worker.join();
      } catch (const weft::JoinError& e) {
        if (e.is_panic()) ++panics;
      }
    });
  }
  CHECK(panics > 0);  // some schedules get there; none may end the process
}

TEST_CASE("timeout: work ready at the deadline wins the tie, as tokio polls it first") {
  for (auto flavor : {weft::Flavor::current_thread, weft::Flavor::multi_thread}) {
    std::optional<int> got;
    weft::Runtime rt(weft::RuntimeOptions{.flavor = flavor});
    rt.block_on([&] {
      got = weft::timeout(2ms, [] {
        weft::sleep(2ms);
        return 42;
      });
    });
    CHECK(got == 42);
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
      weft_test::RandomChooser chooser(seed);
      weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
      weft::Runtime explored(weft::RuntimeOptions{.flavor = flavor});
      std::optional<int> value;
      explored.block_on([&] {
        value = weft::timeout(2ms, [] {
          weft::sleep(2ms);
          return 42;
        });
      });
      INFO("seed " << seed);
      CHECK(value == 42);
    }
  }
}

TEST_CASE("timeout: work still pending at the deadline loses, also when it yields there") {
  weft::Runtime rt;
  rt.block_on([&] {
    CHECK_FALSE(weft::timeout(2ms, [] {
                  weft::sleep(3ms);
                  return 1;
                }).has_value());
    // Woken at the deadline, it suspends again before finishing: the deadline wins.
    bool unwound = false;
    struct Mark {
      bool& flag;
      ~Mark() { flag = true; }
    };
    CHECK_FALSE(weft::timeout(2ms, [&] {
                  Mark mark{unwound};
                  weft::sleep(2ms);
                  weft::yield_now();
                  return 1;
                }).has_value());
    CHECK(unwound);
    // A zero limit still polls the work once: done without suspending, it wins.
    CHECK(weft::timeout(0ms, [] { return 7; }) == 7);
    CHECK(weft::timeout_at(weft::now() + 1ms, [] {
            weft::sleep(1ms);
            return 8;
          }) == 8);
  });
}

TEST_CASE("an aborted task that finishes without suspending again returns its value") {
  // multi_thread, scripted: the root preempts the worker between its operations and aborts it;
  // the worker never suspends again, so it completes (tokio: the abort came too late).
  int finished = 0, cancelled = 0;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    weft_test::RandomChooser chooser(seed);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::multi_thread});
    weft::Atomic<int> n(0);
    rt.block_on([&] {
      auto worker = weft::spawn([&] {
        n.fetch_add(1);
        n.fetch_add(1);
        return n.load();
      });
      // No yield_now here: a yielding root gives way, and fairness then runs the worker before
      // the root again, which would leave the "dropped before it first ran" outcome unreachable.
      // The spawn itself is a scheduling point, where either task may go on.
      worker.abort();
      try {
        const int value = worker.join();
        CHECK(value == 2);
        ++finished;
      } catch (const weft::JoinError& e) {
        CHECK(e.is_cancelled());
        ++cancelled;
        CHECK(n.load() == 0);  // dropped before it first ran: nothing of it ran
      }
    });
  }
  CHECK(finished > 0);
  CHECK(cancelled > 0);
}
