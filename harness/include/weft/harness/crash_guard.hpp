// How a program that explores names itself in crash and hang reports (docs/crashes.md). While an
// execution runs, a crash (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, std::terminate) prints the
// scenario, strategy, execution index, seed and the command that reruns that execution, and the
// watchdog turns an execution stuck outside weft's control into a hang report with a trace.
#pragma once
#include <cstdint>
#include <string>

#include "weft/harness/options.hpp"
#include "weft/harness/save_failure.hpp"  // default_trace_path

namespace weft {

struct CrashReporting {
  // The command that explores a scenario by name, e.g. "weft explore" (the CLI sets it). Empty:
  // reports give the WEFT_* variables that rerun the execution in the same test program.
  std::string explore_command;
  // Where the watchdog writes a stuck execution's trace. Empty: default_trace_path's.
  std::string trace_path;
  // The command that replays a trace file, for the line after it ("weft replay": a project's own
  // build of the command line gives its own name).
  std::string replay_command = "weft replay";
};

// Process-wide; takes effect for explorations started afterwards.
void set_crash_reporting(CrashReporting reporting);
CrashReporting crash_reporting();

}  // namespace weft
