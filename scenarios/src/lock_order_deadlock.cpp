// Scenario 2 of docs/design.md: lock-order deadlock. Two tasks take the same two locks in opposite
// orders (the ABBA deadlock behind many "tokio::sync::Mutex hangs forever" reports), the fixes by
// a consistent order and by one owner task, and a try_lock variant that gives up instead of
// hanging.
#include <chrono>
#include <memory>
#include <string>

#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// The bank: an accounts table and an audit log, each behind its own lock.
struct Bank {
  weft::Mutex<int> accounts{100};  // the balance moved around by transfers
  weft::Mutex<int> audit{0};       // entries written to the audit log
};

enum class Variant { yield_between, no_yield, consistent_order };

// transfer: accounts, then audit. audit: audit, then accounts (the inversion), or accounts first
// when the order is consistent.
void two_lockers(Variant variant) {
  weft::Runtime rt;
  rt.block_on([variant] {
    auto bank = std::make_shared<Bank>();
    const bool yield = variant != Variant::no_yield;
    auto transfer = weft::spawn(
        [bank, yield] {
          auto accounts = bank->accounts.lock();
          if (yield) weft::yield_now();  // e.g. an await on the database between the two locks
          auto audit = bank->audit.lock();
          *accounts -= 10;
          *audit += 1;
        },
        "transfer");
    auto audit = weft::spawn(
        [bank, yield, variant] {
          if (variant == Variant::consistent_order) {
            auto accounts = bank->accounts.lock();
            if (yield) weft::yield_now();
            auto audit = bank->audit.lock();
            *audit += *accounts >= 0 ? 1 : 0;
          } else {
            auto audit = bank->audit.lock();
            if (yield) weft::yield_now();
            auto accounts = bank->accounts.lock();
            *audit += *accounts >= 0 ? 1 : 0;
          }
        },
        "audit");
    transfer.join();
    audit.join();
  });
}

// The fix by message passing: one owner task holds the accounts and the audit log (no locks at
// all); the two clients send it commands and wait for the reply on a oneshot channel.
enum class Command { transfer, audit };
struct Request {
  Command command;
  weft::oneshot::Sender<int> reply;
};

void owner_task() {
  weft::Runtime rt;
  rt.block_on([] {
    auto [requests_tx, requests_rx] = weft::mpsc::unbounded<Request>();
    auto owner = weft::spawn(
        [rx = std::move(requests_rx)]() mutable {
          int accounts = 100, audit = 0;
          while (auto request = rx.recv()) {
            if (request->command == Command::transfer) accounts -= 10;
            audit += 1;
            // The client may have given up waiting: a failed reply is not an error here.
            (void)request->reply.send(request->command == Command::transfer ? accounts : audit);
          }
        },
        "owner");
    auto ask = [](const weft::mpsc::Sender<Request>& to, Command command) {
      auto [reply_tx, reply_rx] = weft::oneshot::channel<int>();
      to.send(Request{command, std::move(reply_tx)}).expect("the owner outlives its clients");
      return reply_rx.recv().value();
    };
    auto transfer = weft::spawn(
        [tx = requests_tx, ask] { WEFT_CHECK(ask(tx, Command::transfer) <= 90); }, "transfer");
    auto audit =
        weft::spawn([tx = requests_tx, ask] { WEFT_CHECK(ask(tx, Command::audit) >= 1); }, "audit");
    { auto drop = std::move(requests_tx); }  // the owner stops once both clients are done
    transfer.join();
    audit.join();
    owner.join();
  });
}

// Each task takes its first lock, then tries the second a few times with virtual-time sleeps in
// between, and gives up (releasing the first) rather than waiting forever. The root reports a
// task that gave up as a possible deadlock.
enum class Outcome { done, gave_up };
constexpr int kTries = 5;
constexpr auto kBackoff = 2ms;

Outcome lock_both_or_give_up(weft::Mutex<int>& first, weft::Mutex<int>& second) {
  auto held = first.lock();
  weft::yield_now();
  for (int attempt = 0; attempt < kTries; ++attempt) {
    if (auto other = second.try_lock()) {
      *held += 1;
      **other += 1;
      return Outcome::done;
    }
    weft::sleep(kBackoff);
  }
  return Outcome::gave_up;
}

void try_lock_with_backoff() {
  weft::Runtime rt;
  rt.block_on([] {
    auto bank = std::make_shared<Bank>();
    auto transfer = weft::spawn(
        [bank] { return lock_both_or_give_up(bank->accounts, bank->audit); }, "transfer");
    auto audit =
        weft::spawn([bank] { return lock_both_or_give_up(bank->audit, bank->accounts); }, "audit");
    const Outcome t = transfer.join();
    const Outcome a = audit.join();
    const auto waited =
        std::chrono::duration_cast<std::chrono::milliseconds>(weft::now().time_since_epoch());
    weft::check(t == Outcome::done && a == Outcome::done,
                "possible deadlock: " + std::string(t == Outcome::gave_up ? "transfer" : "audit") +
                    " gave up taking its second lock after " + std::to_string(kTries) + " tries (" +
                    std::to_string(waited.count()) + " ms of virtual time)");
  });
}

constexpr const char* kStory =
    " A transfer task locks the accounts table, then the audit log; an audit task locks the "
    "audit log, then the accounts table (both are tokio-style async Mutexes). The root spawns "
    "both and joins them.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "lock-order-deadlock",
    .description =
        std::string("Two tasks take two locks in opposite orders and deadlock.") + kStory +
        " Each yields between its two locks (an await in between, e.g. a query), so whenever "
        "both take their first lock before either takes its second, each waits for the lock the "
        "other holds, forever. weft reports the deadlock with both tasks, what each holds and "
        "waits for, and the wait-for cycle. Lock-order checking is off for this variant so that "
        "it shows the deadlock detector alone (with it on, the schedules that happen not to "
        "deadlock are reported as lock_order).",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { two_lockers(Variant::yield_between); },
    .expect = {.failure = weft::FailureKind::deadlock,
               .budgets = {{"random", 15}, {"pct", 25}, {"dfs", 5}}},
    .tune = [](weft::ExploreOptions& o) { o.lock_order = false; },
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "lock-order-inversion",
    .description =
        std::string("Two tasks take two locks in opposite orders with no await in between: "
                    "lockdep reports the inversion from one schedule that did not deadlock.") +
        kStory +
        " Nothing happens between the two locks, so the deadlock window is tiny and real runs "
        "rarely hit it; on a current-thread runtime (tokio::test's default) no schedule "
        "deadlocks at all. The lock-order detector records \"took B while holding A\" edges and "
        "reports the A->B->A cycle from the very first execution. (With --flavor multi_thread "
        "--lock-order=false weft finds the real deadlock too: DFS at its 10th execution.)",
    .flavor = weft::Flavor::current_thread,
    .body = [] { two_lockers(Variant::no_yield); },
    .expect = {.failure = weft::FailureKind::lock_order,
               .budgets = {{"random", 1}, {"pct", 1}, {"dfs", 1}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "lock-order-consistent",
    .description =
        std::string("Fixed: both tasks take the two locks in the same order.") + kStory +
        " Here the audit task also locks the accounts table first, then the audit log (and "
        "still yields in between), so no cycle of waits can form. Clean under exhaustive DFS "
        "with preemption bound 3.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { two_lockers(Variant::consistent_order); },
    .expect = {.dfs_preemption_bound = 3},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "lock-order-owner-task",
    .description =
        std::string("Fixed: one owner task holds the accounts and the audit log; the others "
                    "send it messages.") +
        kStory +
        " Here neither is a lock: an owner task owns both and serves commands from an unbounded "
        "channel, replying on a oneshot channel, so there is no lock to take in the wrong order. "
        "Clean under exhaustive DFS with preemption bound 2.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { owner_task(); },
    .expect = {.dfs_preemption_bound = 2},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "lock-order-try-lock-gives-up",
    .description =
        std::string("Two tasks take two locks in opposite orders, but with try_lock and a bounded "
                    "number of retries: a possible deadlock is reported instead of a hang.") +
        kStory +
        " Here each task takes its first lock, yields, then tries the second lock 5 times with "
        "2 ms virtual-time sleeps in between and gives up (releasing the first) when it never "
        "gets it; the root then fails a check \"possible deadlock: ... gave up ...\". With paused "
        "time the test sees it after 10 ms of virtual time and no wall time. The failure is the "
        "root's check (body_failure), not a hang.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { try_lock_with_backoff(); },
    .expect = {.failure = weft::FailureKind::body_failure,
               .budgets = {{"random", 15}, {"pct", 100}, {"dfs", 5}}},
    .source = __FILE__,
});

}  // namespace
