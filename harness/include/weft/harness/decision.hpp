// The recorded form of one decision, the unit of every schedule, trace and replay, and the
// RecordingChooser that captures them by wrapping any other chooser.
#pragma once
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weft/chooser.hpp"
#include "weft/ids.hpp"

namespace weft {

// One answered decision. A schedule is a std::vector<Decision>; replaying it reproduces the run.
struct Decision {
  DecisionKind kind = DecisionKind::schedule;
  std::uint32_t index = 0;       // the answer: an index into the offered candidates
  std::uint32_t candidates = 0;  // how many were offered; 0 means unknown (a bare index)
  TaskId task = kNoTask;         // the chosen candidate's task, kNoTask when none or unknown
  // A schedule decision that switched away from a task that could have kept running
  // (DecisionContext::first_is_current and index != 0). Set by RecordingChooser.
  bool preemption = false;
  bool drop = false;  // a shutdown decision that dropped the task (rather than ran it)

  friend bool operator==(const Decision&, const Decision&) = default;
};

// "schedule", "timer_tie", ... back to the kind; nullopt for any other text.
std::optional<DecisionKind> parse_decision_kind(std::string_view text) noexcept;

// JSON form of a decision, as trace files hold it: {"kind":"schedule","index":1,"of":3,"task":2},
// plus "preemption":true when set; "task" is null for kNoTask. from_json also accepts a bare index
// and throws nlohmann::json::exception on malformed input.
void to_json(nlohmann::json& out, const Decision& decision);
void from_json(const nlohmann::json& in, Decision& decision);

// Reads a decision list written either as decision records or as bare indices ([0, 2, 1], as a
// trace holding only indices has them; each becomes a Decision with candidates == 0). Returns
// nullopt and sets *error (when given) on malformed input; never throws.
std::optional<std::vector<Decision>> decisions_from_json(const nlohmann::json& in,
                                                         std::string* error = nullptr);
nlohmann::json decisions_to_json(std::span<const Decision> decisions);

// A Chooser that forwards every decision to `inner` and appends what was decided. The recorded
// index is the one the runtime will use: an out-of-range answer of `inner` is clamped to the last
// candidate exactly as the runtime clamps it.
class RecordingChooser final : public Chooser {
 public:
  // Precondition: `inner` outlives this chooser.
  explicit RecordingChooser(Chooser& inner) noexcept : inner_(&inner) {}
  // With room for `expected` decisions, so that recording does not grow the list step by step.
  RecordingChooser(Chooser& inner, std::size_t expected) : inner_(&inner) {
    decisions_.reserve(expected);
  }

  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override;

  const std::vector<Decision>& decisions() const noexcept { return decisions_; }
  // Hands the recorded list over and starts an empty one.
  std::vector<Decision> take() noexcept { return std::exchange(decisions_, {}); }
  void clear() noexcept { decisions_.clear(); }

 private:
  Chooser* inner_;  // invariant: non-null
  std::vector<Decision> decisions_;
};

}  // namespace weft
