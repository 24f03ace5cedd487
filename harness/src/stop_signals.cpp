// SIGINT/SIGTERM handling for explorations (stop_signals.hpp).
#include "stop_signals.hpp"

#include <signal.h>

#include <atomic>
#include <mutex>

namespace weft::detail {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM};
std::atomic<int> requested_signal{0};
std::mutex mutex;
int active = 0;  // nested explorations (a replay inside explore): the outermost installs
bool installed[2] = {false, false};
struct sigaction previous[2];

void on_stop_signal(int sig) {
  requested_signal.store(sig, std::memory_order_relaxed);
  // A second one is not asked twice: it gets the disposition the first one would have had.
  for (int i = 0; i < 2; ++i)
    if (kStopSignals[i] == sig) sigaction(sig, &previous[i], nullptr);
}

}  // namespace

StopSignals::StopSignals() {
  std::lock_guard lock(mutex);
  if (active++ > 0) return;
  requested_signal.store(0, std::memory_order_relaxed);
  for (int i = 0; i < 2; ++i) {
    struct sigaction current {};
    sigaction(kStopSignals[i], nullptr, &current);
    // A program that handles (or ignores) the signal itself keeps it.
    installed[i] = !(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_DFL;
    if (!installed[i]) continue;
    struct sigaction ours {};
    ours.sa_handler = &on_stop_signal;
    sigemptyset(&ours.sa_mask);
    sigaction(kStopSignals[i], &ours, &previous[i]);
  }
}

StopSignals::~StopSignals() {
  std::lock_guard lock(mutex);
  if (--active > 0) return;
  for (int i = 0; i < 2; ++i)
    if (installed[i]) sigaction(kStopSignals[i], &previous[i], nullptr);
}

int StopSignals::requested() noexcept { return requested_signal.load(std::memory_order_relaxed); }

}  // namespace weft::detail
