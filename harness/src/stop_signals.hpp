// Ctrl-C and SIGTERM during an exploration: the run stops after the executions in progress and
// reports what it found so far, instead of dying with nothing printed.
#pragma once

namespace weft::detail {

// While alive, SIGINT and SIGTERM (when nobody else handles them) only ask the exploration to
// stop; a second one acts as before (the default: the process ends).
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // The signal that asked to stop, or 0.
  static int requested() noexcept;
};

}  // namespace weft::detail
