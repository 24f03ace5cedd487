// Shutdown: drops wake blocked tasks; in multi_thread a woken task may run before its own drop,
// in current_thread it never does. Choices are scripted to reach each drop order.
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {
struct Outcome {
  bool receiver_returned = false;
  bool saw_closed = false;
};

// Task "receiver" (#1) waits on a channel whose only sender is owned by task "sender" (#2),
// which sleeps forever; the root returns at once, so both are still alive at shutdown.
void receiver_and_sender(Outcome& out) {
  auto [tx, rx] = weft::mpsc::unbounded<int>();
  weft::spawn(
      [&out, rx = std::move(rx)]() mutable {
        auto v = rx.recv();
        out.receiver_returned = true;
        out.saw_closed = !v.has_value();
      },
      "receiver");
  weft::spawn(
      [tx = std::move(tx)] {
        for (;;) weft::sleep(1h);
      },
      "sender");
  weft::yield_now();  // both start and block
}

bool all_drops(const weft_test::Asked& a) {
  for (const auto& c : a.candidates)
    if (c.op != weft::Op::drop) return false;
  return true;
}
}  // namespace

TEST_CASE("shutdown, multi_thread: a receiver woken by the sender's drop runs and sees closed") {
  // Shutdown candidates: drops of live tasks in id order, then runnable tasks.
  // 1st decision [drop receiver, drop sender] -> 1; 2nd [drop receiver, run receiver] -> 1.
  weft_test::ScriptedChooser chooser({1, 1}, weft::DecisionKind::shutdown);
  weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
  weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::multi_thread});
  Outcome out;
  rt.block_on([&] { receiver_and_sender(out); });
  CHECK(out.receiver_returned);
  CHECK(out.saw_closed);

  std::vector<weft_test::Asked> shutdown;
  for (const auto& a : chooser.asked)
    if (a.kind == weft::DecisionKind::shutdown) shutdown.push_back(a);
  REQUIRE(shutdown.size() >= 2);
  REQUIRE(shutdown[0].candidates.size() == 2);
  CHECK(all_drops(shutdown[0]));
  REQUIRE(shutdown[1].candidates.size() == 2);
  CHECK(shutdown[1].candidates[0].op == weft::Op::drop);
  CHECK(shutdown[1].candidates[1].op == weft::Op::recv);  // the receiver's pending operation
  CHECK(shutdown[1].candidates[0].task == shutdown[1].candidates[1].task);
}

TEST_CASE("shutdown, multi_thread: dropping the receiver first means it never returns") {
  weft_test::ScriptedChooser chooser({0}, weft::DecisionKind::shutdown);
  weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
  weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::multi_thread});
  Outcome out;
  rt.block_on([&] { receiver_and_sender(out); });
  CHECK_FALSE(out.receiver_returned);
}

TEST_CASE("shutdown, current_thread: a task woken by a drop is dropped without running") {
  weft_test::ScriptedChooser chooser({1, 1, 1}, weft::DecisionKind::shutdown);
  weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
  weft::Runtime rt(weft::RuntimeOptions{.flavor = weft::Flavor::current_thread});
  Outcome out;
  rt.block_on([&] { receiver_and_sender(out); });
  CHECK_FALSE(out.receiver_returned);
  std::size_t shutdown = 0;
  for (const auto& a : chooser.asked) {
    if (a.kind != weft::DecisionKind::shutdown) continue;
    ++shutdown;
    CHECK(all_drops(a));  // never a "run" candidate
  }
  CHECK(shutdown == 1);  // after the sender's drop only the receiver is left: no decision
}

TEST_CASE("shutdown: a lock held by a dropped task goes to the waiter, which may still run") {
  // 1st [drop holder, drop waiter] -> 0; 2nd [drop waiter, run waiter] -> 1.
  weft_test::ScriptedChooser chooser({0, 1}, weft::DecisionKind::shutdown);
  weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
  weft::Runtime rt;
  weft::Mutex<int> m(0);
  bool waiter_locked = false;
  rt.block_on([&] {
    weft::spawn(
        [&] {
          auto g = m.lock();
          weft::sleep(1h);
        },
        "holder");
    weft::spawn(
        [&] {
          auto g = m.lock();
          waiter_locked = true;
        },
        "waiter");
    weft::yield_now();
  });
  CHECK(waiter_locked);
  CHECK_FALSE(m.is_locked());
}

TEST_CASE("shutdown: the producer/worker panic needs a drop order and a run between drops") {
  // Scenario 1 of docs/design.md in small: the worker replies n + 1; the producer treats a closed
  // reply channel as impossible. The root returns while the producer waits for a reply.
  auto body = [](weft::Atomic<bool>& stop) {
    auto [req_tx, req_rx] = weft::mpsc::unbounded<int>();
    auto [rep_tx, rep_rx] = weft::mpsc::unbounded<int>();
    weft::spawn(
        [req_rx = std::move(req_rx), rep_tx = std::move(rep_tx)]() mutable {
          while (auto n = req_rx.recv()) (void)rep_tx.send(*n + 1);
        },
        "worker");
    weft::spawn(
        [&stop, req_tx = std::move(req_tx), rep_rx = std::move(rep_rx)]() mutable {
          for (int i = 0; !stop.load(); ++i) {
            req_tx.send(i).unwrap();
            int reply = rep_rx.recv().value();  // throws if the reply channel is closed
            WEFT_CHECK(reply == i + 1);
          }
        },
        "producer");
    weft::yield_now();  // the producer sends 0 and waits for the reply
    stop.store(true);
  };
  struct PanicWatch final : weft::Observer {
    void on_event(const weft::Event& e) override {
      if (e.kind == weft::EventKind::spawn) names[e.task] = std::string(e.text);
      if (e.kind == weft::EventKind::panic) panicked.push_back(names[e.task]);
    }
    std::map<weft::TaskId, std::string> names;
    std::vector<std::string> panicked;
  };
  for (auto flavor : {weft::Flavor::multi_thread, weft::Flavor::current_thread}) {
    PanicWatch watch;
    // Shutdown: [drop worker, drop producer, run worker] -> 0 (drop the worker), then
    // [drop producer, run producer] -> 1 (run it: its reply channel just closed).
    weft_test::ScriptedChooser chooser({0, 1}, weft::DecisionKind::shutdown);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser, .observer = &watch});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = flavor});
    weft::Atomic<bool> stop(false);
    rt.block_on([&] { body(stop); });
    if (flavor == weft::Flavor::multi_thread)
      CHECK(watch.panicked == std::vector<std::string>{"producer"});
    else
      CHECK(watch.panicked.empty());  // drops back to back: the producer never runs again
  }
}
