// Decision records: JSON form and the recording wrapper.
#include "weft/harness/decision.hpp"

#include <limits>

namespace weft {
namespace {

constexpr DecisionKind kAllKinds[] = {DecisionKind::schedule, DecisionKind::timer_tie,
                                      DecisionKind::shutdown, DecisionKind::spurious,
                                      DecisionKind::value};

// A JSON integer in [0, 2^32): parsed text gives unsigned numbers, C++ literals signed ones.
bool fits_u32(const nlohmann::json& value) {
  if (value.is_number_unsigned())
    return value.get<std::uint64_t>() <= std::numeric_limits<std::uint32_t>::max();
  return value.is_number_integer() && value.get<std::int64_t>() >= 0 &&
         value.get<std::int64_t>() <= std::int64_t{std::numeric_limits<std::uint32_t>::max()};
}

std::optional<Decision> decision_from_json(const nlohmann::json& in, std::size_t position,
                                           std::string* error) {
  auto fail = [&](const std::string& what) -> std::optional<Decision> {
    if (error) *error = "decision " + std::to_string(position) + ": " + what;
    return std::nullopt;
  };
  Decision d;
  if (fits_u32(in)) {
    d.index = in.get<std::uint32_t>();
    return d;
  }
  if (!in.is_object()) return fail("expected an index or an object, got " + in.dump());
  for (const auto& [key, value] : in.items()) {
    if (key == "kind") {
      auto kind = value.is_string() ? parse_decision_kind(value.get<std::string>()) : std::nullopt;
      if (!kind) return fail("unknown decision kind " + value.dump());
      d.kind = *kind;
    } else if (key == "task" && value.is_null()) {
      d.task = kNoTask;
    } else if (key == "index" || key == "of" || key == "task") {
      if (!fits_u32(value)) return fail("\"" + key + "\" must be an unsigned 32-bit integer");
      auto v = value.get<std::uint32_t>();
      (key == "index" ? d.index : key == "of" ? d.candidates : d.task) = v;
    } else if (key == "preemption") {
      if (!value.is_boolean()) return fail("\"preemption\" must be true or false");
      d.preemption = value.get<bool>();
    } else if (key == "drop") {
      if (!value.is_boolean()) return fail("\"drop\" must be true or false");
      d.drop = value.get<bool>();
    } else {
      return fail("unknown key \"" + key + "\"");
    }
  }
  if (!in.contains("index")) return fail("missing \"index\"");
  if (d.candidates != 0 && d.index >= d.candidates)
    return fail("index " + std::to_string(d.index) + " is not below \"of\" " +
                std::to_string(d.candidates));
  return d;
}

}  // namespace

std::optional<DecisionKind> parse_decision_kind(std::string_view text) noexcept {
  for (DecisionKind kind : kAllKinds)
    if (to_string(kind) == text) return kind;
  return std::nullopt;
}

void to_json(nlohmann::json& out, const Decision& decision) {
  out = nlohmann::json{
      {"kind", to_string(decision.kind)},
      {"index", decision.index},
      {"of", decision.candidates},
      {"task", decision.task == kNoTask ? nlohmann::json(nullptr) : nlohmann::json(decision.task)}};
  if (decision.preemption) out["preemption"] = true;
  if (decision.drop) out["drop"] = true;
}

void from_json(const nlohmann::json& in, Decision& decision) {
  std::string error;
  auto parsed = decision_from_json(in, 0, &error);
  if (!parsed) throw nlohmann::json::other_error::create(501, error, &in);
  decision = *parsed;
}

std::optional<std::vector<Decision>> decisions_from_json(const nlohmann::json& in,
                                                         std::string* error) {
  if (!in.is_array()) {
    if (error) *error = "decisions must be an array, got " + std::string(in.type_name());
    return std::nullopt;
  }
  std::vector<Decision> out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto d = decision_from_json(in[i], i, error);
    if (!d) return std::nullopt;
    out.push_back(*d);
  }
  return out;
}

nlohmann::json decisions_to_json(std::span<const Decision> decisions) {
  nlohmann::json out = nlohmann::json::array();
  for (const Decision& d : decisions) out.push_back(d);
  return out;
}

std::size_t RecordingChooser::choose(DecisionKind kind, const Candidates& candidates,
                                     const DecisionContext& context) {
  std::size_t pick = inner_->choose(kind, candidates, context);
  if (pick >= candidates.size()) pick = candidates.empty() ? 0 : candidates.size() - 1;
  decisions_.push_back(Decision{
      kind, static_cast<std::uint32_t>(pick), static_cast<std::uint32_t>(candidates.size()),
      candidates.empty() ? kNoTask : candidates[pick].task,
      kind == DecisionKind::schedule && context.first_is_current && pick != 0,
      !candidates.empty() && candidates[pick].op == Op::drop});
  return pick;
}

}  // namespace weft
