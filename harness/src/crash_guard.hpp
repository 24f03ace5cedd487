// The explorer's side of crash handling and the watchdog: what an exploring thread publishes
// about its execution (ThreadSlot), so that a signal handler on that thread or the watchdog thread
// can report it without touching the explorer's own state.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "weft/detail/thread_watch.hpp"
#include "weft/harness/crash_guard.hpp"
#include "weft/harness/decision.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/trace.hpp"

namespace weft::detail {

// One exploration (or replay), fixed while it runs. Text is prepared up front: a signal handler
// only copies it.
struct ExplorationContext {
  std::string scenario;
  std::string strategy;  // as reports print it ("pct depth 3 steps 40")
  // The rerun command around a number: the execution's seed, or for a strategy whose executions
  // are named by their position (DFS, DPOR) the execution index + 1.
  RerunHint rerun;
  Trace base;                   // scenario, strategy and limits, for a trace written on a crash
  bool write_traces = true;     // false for a replay: the trace exists already
  std::string replaying;        // the trace being replayed, if any
  std::string trace_path;       // empty: the default path
  std::string replay_command;   // "weft replay": printed before a crash's trace path
  double watchdog_seconds = 0;  // 0: no watchdog
  ExploreOptions options;       // for the default trace path
};

// A source file name as traces record it (without the build directory's leading "../").
// Async-signal-safe.
const char* source_path(const char* file) noexcept;
// Where a crash or hang's trace goes for this execution.
std::string crash_trace_path(const ExplorationContext& context, std::uint64_t seed);

// What one exploring thread publishes. Written by that thread, read by its signal handlers and by
// the watchdog.
struct IsolationBlock;

struct ThreadSlot {
  const ExplorationContext* context = nullptr;
  ThreadWatch* watch = nullptr;  // the runtime's heartbeat on that thread
  std::atomic<bool> running{false};
  std::atomic<std::uint64_t> index{0}, seed{0};
  std::atomic<std::uint64_t> executions{0};  // bumped as each execution begins (release)
  std::atomic<const std::vector<Decision>*> decisions{nullptr};
  std::atomic<bool> reported{false};  // a crash report was printed: print it once
  // Set in a child process of --isolate: the handlers record how the execution ended there for
  // the parent (isolation.hpp) instead of reporting it.
  IsolationBlock* isolation = nullptr;
  // The watchdog's own bookkeeping (only its thread touches these).
  std::uint64_t seen_beats = 0;
  std::chrono::steady_clock::time_point seen_at{};
};

// Installs the crash handlers (once per process, again if someone replaced them) and registers
// the slots with the watchdog while it lives.
class ExplorationGuard {
 public:
  ExplorationGuard(ExplorationContext context, unsigned threads);
  ~ExplorationGuard();
  ExplorationGuard(const ExplorationGuard&) = delete;
  ExplorationGuard& operator=(const ExplorationGuard&) = delete;
  ThreadSlot& slot(unsigned i) { return slots_[i]; }

 private:
  ExplorationContext context_;
  std::vector<ThreadSlot> slots_;
};

// On an exploring thread while it explores: the slot the handlers report from, and an alternate
// signal stack (a stack overflow's SIGSEGV needs one; installed once per thread and kept).
class ThreadGuard {
 public:
  explicit ThreadGuard(ThreadSlot& slot);
  ~ThreadGuard();
  ThreadGuard(const ThreadGuard&) = delete;
  ThreadGuard& operator=(const ThreadGuard&) = delete;
  void begin_execution(std::uint64_t index, std::uint64_t seed) noexcept;
  void end_execution() noexcept;

 private:
  ThreadSlot& slot_;
  ThreadSlot* previous_slot_;
};

// From the execution: the decisions recorded so far (nullptr when the recording ends), so that a
// hang or a crash report can write them as a trace.
void watch_decisions(const std::vector<Decision>* decisions) noexcept;

// The watchdog (watchdog.cpp): watches registered slots; a running slot whose execution and
// runtime heartbeat stand still for its context's watchdog_seconds is reported and the process
// exits with status 1.
void watchdog_register(ThreadSlot* slot);
void watchdog_unregister(ThreadSlot* slot);
// In a child process of --isolate (the parent's watchdog thread did not come along): a watchdog
// of the child's own for its one slot, which records a hang for the parent.
void start_child_watchdog(ThreadSlot* slot);

// Writes a trace of the running execution with `failure` (never throws); returns its path, or
// "" when none was written. Not for signal handlers.
std::string write_crash_trace(const ThreadSlot& slot, const Failure& failure) noexcept;

}  // namespace weft::detail
