// The wall-clock watchdog: one thread for the process that watches every exploring thread. An
// execution whose thread neither began a task step nor a new execution for the configured time is
// stuck where weft cannot preempt it (a task spinning without a scheduling point, a real
// std::mutex or condition variable, a blocking system call): it is reported as a hang with a trace
// of the decisions so far, and the process exits with status 1 instead of hanging its CI job.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <thread>

#include "crash_guard.hpp"
#include "isolation.hpp"

namespace weft::detail {
namespace {

using Clock = std::chrono::steady_clock;

class Watchdog {
 public:
  void add(ThreadSlot* slot) {
    std::lock_guard lock(mutex_);
    slot->seen_beats = ~std::uint64_t{0};
    slots_.push_back(slot);
    if (!started_) {
      started_ = true;
      // Detached and never stopped: it sleeps while nothing is registered.
      std::thread([this] { run(); }).detach();
    }
  }
  void remove(ThreadSlot* slot) {
    // Under the lock: a report in progress reads the slot, which must outlive it.
    std::lock_guard lock(mutex_);
    slots_.erase(std::remove(slots_.begin(), slots_.end(), slot), slots_.end());
  }

 private:
  [[noreturn]] void run() {
    for (;;) {
      double period = 0.2;
      {
        std::lock_guard lock(mutex_);
        const auto now = Clock::now();
        for (ThreadSlot* s : slots_) {
          const double limit = s->context->watchdog_seconds;
          period = std::min(period, std::max(limit / 10, 0.005));
          if (!s->running.load(std::memory_order_acquire)) {
            s->seen_beats = ~std::uint64_t{0};
            continue;
          }
          // Both only grow, so their sum moves whenever either does.
          const std::uint64_t beats = s->executions.load(std::memory_order_acquire) +
                                      s->watch->beats.load(std::memory_order_acquire);
          if (beats != s->seen_beats) {
            s->seen_beats = beats;
            s->seen_at = now;
          } else if (std::chrono::duration<double>(now - s->seen_at).count() >= limit) {
            report_stuck(*s, limit);
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::duration<double>(period));
    }
  }

  // The stuck thread made no step since the watchdog last saw its heartbeat (acquire), so what
  // it wrote before (decisions, the running task) is visible and no longer changing.
  [[noreturn]] static void report_stuck(const ThreadSlot& slot, double limit) {
    const ExplorationContext& c = *slot.context;
    const RunningTaskInfo t = running_task(*slot.watch);
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g s", limit);
    Failure f;
    f.kind = FailureKind::hang;
    f.step = t.step;
    if (t.in_task) {
      f.task = t.task;
      f.task_name.assign(t.name, t.name_size);
      if (*t.site.file_name() != '\0') f.where = Location::from(t.site);
      f.message = "the task held the thread for " + std::string(seconds) +
                  " of wall time without reaching a scheduling point (the watchdog stopped it): "
                  "it spins, or blocks the thread on something weft does not see (a real "
                  "std::mutex or std::condition_variable, a blocking system call, another OS "
                  "thread)";
      f.details.push_back("its last weft operation: " + std::string(to_string(t.last_op)) +
                          (f.where.known() ? " at " + f.where.to_string() : std::string()));
      // The thread cannot be asked what it blocks on, so the hint names every usual culprit.
      f.details.push_back(
          "std code under test: switch it to weft::sim (std::mutex -> weft::sim::mutex, "
          "std::condition_variable -> weft::sim::condition_variable, std::thread -> "
          "weft::sim::thread, std::this_thread::sleep_for -> weft::sim::this_thread::sleep_for; "
          "<weft/sim.hpp>, README \"Testing code that uses std::thread\")");
      f.details.push_back(
          "tokio-shaped code: use weft's primitives (weft::Mutex, weft::CondVar, channels) or "
          "add weft::yield_now() in loops, so that the scheduler sees the wait");
    } else {
      f.message = "the execution made no progress for " + std::string(seconds) +
                  " of wall time outside any task (in the test body, or the thread is blocked "
                  "on something weft does not see)";
    }
    const std::vector<Decision>* decisions = slot.decisions.load(std::memory_order_acquire);
    f.details.push_back("the watchdog limit is --watchdog (WEFT_WATCHDOG) seconds; 0 turns it off");
    if (slot.isolation != nullptr) {  // the parent reports it
      child_record_failure(*slot.isolation, slot, f);
      _exit(1);
    }
    const std::string path = write_crash_trace(slot, f);

    std::string text = "\nweft: WATCHDOG: ";
    if (!c.replaying.empty())
      text += "replaying " + c.replaying + " (scenario " + c.scenario + ")";
    else
      text += "execution " + std::to_string(slot.index.load()) + " (seed " +
              std::to_string(slot.seed.load()) + ") of scenario " + c.scenario + ", strategy " +
              c.strategy;
    text += " made no progress for " + std::string(seconds) + "\n" + f.describe() + "\n";
    if (decisions != nullptr)
      text += "decisions so far: " + std::to_string(decisions->size()) + "\n";
    if (!path.empty())
      text += "trace: " + path + "\nreplay: " + c.replay_command + " " + path + "\n";
    if (c.replaying.empty()) {
      text +=
          "weft: rerun this execution: " + c.rerun.with(slot.index.load(), slot.seed.load()) + "\n";
    }
    text += "SUMMARY: weft: hang in " + c.scenario + " (watchdog)\n";
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t w = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
      if (w <= 0) break;
      done += static_cast<std::size_t>(w);
    }
    // The stuck thread cannot be unwound or joined: leave without running destructors.
    _exit(1);
  }

  std::mutex mutex_;
  std::vector<ThreadSlot*> slots_;
  bool started_ = false;
};

Watchdog& watchdog() {
  static Watchdog* dog = new Watchdog;  // never destroyed: its thread outlives main's statics
  return *dog;
}

}  // namespace

void watchdog_register(ThreadSlot* slot) { watchdog().add(slot); }
// A fresh one: the process's own may have been locked by its thread when the parent forked.
void start_child_watchdog(ThreadSlot* slot) { (new Watchdog)->add(slot); }
void watchdog_unregister(ThreadSlot* slot) { watchdog().remove(slot); }

}  // namespace weft::detail
