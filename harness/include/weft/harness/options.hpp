// Exploration options, from one table: the same list makes the C++ struct, the command-line
// flags, --help and the WEFT_* environment overrides. Options that belong to one strategy are
// members too (user code sets them by name), but their rows (flag, variable, help) are in the
// strategy's registry entry (weft/harness/registry.hpp), which the same code reads.
#pragma once
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "weft/runtime.hpp"

// X(member, type, default, flag, environment variable, help)
#define WEFT_EXPLORE_OPTIONS(X)                                                                  \
  X(strategy, std::string, "random", "strategy", "WEFT_STRATEGY",                                \
    "the exploration strategy (listed below, each with its options)")                            \
  X(iterations, std::uint64_t, 1000, "iterations", "WEFT_ITERATIONS",                            \
    "executions to run (dfs: at most this many)")                                                \
  X(seed, std::uint64_t, 1, "seed", "WEFT_SEED",                                                 \
    "base seed; execution 0 runs with it, so a failing execution's seed replays it alone")       \
  X(jobs, std::uint32_t, 1, "jobs", "WEFT_JOBS",                                                 \
    "worker threads, one runtime each (results are identical for any value; exhaustive "         \
    "searches split at --split-depth, whose default depends on --jobs: fix it to compare)")      \
  X(shard, std::string, "1/1", "shard", "WEFT_SHARD",                                            \
    "K/N: run only executions i with i % N == K-1 (split a run across machines)")                \
  X(flavor, std::optional<Flavor>, std::nullopt, "flavor", "WEFT_FLAVOR",                        \
    "multi_thread or current_thread, for runtimes that do not choose one (default: the "         \
    "scenario's)")                                                                               \
  X(time_budget, double, 0.0, "time-budget", "WEFT_TIME_BUDGET",                                 \
    "stop after this many seconds of wall time (0: no limit)")                                   \
  X(max_steps, std::uint64_t, kDefaultMaxSteps, "max-steps", "WEFT_MAX_STEPS",                   \
    "scheduling points per execution before it counts as a hang")                                \
  X(spurious_wakeups, std::uint32_t, 1, "spurious-wakeups", "WEFT_SPURIOUS_WAKEUPS",             \
    "condition-variable spurious wake-ups explored per execution (dfs counts each as a "         \
    "preemption)")                                                                               \
  X(max_virtual_time_ms, std::uint64_t, 0, "max-virtual-time", "WEFT_MAX_VIRTUAL_TIME",          \
    "virtual milliseconds per execution before it counts as a hang (0: no limit)")               \
  X(check_determinism, bool, false, "check-determinism", "WEFT_CHECK_DETERMINISM",               \
    "replay each failing schedule and compare the event streams")                                \
  X(all_failures, bool, false, "all-failures", "WEFT_ALL_FAILURES",                              \
    "keep exploring after the first failing execution")                                          \
  X(lock_order, bool, true, "lock-order", "WEFT_LOCK_ORDER",                                     \
    "report locks taken in opposite orders (a potential deadlock) even when no run deadlocked")  \
  X(leaks, LeakMode, LeakMode::off, "leaks", "WEFT_LEAKS",                                       \
    "tasks still alive after the root returns that can never finish: fail, warn or off; on, "    \
    "the runtime lets them run before shutdown drops them, which changes the schedules")         \
  X(leak_grace_ms, std::uint64_t, 1000, "leak-grace-ms", "WEFT_LEAK_GRACE_MS",                   \
    "leak check: virtual milliseconds the tasks get after the root returns to finish")           \
  X(long_poll_ms, std::uint64_t, 100, "long-poll-ms", "WEFT_LONG_POLL_MS",                       \
    "report a task step that holds the real thread longer than this, in wall time (0: off)")     \
  X(source_root, std::string, "", "source-root", "WEFT_SOURCE_ROOT",                             \
    "directory that source paths in failures and traces are relative to (default: as compiled)") \
  X(watchdog, double, 10.0, "watchdog", "WEFT_WATCHDOG",                                         \
    "seconds of wall time an execution may go without a scheduling point before it is reported " \
    "as a hang with a trace and the process exits 1 (0: off)")                                   \
  X(isolate, bool, false, "isolate", "WEFT_ISOLATE",                                             \
    "run executions in forked child processes first, so that a crash in the code under test "    \
    "is a failure with a trace and the exploration goes on (costs a fork per batch and a "       \
    "second run of each execution)")

namespace weft {

// What the leak check does about tasks still alive after the root returns that can never finish
// (--leaks).
enum class LeakMode : std::uint8_t { off, warn, fail };

// The names of an option type whose values are a closed set, in the order messages list them:
// the command line, the WEFT_* variables and traces read and write these names.
template <class T>
struct OptionNames;
template <>
struct OptionNames<LeakMode> {
  static constexpr std::pair<LeakMode, std::string_view> values[] = {
      {LeakMode::fail, "fail"}, {LeakMode::warn, "warn"}, {LeakMode::off, "off"}};
};
template <>
struct OptionNames<Flavor> {
  static constexpr std::pair<Flavor, std::string_view> values[] = {
      {Flavor::multi_thread, "multi_thread"}, {Flavor::current_thread, "current_thread"}};
};
template <class T>
concept NamedOption = requires {
  OptionNames<T>::values;
};

template <NamedOption T>
std::string_view option_name(T value) {
  for (const auto& [v, name] : OptionNames<T>::values)
    if (v == value) return name;
  return "?";
}
template <NamedOption T>
std::optional<T> parse_option_name(std::string_view text) {
  for (const auto& [v, name] : OptionNames<T>::values)
    if (name == text) return v;
  return std::nullopt;
}
std::string_view to_string(LeakMode mode) noexcept;

// The largest millisecond option the runtime's nanosecond clock can hold (about 292 years): a
// larger --max-virtual-time, --long-poll-ms or --leak-grace-ms would overflow into a false
// report, so it is refused.
inline constexpr std::uint64_t kMaxMilliseconds =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 1'000'000);

struct ExploreOptions {
#define WEFT_DECLARE_OPTION(member, type, def, flag, env, help) type member = def;
  // The rows spell every default, an empty string's "" included, because --help prints them.
  WEFT_EXPLORE_OPTIONS(WEFT_DECLARE_OPTION)  // NOLINT(readability-redundant-string-init)
#undef WEFT_DECLARE_OPTION
  // The strategies' own options (their rows are in the strategies' registry entries).
  std::uint32_t depth = 3;            // pct: bug depth d
  std::uint64_t pct_steps = 0;        // pct: step estimate k (0: measured)
  std::int32_t preemption_bound = 2;  // dfs: -1 unbounded
  std::int32_t delay_bound = 2;       // delay-bounded: delays per execution
  std::int32_t split_depth = -1;      // dpor*: full decisions (-1: 0, or 4 with --jobs > 1)
};

// A bad option value: the message is one line naming the option.
class OptionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Applies WEFT_* environment variables on top of `options`, the strategies' too. Throws
// OptionError.
void apply_environment(ExploreOptions& options);
// Checks values that parse but make no sense (unknown strategy, bad shard...). Throws OptionError.
void validate(const ExploreOptions& options);

// An option's value from text (a flag's or a variable's); `name` names it in the error.
template <class T>
T parse_option_value(const std::string& text, const char* name);
// An option's value as text, as parse_option_value reads it back.
template <class T>
std::string option_text(const T& value) {
  if constexpr (std::is_same_v<T, std::string>)
    return value;
  else if constexpr (std::is_same_v<T, bool>)
    return value ? "true" : "false";
  else if constexpr (NamedOption<T>)
    return std::string(option_name(value));
  else if constexpr (std::is_same_v<T, std::optional<Flavor>>)
    return value ? std::string(option_name(*value)) : std::string();  // "": the scenario's
  else
    return nlohmann::json(value).dump();
}
// Whether an option type's values are names (an enum, or an optional one) rather than numbers.
template <class T>
inline constexpr bool kNamedOption = NamedOption<T> || std::is_same_v<T, std::optional<Flavor>>;

struct Shard {
  std::uint64_t index = 0;  // 0-based
  std::uint64_t count = 1;
};
Shard parse_shard(const std::string& text);  // throws OptionError

}  // namespace weft
