// Environment overrides and validation of ExploreOptions, driven by the WEFT_EXPLORE_OPTIONS table
// and the strategies' registry entries.
#include "weft/harness/options.hpp"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>

#include "weft/harness/registry.hpp"

namespace weft {

namespace {

// "fail, warn or off": the names of a closed set, for messages.
template <NamedOption T>
std::string expected_names() {
  std::string text;
  const std::size_t n = std::size(OptionNames<T>::values);
  for (std::size_t i = 0; i < n; ++i)
    text += (i == 0       ? ""
             : i + 1 == n ? " or "
                          : ", ") +
            std::string(OptionNames<T>::values[i].second);
  return text;
}

template <NamedOption T>
T parse_named(const std::string& text, const char* name) {
  if (std::optional<T> value = parse_option_name<T>(text)) return *value;
  throw OptionError(std::string(name) + ": expected " + expected_names<T>() + ", got \"" + text +
                    "\"");
}

}  // namespace

std::string_view to_string(LeakMode mode) noexcept { return option_name(mode); }

template <class T>
T parse_option_value(const std::string& text, const char* name) {
  if constexpr (std::is_same_v<T, std::string>) {
    return text;
  } else if constexpr (NamedOption<T>) {
    return parse_named<T>(text, name);
  } else if constexpr (std::is_same_v<T, std::optional<Flavor>>) {
    if (text.empty()) return std::nullopt;  // the scenario's (or the test's) own
    return parse_named<Flavor>(text, name);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
    if (text == "0" || text == "false" || text == "no" || text == "off") return false;
    throw OptionError(std::string(name) + ": expected true or false, got \"" + text + "\"");
  } else if constexpr (std::is_floating_point_v<T>) {
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno != 0)
      throw OptionError(std::string(name) + ": expected a number, got \"" + text + "\"");
    return static_cast<T>(v);
  } else {
    char* end = nullptr;
    errno = 0;
    if constexpr (std::is_signed_v<T>) {
      long long v = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno != 0 || v < std::numeric_limits<T>::min() ||
          v > std::numeric_limits<T>::max())
        throw OptionError(std::string(name) + ": expected an integer, got \"" + text + "\"");
      return static_cast<T>(v);
    } else {
      unsigned long long v = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0 ||
          v > std::numeric_limits<T>::max())
        throw OptionError(std::string(name) + ": expected a non-negative integer, got \"" + text +
                          "\"");
      return static_cast<T>(v);
    }
  }
}

template std::string parse_option_value<std::string>(const std::string&, const char*);
template bool parse_option_value<bool>(const std::string&, const char*);
template double parse_option_value<double>(const std::string&, const char*);
template std::int32_t parse_option_value<std::int32_t>(const std::string&, const char*);
template std::uint32_t parse_option_value<std::uint32_t>(const std::string&, const char*);
template std::uint64_t parse_option_value<std::uint64_t>(const std::string&, const char*);
template LeakMode parse_option_value<LeakMode>(const std::string&, const char*);
template std::optional<Flavor> parse_option_value<std::optional<Flavor>>(const std::string&,
                                                                         const char*);

void apply_environment(ExploreOptions& options) {
#define WEFT_APPLY_ENV(member, type, def, flag, env, help)    \
  if (const char* value = std::getenv(env); value != nullptr) \
    options.member = parse_option_value<type>(value, env);
  WEFT_EXPLORE_OPTIONS(WEFT_APPLY_ENV)
#undef WEFT_APPLY_ENV
  for (const StrategyEntry* entry : strategy_entries())
    for (const OptionRow& row : entry->options)
      if (const char* value = std::getenv(std::string(row.env).c_str()); value != nullptr)
        row.set(options, value, row.env);
}

Shard parse_shard(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos)
    throw OptionError("--shard (WEFT_SHARD): expected K/N, got \"" + text + "\"");
  auto k = parse_option_value<std::uint64_t>(text.substr(0, slash), "--shard");
  auto n = parse_option_value<std::uint64_t>(text.substr(slash + 1), "--shard");
  if (n == 0 || k == 0 || k > n)
    throw OptionError("--shard (WEFT_SHARD): K/N needs 1 <= K <= N, got \"" + text + "\"");
  return Shard{k - 1, n};
}

// The values are checked after flags, WEFT_* variables and the test's own settings are merged, so
// a message names both the flag and the variable (WEFT_JOBS=0 used to be blamed on --jobs).
void validate(const ExploreOptions& o) {
  selected_strategy(o);
  // Every strategy's checks, not only the selected one's: a bad value is a mistake either way.
  for (const StrategyEntry* entry : strategy_entries())
    if (entry->validate) entry->validate(o);
  if (o.jobs == 0) throw OptionError("--jobs (WEFT_JOBS): must be at least 1");
  if (o.jobs > 256) throw OptionError("--jobs (WEFT_JOBS): at most 256");
  if (o.time_budget < 0)
    throw OptionError("--time-budget (WEFT_TIME_BUDGET): must not be negative");
  if (!(o.watchdog >= 0 && o.watchdog <= 1e6))
    throw OptionError("--watchdog (WEFT_WATCHDOG): seconds between 0 (off) and 1000000");
  if (o.max_steps == 0) throw OptionError("--max-steps (WEFT_MAX_STEPS): must be at least 1");
  const auto milliseconds = [](std::uint64_t value, const char* flag) {
    if (value > kMaxMilliseconds)
      throw OptionError(std::string(flag) + ": at most " + std::to_string(kMaxMilliseconds) +
                        " ms (the virtual clock counts nanoseconds in 64 bits)");
  };
  milliseconds(o.max_virtual_time_ms, "--max-virtual-time (WEFT_MAX_VIRTUAL_TIME)");
  milliseconds(o.long_poll_ms, "--long-poll-ms (WEFT_LONG_POLL_MS)");
  milliseconds(o.leak_grace_ms, "--leak-grace-ms (WEFT_LEAK_GRACE_MS)");
  parse_shard(o.shard);
}

}  // namespace weft
