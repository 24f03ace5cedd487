// The lists of strategies and detectors, lookups by name, and what every strategy shares:
// parameter reading, the factory, and the names, trace tags and rerun hints made from the rows.
#include "weft/harness/registry.hpp"

#include "weft/harness/strategies.hpp"

namespace weft {

const std::vector<const StrategyEntry*>& strategy_entries() {
#define WEFT_LIST_ENTRY(stem) &stem##_entry(),
  static const std::vector<const StrategyEntry*> list{WEFT_STRATEGY_ENTRIES(WEFT_LIST_ENTRY)};
#undef WEFT_LIST_ENTRY
  return list;
}

const std::vector<const DetectorEntry*>& detector_entries() {
#define WEFT_LIST_ENTRY(stem) &stem##_detector_entry(),
  static const std::vector<const DetectorEntry*> list{WEFT_DETECTOR_ENTRIES(WEFT_LIST_ENTRY)};
#undef WEFT_LIST_ENTRY
  return list;
}

const StrategyEntry* find_strategy_entry(std::string_view name) {
  for (const StrategyEntry* e : strategy_entries())
    if (e->name == name) return e;
  return nullptr;
}

const DetectorEntry* find_detector_entry(std::string_view name) {
  for (const DetectorEntry* e : detector_entries())
    if (e->name == name) return e;
  return nullptr;
}

std::string selectable_strategy_names() {
  std::vector<std::string_view> names;
  for (const StrategyEntry* e : strategy_entries())
    if (e->selectable) names.push_back(e->name);
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + std::string(names[i]);
  return text;
}

const StrategyEntry& selected_strategy(const ExploreOptions& options) {
  const StrategyEntry* e = find_strategy_entry(options.strategy);
  if (e == nullptr || !e->selectable)
    throw OptionError("--strategy (WEFT_STRATEGY): unknown strategy \"" + options.strategy +
                      "\" (expected " + selectable_strategy_names() + ")");
  return *e;
}

std::string strategy_description(const StrategyEntry& entry, const nlohmann::json& parameters) {
  std::string text(entry.name);
  for (const OptionRow& row : entry.options) {
    const std::string key(row.parameter);
    if (key.empty() || !parameters.is_object() || !parameters.contains(key)) continue;
    text += " " + std::string(row.label) + " " + parameters[key].dump();
  }
  return text;
}

std::string strategy_trace_tag(const StrategyEntry& entry, const ExploreOptions& options) {
  std::string text(entry.name);
  for (const OptionRow& row : entry.options) {
    if (row.tag_text) {
      if (const std::string t = row.tag_text(options); !t.empty()) text += "-" + t;
    } else if (!row.tag.empty()) {
      text += "-" + std::string(row.tag) + row.get(options);
    }
  }
  return text;
}

RerunHint rerun_hint(const std::string& explore_command, const std::string& scenario,
                     std::string_view flavor, const StrategyEntry& entry,
                     const nlohmann::json& parameters, const std::string& test_command) {
  RerunHint hint;
  hint.by_count = !entry.seeded;
  const bool command = !explore_command.empty();
  auto option = [&](std::string_view flag, std::string_view env, const std::string& value) {
    return command ? " --" + std::string(flag) + " " + value : " " + std::string(env) + "=" + value;
  };
  std::string text = command ? explore_command + " " + scenario : std::string();
  text += option("flavor", "WEFT_FLAVOR", std::string(flavor));
  text += option("strategy", "WEFT_STRATEGY", std::string(entry.name));
  for (const OptionRow& row : entry.options) {
    const std::string key(row.parameter);
    if (key.empty() || !parameters.is_object() || !parameters.contains(key)) continue;
    text += option(row.flag, row.env, parameters[key].dump());
  }
  if (!command) text.erase(0, 1);  // the leading space
  if (hint.by_count) {
    hint.before = text + option("iterations", "WEFT_ITERATIONS", "");
  } else {
    hint.before = text + option("seed", "WEFT_SEED", "");
    hint.after = option("iterations", "WEFT_ITERATIONS", "1");
  }
  if (!command)
    hint.after += test_command.empty() ? " (then the same test command)" : " " + test_command;
  return hint;
}

// ---- ParameterReader ------------------------------------------------------------------------

ParameterReader::ParameterReader(std::string_view strategy, const nlohmann::json& json)
    : strategy_(strategy), json_(json) {
  if (!json_.is_null() && !json_.is_object())
    fail("parameters must be a JSON object, got " + std::string(json_.type_name()));
}

const nlohmann::json* ParameterReader::find(const char* key) {
  known_.push_back(key);
  if (!ok() || json_.is_null()) return nullptr;
  auto it = json_.find(key);
  return it == json_.end() ? nullptr : &*it;
}

bool ParameterReader::in_range(const char* key, const nlohmann::json& v, std::int64_t min,
                               std::int64_t max) {
  bool in = false;
  if (v.is_number_unsigned())
    in = v.get<std::uint64_t>() <= static_cast<std::uint64_t>(max);
  else if (v.is_number_integer())
    in = v.get<std::int64_t>() >= min && v.get<std::int64_t>() <= max;
  if (!in)
    fail("\"" + std::string(key) + "\" must be an integer in [" + std::to_string(min) + ", " +
         std::to_string(max) + "], got " + v.dump());
  return in;
}

void ParameterReader::boolean(const char* key, bool& out) {
  const nlohmann::json* v = find(key);
  if (!v) return;
  if (!v->is_boolean()) return fail("\"" + std::string(key) + "\" must be true or false");
  out = v->get<bool>();
}

void ParameterReader::fail(std::string message) {
  if (ok()) error_ = std::move(message);
}

bool ParameterReader::finish(std::string* error) {
  if (ok() && json_.is_object()) {
    for (const auto& [key, value] : json_.items()) {
      bool known = false;
      for (const char* k : known_) known |= key == k;
      if (!known) {
        fail("unknown parameter \"" + key + "\"");
        break;
      }
    }
  }
  if (!ok() && error) *error = "strategy \"" + std::string(strategy_) + "\": " + error_;
  return ok();
}

// ---- the factory ----------------------------------------------------------------------------

std::unique_ptr<Strategy> make_strategy(std::string_view name, const nlohmann::json& parameters,
                                        std::string* error) {
  const StrategyEntry* entry = find_strategy_entry(name);
  if (entry == nullptr) {
    if (error) {
      std::string known;
      for (const StrategyEntry* e : strategy_entries())
        known += (known.empty() ? "" : ", ") + std::string(e->name);
      *error = "unknown strategy \"" + std::string(name) + "\" (known: " + known + ")";
    }
    return nullptr;
  }
  ParameterReader reader(name, parameters);
  std::unique_ptr<Strategy> strategy = entry->make(reader);
  if (!reader.finish(error)) return nullptr;
  return strategy;
}

}  // namespace weft
