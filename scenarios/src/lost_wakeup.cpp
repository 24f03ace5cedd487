// Scenario 8 of docs/design.md: a lost wake-up. A waiter checks a flag, then waits for a
// notification; the notifier sets the flag and notifies in between, with a notify that stores no
// permit (tokio's Notify::notify_waiters), so the waiter sleeps forever.
#include <chrono>
#include <memory>
#include <string>

#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

namespace {

enum class Variant { notify_waiters, notify_one, condvar };

struct Shared {
  weft::Atomic<bool> ready{false};
  weft::Notify notify;
  // For the condition-variable fix: the flag lives under the lock.
  weft::Mutex<bool> ready_locked{false};
  weft::CondVar changed;
};

void wait_for_ready(Variant variant, Shared& s) {
  if (variant == Variant::condvar) {
    auto guard = s.ready_locked.lock();
    s.changed.wait(guard, [&] { return *guard; });  // checked under the lock: nothing is lost
    return;
  }
  if (!s.ready.load()) {
    // The window: the notifier may set the flag and notify right here, before we wait.
    s.notify.notified();
  }
}

void set_ready(Variant variant, Shared& s) {
  switch (variant) {
    case Variant::notify_waiters:
      s.ready.store(true);
      s.notify.notify_waiters();  // wakes the tasks waiting now; stores nothing for later
      break;
    case Variant::notify_one:
      s.ready.store(true);
      s.notify.notify_one();  // with nobody waiting, stores a permit the next wait consumes
      break;
    case Variant::condvar: {
      auto guard = s.ready_locked.lock();
      *guard = true;
      s.changed.notify_all();
      break;
    }
  }
}

void ready_signal(Variant variant) {
  weft::Runtime rt;
  rt.block_on([variant] {
    auto shared = std::make_shared<Shared>();
    auto waiter = weft::spawn([variant, shared] { wait_for_ready(variant, *shared); }, "waiter");
    auto notifier = weft::spawn([variant, shared] { set_ready(variant, *shared); }, "notifier");
    waiter.join();
    notifier.join();
  });
}

constexpr const char* kStory =
    " A waiter task checks a ready flag and, if it is not set, waits for a notification; a "
    "notifier task sets the flag and notifies. The root joins both.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "lost-wakeup",
    .description =
        std::string("A notification sent between a waiter's check and its wait is lost.") + kStory +
        " The notifier uses notify_waiters, which wakes only the tasks already waiting and "
        "stores no permit: when it runs after the waiter saw the flag unset but before the "
        "waiter started waiting, the waiter waits forever. weft reports a deadlock: the root "
        "waits for the waiter, the waiter waits on the Notify, nothing can wake it.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { ready_signal(Variant::notify_waiters); },
    .expect = {.failure = weft::FailureKind::deadlock,
               .budgets = {{"random", 150}, {"pct", 100}, {"dfs", 10}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "lost-wakeup-notify-one",
    .description =
        std::string("Fixed: notify_one stores a permit when nobody waits yet.") + kStory +
        " Here the notifier calls notify_one: if the waiter is not waiting yet, a permit is "
        "stored and its wait returns at once. Clean under exhaustive DFS with preemption "
        "bound 3.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { ready_signal(Variant::notify_one); },
    .expect = {.dfs_preemption_bound = 3},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "lost-wakeup-condvar",
    .description =
        std::string("Fixed: the flag is checked under a lock, with a condition variable.") +
        kStory +
        " Here the flag lives in a Mutex and the waiter uses CondVar::wait with a predicate, "
        "which checks the flag and starts waiting without releasing the lock in between (and "
        "re-checks after spurious wake-ups, which weft explores too: one per execution by "
        "default, counted by DFS as a preemption). Clean under exhaustive DFS with preemption "
        "bound 3.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { ready_signal(Variant::condvar); },
    .expect = {.dfs_preemption_bound = 3},
    .source = __FILE__,
});

}  // namespace
