// The leak check (ExplorationHooks::leak_grace): after the root returns, the other tasks keep
// running until they finish or cannot get anywhere; leak_check counts the ones left, then the
// usual shutdown drops them.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {
struct Watch final : weft::Observer {
  void on_event(const weft::Event& e) override {
    if (e.kind == weft::EventKind::leak_check) {
      checks.push_back(e.value);
      why = std::string(e.text);
      at = e.time;
      tasks = e.runtime->tasks();
    }
    if (e.kind == weft::EventKind::drop) ++drops;
    if (e.kind == weft::EventKind::finish && e.task == 0) root_returned = e.time;
  }
  std::vector<std::int64_t> checks;
  std::string why;
  weft::Duration at{}, root_returned{};
  std::vector<weft::TaskSnapshot> tasks;
  int drops = 0;
};
}  // namespace

TEST_CASE("leak check: a task that finishes after the root returned runs to its end") {
  Watch watch;
  weft::detail::ScopedExplorationHooks hooks({.observer = &watch, .leak_grace = 1s});
  weft::Runtime rt;
  auto done = std::make_shared<bool>(false);
  rt.block_on([done] {
    weft::spawn(
        [done] {
          weft::sleep(10ms);
          *done = true;
        },
        "late");
  });
  CHECK(*done);
  CHECK(watch.checks == std::vector<std::int64_t>{0});
  CHECK(watch.why == "every task finished");
  CHECK(watch.drops == 0);
}

TEST_CASE("leak check: a task blocked forever is counted, then dropped at shutdown") {
  Watch watch;
  weft::detail::ScopedExplorationHooks hooks({.observer = &watch, .leak_grace = 1s});
  weft::Runtime rt;
  rt.block_on([] {
    auto [tx, rx] = weft::mpsc::unbounded<int>();
    // It holds the only sender of the channel it waits on.
    weft::spawn([tx = std::move(tx), rx = std::move(rx)]() mutable { rx.recv(); }, "stuck");
    weft::yield_now();
  });
  CHECK(watch.checks == std::vector<std::int64_t>{1});
  CHECK(watch.why == "no task can run and no timer is pending");
  REQUIRE(watch.tasks.size() == 1);
  CHECK(watch.tasks[0].name == "stuck");
  CHECK(watch.tasks[0].state == weft::TaskState::blocked);
  CHECK(watch.tasks[0].wait_op == weft::Op::recv);
  CHECK(watch.drops == 1);
  CHECK(watch.at == watch.root_returned);
}

TEST_CASE("leak check: a task sleeping in a loop is still alive when the grace period ends") {
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    Watch watch;
    weft_test::RandomChooser chooser(3);
    weft::detail::ScopedExplorationHooks hooks(
        {.chooser = &chooser, .observer = &watch, .leak_grace = 250ms});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = flavor});
    rt.block_on([] {
      weft::spawn(
          [] {
            for (;;) weft::sleep(100ms);
          },
          "ticker");
      weft::sleep(5ms);
    });
    CHECK(watch.checks == std::vector<std::int64_t>{1});
    CHECK(watch.why == "the grace period ended with timers still pending");
    CHECK(watch.at == watch.root_returned + 250ms);
    CHECK(watch.drops == 1);
  }
}

TEST_CASE("leak check: off without the hook, and tasks are dropped at once") {
  Watch watch;
  weft::detail::ScopedExplorationHooks hooks({.observer = &watch});
  weft::Runtime rt;
  auto done = std::make_shared<bool>(false);
  rt.block_on([done] {
    weft::spawn(
        [done] {
          weft::sleep(10ms);
          *done = true;
        },
        "late");
  });
  CHECK_FALSE(*done);
  CHECK(watch.checks.empty());
  CHECK(watch.drops == 1);
}
