// What a watchdog thread or a crash signal handler may learn about the runtime running on a
// thread: a heartbeat that moves whenever a task step begins, and the running task with its last
// scheduling point and stack. Reading it never allocates or locks.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "weft/ids.hpp"
#include "weft/source_location.hpp"

namespace weft::detail {

class Scheduler;

struct ThreadWatch {
  // Bumped (release) each time a task step begins: everything the thread did before its last
  // scheduling point is visible to whoever sees the count (acquire).
  std::atomic<std::uint64_t> beats{0};
  std::atomic<const Scheduler*> scheduler{nullptr};  // the runtime running on the thread, if any
};

// The calling thread's watch (stable for the thread's lifetime).
ThreadWatch& this_thread_watch() noexcept;

struct RunningTaskInfo {
  bool in_task = false;
  std::uint64_t task = 0;
  const char* name = nullptr;  // may be empty (the task was spawned without a name)
  std::size_t name_size = 0;
  Op last_op = Op::none;  // the operation of its last scheduling point
  SourceLocation site;    // of that scheduling point
  std::uint64_t step = 0;
  std::size_t stack_size = 0;
  const char* stack_base = nullptr;  // lowest address of the task's stack
  bool cancel_requested = false;     // being dropped (shutdown or abort)
};

// The task running on the watched thread. Safe from that thread's signal handlers, and from
// another thread once `beats` stopped moving (the watched thread is stuck inside a step).
RunningTaskInfo running_task(const ThreadWatch& watch) noexcept;

// PROT_NONE bytes below every guarded task stack. Large enough that a realistic frame (or a
// stack-clash-protected probe) lands in it instead of in the neighbouring stack.
inline constexpr std::size_t kStackGuardBytes = 64 * 1024;

}  // namespace weft::detail
