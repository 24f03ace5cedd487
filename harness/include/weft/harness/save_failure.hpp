// Saving a failure, the one way the command line, the test-framework glue (<weft/catch2.hpp>,
// <weft/gtest.hpp>), the fuzz target and crash reports do it: where its trace goes by default,
// how the trace is written, and the command that reruns the failing execution.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "weft/harness/options.hpp"
#include "weft/harness/trace.hpp"

namespace weft {

// `name` as part of a file name: letters, digits, '-' and '_' kept, anything else '-'.
std::string file_safe(std::string_view name);

// The one naming scheme for trace files: "<dir>/<name>-<strategy tag>-<id>.json", with the name
// made file-safe, the strategy's tag with its distinguishing parameters ("pct-d3",
// strategy_trace_tag) and the execution's identity (its seed in 16 hex digits; a fuzz input's
// SHA-1), so that runs with another strategy, other parameters or another seed never overwrite
// each other's trace.
std::string trace_file_path(std::string_view dir, std::string_view name,
                            std::string_view strategy_tag, std::string_view id);

// Where a failing execution of an exploration with `options` goes by default:
// traces/<name>-<strategy tag>-<seed in hex>.json under the working directory.
std::string default_trace_path(const std::string& name, const ExploreOptions& options,
                               std::uint64_t seed);

// Checks, before an exploration spends its time, that a trace can be written to `path`: its
// directory (or the nearest one that exists, when it is still to be made) must be a writable
// directory, and `path` must not be one. Creates nothing. Throws TraceError with one line naming
// the path and the reason.
void check_trace_destination(const std::string& path);

// Makes `path`'s directory and writes the trace there atomically (write_trace_file). Throws
// TraceError.
void save_trace(const Trace& trace, const std::string& path);

// The command that reruns one failing execution (`index`, `seed`) of an exploration with `options`
// whose failing trace is `trace`: with the trace's flavor and the strategy's recorded parameters
// (PCT's measured step estimate included), from the seed or, for a strategy whose executions are
// named by position, --iterations index+1 (rerun_hint). `explore_command` ("weft explore") gives
// a command line for the scenario `name`; empty gives the WEFT_* variables followed by
// `test_command` (the test binary and its filter), or by "(then the same test command)" when that
// is empty too.
std::string rerun_command(const std::string& explore_command, const std::string& name,
                          const ExploreOptions& options, const Trace& trace, std::uint64_t index,
                          std::uint64_t seed, const std::string& test_command = {});

}  // namespace weft
