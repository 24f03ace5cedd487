// How a program that explores names itself in crash and hang reports (docs/crashes.md). While an
// execution runs, a crash (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, std::terminate) prints the
// scenario, strategy, execution index, seed and the command that reruns that execution, and the
// watchdog turns an execution stuck outside weft's control into a hang report with a trace.
#pragma once
#include <cstdint>
#include <string>

#include "weft/harness/options.hpp"

namespace weft {

struct CrashReporting {
  // The command that explores a scenario by name, e.g. "weft explore" (the CLI sets it). Empty:
  // reports give the WEFT_* variables that rerun the execution in the same test program.
  std::string explore_command;
  // Where the watchdog writes a stuck execution's trace. Empty: traces/<scenario>-<strategy>-
  // <seed>.json under the working directory.
  std::string trace_path;
};

// Process-wide; takes effect for explorations started afterwards.
void set_crash_reporting(CrashReporting reporting);
CrashReporting crash_reporting();

// Where a failing execution's trace goes by default: traces/<scenario>-<strategy and its
// parameters>-<seed in hex>.json, so that runs with other strategies keep their own traces.
std::string default_trace_path(const std::string& scenario, const ExploreOptions& options,
                               std::uint64_t seed);

}  // namespace weft
