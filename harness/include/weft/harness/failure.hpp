// A failure is a value: what went wrong, in which task, where and at which step. Detectors
// produce them, traces store them, replay compares them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/ids.hpp"
#include "weft/source_location.hpp"

namespace weft {

enum class FailureKind : std::uint8_t {
  task_panic,              // an exception escaped a spawned task and nobody joined it
  body_failure,            // the test body (or the root task) threw or failed a check
  deadlock,                // nothing can run, no timer is pending, tasks are blocked
  hang,                    // the step or virtual-time limit was reached
  lock_order,              // two locks are taken in opposite orders (potential deadlock)
  task_leak,               // tasks alive at the end that can never finish
  long_poll,               // a task step blocked the real thread too long
  unobserved_panic,        // a task panicked and its handle was dropped unjoined
  swallowed_cancellation,  // a dropped task caught the unwinding and kept going
  nondeterminism,          // the same decisions gave different events
  crash,                   // a signal (segfault, abort...) or std::terminate ended the execution
  throwing_destructor,     // a destructor threw while its task was being dropped
};

std::string_view to_string(FailureKind kind) noexcept;
std::optional<FailureKind> parse_failure_kind(std::string_view text) noexcept;

// A source location that outlives the program that recorded it (traces are read back).
struct Location {
  std::string file;
  std::uint32_t line = 0;
  std::string function;
  // The file as a failure names it: relative to the source root (see set_source_root) when it
  // lies under it, else as the compiler gave it without leading "../". weft's own sources are
  // already relative to weft's root (meson maps the prefix away), whatever the build directory.
  static Location from(const SourceLocation& where);
  bool known() const noexcept { return !file.empty(); }
  std::string to_string() const;  // "file:line" or "?"
  friend bool operator==(const Location&, const Location&) = default;
};

// The root that source paths in failures and traces are made relative to, so that a failure's
// signature does not depend on where the code was built. Starts as $WEFT_SOURCE_ROOT (empty when
// unset); the explorer sets it from ExploreOptions::source_root when that is given. Process-wide.
void set_source_root(std::string root);
std::string source_root();

struct Failure {
  FailureKind kind = FailureKind::body_failure;
  TaskId task = kNoTask;
  std::string task_name;
  std::string message;  // one sentence in plain words
  std::uint64_t step = 0;
  Location where;
  std::vector<std::string> details;  // further lines: tasks, waits, cycles, spawn sites

  // Identity kept by shrinking and checked by replay: kind, task name and failing location.
  std::string signature() const;
  // The plain-words report: headline, then details.
  std::string describe() const;
};

}  // namespace weft
