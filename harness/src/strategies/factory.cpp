// make_strategy: a strategy from its name and JSON parameters, with errors that name the problem.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/harness/strategies.hpp"

namespace weft {
namespace {

// Reads the parameters object of strategy `name`, remembering the first problem.
class Params {
 public:
  Params(std::string_view name, const nlohmann::json& json) : name_(name), json_(json) {
    if (!json_.is_null() && !json_.is_object())
      fail("parameters must be a JSON object, got " + std::string(json_.type_name()));
  }

  const nlohmann::json* find(const char* key) {
    known_.push_back(key);
    if (!ok() || json_.is_null()) return nullptr;
    auto it = json_.find(key);
    return it == json_.end() ? nullptr : &*it;
  }

  template <typename T>
  void integer(const char* key, T& out, std::int64_t min, std::int64_t max) {
    const nlohmann::json* v = find(key);
    if (!v) return;
    const bool integral = v->is_number_integer();
    bool in_range = false;
    if (integral && v->is_number_unsigned())
      in_range = v->get<std::uint64_t>() <= static_cast<std::uint64_t>(max);
    else if (integral)
      in_range = v->get<std::int64_t>() >= min && v->get<std::int64_t>() <= max;
    if (!in_range) {
      fail("\"" + std::string(key) + "\" must be an integer in [" + std::to_string(min) + ", " +
           std::to_string(max) + "], got " + v->dump());
      return;
    }
    out = v->get<T>();
  }

  void boolean(const char* key, bool& out) {
    const nlohmann::json* v = find(key);
    if (!v) return;
    if (!v->is_boolean()) return fail("\"" + std::string(key) + "\" must be true or false");
    out = v->get<bool>();
  }

  // After all keys were read: any other key is a mistake (a misspelt parameter must not be
  // silently ignored, or a trace would not reproduce what its author meant).
  bool finish(std::string* error) {
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
    if (!ok() && error) *error = "strategy \"" + std::string(name_) + "\": " + error_;
    return ok();
  }

  void fail(std::string message) {
    if (ok()) error_ = std::move(message);
  }
  bool ok() const { return error_.empty(); }

 private:
  std::string_view name_;
  const nlohmann::json& json_;
  std::vector<const char*> known_;
  std::string error_;
};

std::optional<std::vector<std::uint8_t>> parse_hex(const std::string& hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return bytes;
}

constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();

}  // namespace

std::unique_ptr<Strategy> make_strategy(std::string_view name, const nlohmann::json& parameters,
                                        std::string* error) {
  Params params(name, parameters);
  std::unique_ptr<Strategy> strategy;
  if (name == "random") {
    strategy = std::make_unique<RandomWalk>();
  } else if (name == "pct") {
    PctOptions options;
    params.integer("depth", options.depth, 1, kMaxInt);
    params.integer("steps", options.steps, 1, kMaxI64);
    strategy = std::make_unique<Pct>(options);
  } else if (name == "dfs") {
    DfsOptions options;
    params.integer("preemption_bound", options.preemption_bound, -kMaxInt, kMaxInt);
    params.integer("max_executions", options.max_executions, 0, kMaxI64);
    params.boolean("sleep_sets", options.sleep_sets);
    if (options.sleep_sets && options.preemption_bound >= 0)
      params.fail("\"sleep_sets\" needs an unbounded preemption bound (\"preemption_bound\": -1)");
    strategy = std::make_unique<Dfs>(options);
  } else if (name == "dpor") {
    DporOptions options;
    params.integer("max_executions", options.max_executions, 0, kMaxI64);
    strategy = std::make_unique<Dpor>(options);
  } else if (name == "replay") {
    bool lenient = false;
    std::vector<Decision> decisions;
    if (const nlohmann::json* list = params.find("decisions")) {
      std::string why;
      if (auto parsed = decisions_from_json(*list, &why))
        decisions = std::move(*parsed);
      else
        params.fail("\"decisions\": " + why);
    } else if (params.ok()) {
      params.fail("missing \"decisions\"");
    }
    params.boolean("lenient", lenient);
    strategy = std::make_unique<Replay>(std::move(decisions), lenient);
  } else if (name == "bytes") {
    std::vector<std::uint8_t> bytes;
    if (const nlohmann::json* hex = params.find("bytes")) {
      auto parsed = hex->is_string() ? parse_hex(hex->get<std::string>()) : std::nullopt;
      if (parsed)
        bytes = std::move(*parsed);
      else
        params.fail("\"bytes\" must be a string of hex digit pairs");
    }
    strategy = std::make_unique<ByteStream>(std::move(bytes));
  } else {
    if (error)
      *error = "unknown strategy \"" + std::string(name) +
               "\" (known: random, pct, dfs, dpor, replay, bytes)";
    return nullptr;
  }
  if (!params.finish(error)) return nullptr;
  return strategy;
}

}  // namespace weft
