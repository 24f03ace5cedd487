// The registry: one entry per strategy and per detector, and the only place that knows which ones
// exist. Option validation, --help (with defaults), the WEFT_* environment, the rerun command,
// default trace names, `weft measure`'s columns and the strategy factory are generated from the
// entries; no other code names a strategy.
//
// Adding a strategy: one file under harness/src/strategies/ that defines the strategy and its
// entry (`const StrategyEntry& STEM_entry()`), and one line in WEFT_STRATEGY_ENTRIES below (plus
// the file in harness/meson.build's source list). Adding a detector: the same with
// WEFT_DETECTOR_ENTRIES and `const DetectorEntry& STEM_detector_entry()`.
#pragma once
#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "weft/harness/detector.hpp"
#include "weft/harness/options.hpp"
#include "weft/harness/strategy.hpp"

// X(entry function stem): the strategies, in the order --help lists them.
#define WEFT_STRATEGY_ENTRIES(X) \
  X(random_walk)                 \
  X(pct)                         \
  X(exhaustive)                  \
  X(dfs)                         \
  X(dpor)                        \
  X(dpor_source)                 \
  X(dpor_bounded)                \
  X(dfs_iterative)               \
  X(delay_bounded)               \
  X(dfs_sleep)                   \
  X(replay)                      \
  X(byte_stream)

// X(entry function stem): the detectors, in the order they observe an execution.
#define WEFT_DETECTOR_ENTRIES(X) \
  X(panic)                       \
  X(stop)                        \
  X(swallowed_cancellation)      \
  X(lock_order)                  \
  X(leak)                        \
  X(long_poll)

namespace weft {

// One option a strategy reads: its flag, WEFT_* variable and help; the default is the value in a
// default-constructed ExploreOptions. The value is an ExploreOptions member (user code sets it by
// name); get/set reach it as text, so that the command line, the environment, --help and the
// rerun command need no knowledge of the strategy.
struct OptionRow {
  std::string_view flag;       // "depth" for --depth
  std::string_view env;        // "WEFT_DEPTH"
  std::string_view help;       // for --help
  std::string_view parameter;  // the trace parameter it becomes ("" if none): reports and rerun
                               // hints give that recorded value back
  std::string_view label;      // how a report names it: "pct depth 3 steps 40"
  std::string_view tag;        // its letter in default trace names (-d3), "" for none
  std::function<std::string(const ExploreOptions&)> get;
  // Parses `text`; throws OptionError naming `source` (the flag or the variable) when it is bad.
  std::function<void(ExploreOptions&, const std::string& text, std::string_view source)> set;
  // When set, its part of default trace names instead of `tag` and the option's text ("" for
  // none): for an option whose effective value is not its text (--split-depth -1).
  std::function<std::string(const ExploreOptions&)> tag_text = {};
};

// The row of an ExploreOptions member.
template <auto Member>
OptionRow member_row(std::string_view flag, std::string_view env, std::string_view help,
                     std::string_view parameter, std::string_view label, std::string_view tag) {
  using T = std::remove_cvref_t<decltype(std::declval<ExploreOptions&>().*Member)>;
  return OptionRow{flag,
                   env,
                   help,
                   parameter,
                   label,
                   tag,
                   [](const ExploreOptions& o) { return option_text(o.*Member); },
                   [](ExploreOptions& o, const std::string& text, std::string_view source) {
                     o.*Member = parse_option_value<T>(text, std::string(source).c_str());
                   }};
}

// Reads a strategy's recorded parameters (a JSON object, or null for the defaults), remembering
// the first problem; any key no reader asked for is a problem too (a misspelt parameter must not
// be silently ignored, or a trace would not reproduce what its author meant).
class ParameterReader {
 public:
  ParameterReader(std::string_view strategy, const nlohmann::json& json);
  // The value under `key`, or nullptr when absent (or after a problem).
  const nlohmann::json* find(const char* key);
  template <typename T>
  void integer(const char* key, T& out, std::int64_t min, std::int64_t max) {
    if (const nlohmann::json* v = find(key); v && in_range(key, *v, min, max)) out = v->get<T>();
  }
  void boolean(const char* key, bool& out);
  void fail(std::string message);
  bool ok() const { return error_.empty(); }
  // After all keys were read: true when all is well, else sets *error (when given).
  bool finish(std::string* error);

 private:
  bool in_range(const char* key, const nlohmann::json& v, std::int64_t min, std::int64_t max);
  std::string_view strategy_;
  const nlohmann::json& json_;
  std::vector<const char*> known_;
  std::string error_;
};

// What an entry may ask of the exploration while it builds its parameters: runs of the body that
// are not executions of the exploration (PCT's calibration). They run inside a crash guard: a
// crash names the calibration run and the base seed, whose rerun command runs them again.
struct ExplorationProbe {
  // Runs the body once under `chooser` and returns the schedule decisions it asked.
  std::function<std::uint64_t(Chooser& chooser)> schedule_decisions;
};

// --preemption-bound, shared by the bounded strategies (dfs, dpor-bounded, dfs-iterative): one
// ExploreOptions member, one flag and variable, listed in each entry that records it.
OptionRow preemption_bound_row();
// Their trace parameters: {"preemption_bound": the option's value}.
nlohmann::json preemption_bound_parameters(const ExploreOptions& o, const ExplorationProbe&);
// --split-depth, shared by the DPOR strategies and exhaustive (docs/dpor.md, "Parallel search"):
// the row, its check, its trace parameter ({"split_depth": S} when S is not 0; -1 is 0 on one
// thread, DporOptions::kJobsSplitDepth with --jobs), and how a strategy reads it back.
OptionRow split_depth_row();
void validate_split_depth(const ExploreOptions& o);
nlohmann::json split_depth_parameters(const ExploreOptions& o, const ExplorationProbe&);
void read_split_depth(ParameterReader& p, std::uint32_t& depth);

struct StrategyEntry {
  std::string_view name;     // as --strategy and traces name it
  std::string_view help;     // one line for --help
  std::string_view records;  // what a trace records of it (its parameters), for the docs
  std::vector<OptionRow> options;
  // Executions come from their seeds: one reruns from its seed alone (--seed S --iterations 1),
  // and runs over different seeds differ (`weft measure` takes median and worst over seeds).
  // Otherwise executions are named by their position: --iterations index+1 reruns one (the
  // search stops at its first failure).
  bool seeded = true;
  // Offered by --strategy. Replay and byte streams are made from traces and fuzzer input only.
  bool selectable = true;
  // A column of `weft measure`'s table (the scenarios' budgets name these).
  bool measured = false;
  // The parameters an exploration with `options` runs with (what its traces record). Empty: none
  // (an empty object).
  std::function<nlohmann::json(const ExploreOptions&, const ExplorationProbe&)> parameters;
  // The strategy from recorded parameters; the reader collects any problem.
  std::function<std::unique_ptr<Strategy>(ParameterReader&)> make;
  // Checks of values that parse but make no sense; throws OptionError. May be empty.
  std::function<void(const ExploreOptions&)> validate;
};

// A fact the executions showed once each, as a check across executions sees it: the lowest
// execution that showed it, and its value (the detector's own type).
struct SeenFact {
  std::uint64_t execution = 0;
  const std::any* value = nullptr;
};

struct DetectorEntry {
  std::string_view name;      // as its failures' kinds and the docs name it
  std::string_view help;      // what it reports, for the docs
  std::string_view settings;  // the options that configure it, for the docs
  std::function<bool(const ExploreOptions&)> enabled;
  std::function<std::unique_ptr<Detector>(const ExploreOptions&, DetectorMode)> make;
  // A finding that only the executions together show (a warning: no single schedule replays
  // it), from the facts (Findings::facts with this detector's name) of the executions counted,
  // in key order. Asked only of a clean exploration. May be empty.
  std::function<std::optional<Failure>(const std::vector<SeenFact>&)> across;
};

#define WEFT_DECLARE_ENTRY(stem) const StrategyEntry& stem##_entry();
WEFT_STRATEGY_ENTRIES(WEFT_DECLARE_ENTRY)
#undef WEFT_DECLARE_ENTRY
#define WEFT_DECLARE_ENTRY(stem) const DetectorEntry& stem##_detector_entry();
WEFT_DETECTOR_ENTRIES(WEFT_DECLARE_ENTRY)
#undef WEFT_DECLARE_ENTRY

const std::vector<const StrategyEntry*>& strategy_entries();
const std::vector<const DetectorEntry*>& detector_entries();
// nullptr when unknown.
const StrategyEntry* find_strategy_entry(std::string_view name);
const DetectorEntry* find_detector_entry(std::string_view name);
// "random, pct, dfs or dpor": the selectable strategies, for messages.
std::string selectable_strategy_names();
// The selected strategy's entry; throws OptionError for an unknown or unselectable name.
const StrategyEntry& selected_strategy(const ExploreOptions& options);

// How reports name an exploration's strategy: its name and each option with a recorded
// parameter ("pct depth 3 steps 40", "dfs preemption bound 2").
std::string strategy_description(const StrategyEntry& entry, const nlohmann::json& parameters);
// The strategy part of a default trace name: its name and each tagged option ("pct-d3").
std::string strategy_trace_tag(const StrategyEntry& entry, const ExploreOptions& options);

// The command that reruns one execution of an exploration, as two halves around a number: the
// execution's seed, or for strategies whose executions are named by position (not seeded) the
// execution index + 1 (--iterations). `explore_command` ("weft explore") gives a command line;
// empty gives the WEFT_* variables for the same test program, followed by `test_command` (the
// test binary and its filter) or, when that is empty, "(then the same test command)".
struct RerunHint {
  std::string before;
  std::string after;
  bool by_count = false;
  std::string with(std::uint64_t index, std::uint64_t seed) const {
    return before + std::to_string(by_count ? index + 1 : seed) + after;
  }
};
RerunHint rerun_hint(const std::string& explore_command, const std::string& scenario,
                     std::string_view flavor, const StrategyEntry& entry,
                     const nlohmann::json& parameters, const std::string& test_command = {});

}  // namespace weft
