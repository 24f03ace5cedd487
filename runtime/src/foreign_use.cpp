// Weft operations from OS threads that weft does not run: a std::thread sending on a channel that
// a runtime's task receives from. weft neither schedules that thread nor wakes anyone for what it
// does, so the execution looks deadlocked or nondeterministic; the first such use of a running
// runtime's objects is kept, for the harness to say so next to whatever the execution reports.
#include <pthread.h>

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "weft/detail/scheduler_api.hpp"

namespace weft::detail {
namespace {

struct Running {
  std::uint64_t epoch;
  std::optional<ForeignThreadUse> use;
};

std::mutex mutex;
std::vector<Running> running;  // the runtimes running now, on any thread (under mutex)
// A child forked while another thread held the mutex (--isolate with --jobs) would wait for it
// forever at its first runtime: fork waits for the mutex instead.
[[maybe_unused]] const int fork_safe =
    pthread_atfork([] { mutex.lock(); }, [] { mutex.unlock(); }, [] { mutex.unlock(); });
// The foreign use of the last runtime that finished on this thread.
thread_local std::optional<ForeignThreadUse> finished_use;
// Whether this thread ever ran a runtime: an object no runtime used yet, touched from a thread
// that never ran one, is most likely a std::thread's doing (an exploring thread between two
// executions is plain code).
thread_local bool ran_a_runtime = false;

}  // namespace

void runtime_started(std::uint64_t epoch) {
  ran_a_runtime = true;
  std::lock_guard lock(mutex);
  running.push_back(Running{epoch, std::nullopt});
}

void runtime_finished(std::uint64_t epoch) noexcept {
  std::lock_guard lock(mutex);
  auto it = std::find_if(running.begin(), running.end(),
                         [epoch](const Running& r) { return r.epoch == epoch; });
  if (it == running.end()) return;
  if (it->use) finished_use = it->use;
  running.erase(it);
}

void note_foreign_use(std::uint64_t object_epoch, Op op, SourceLocation where) noexcept {
  // An object no runtime used yet belongs to whichever runs, unless this thread runs them itself.
  if (object_epoch == 0 && ran_a_runtime) return;
  std::lock_guard lock(mutex);
  for (Running& r : running)
    if ((object_epoch == 0 || r.epoch == object_epoch) && !r.use)
      r.use = ForeignThreadUse{op, where};
}

std::optional<ForeignThreadUse> take_foreign_thread_use() noexcept {
  return std::exchange(finished_use, std::nullopt);
}

}  // namespace weft::detail
