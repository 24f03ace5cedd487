// Replay: answers each decision with the recorded one, after checking that it fits.
//
// Source: the replay half of record/replay testing (CHESS, shuttle's ReplayScheduler, rr).
// Guarantee: a deterministic program given the decision list recorded from one of its executions
// runs that same execution again; when the execution asks something the list does not fit, the
// first misfit is named instead of silently running something else.
//
// A recorded decision fits when it has the same kind, its index is below the number of offered
// candidates, and, if it names a task, the candidate at that index is that task. The candidate
// count need not be equal: the task check pins the identity, so a record stays valid when, for
// instance, an extra runnable task is appended. A record with candidates == 0 is a bare index (a
// trace holding only indices): only the index is checked. On the first misfit the message is kept
// and every later decision is answered 0 (never an exception across the runtime's fibers); the
// caller checks mismatch() after the run. Decisions past the end of the list are answered 0, the
// runtime's default, in both modes and are not a misfit: a list may leave out its trailing
// default answers (past_end() counts them). Lenient mode, for the shrinker, flags nothing: an
// index that does not fit is clamped, a different kind or task is accepted.
#include <algorithm>
#include <memory>
#include <string>

#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {
namespace {

std::string recorded_text(const Decision& d) {
  if (d.candidates == 0) return "recorded index " + std::to_string(d.index);  // a bare index
  std::string text = "recorded " + std::string(to_string(d.kind)) + " index " +
                     std::to_string(d.index) + " of " + std::to_string(d.candidates);
  if (d.task != kNoTask) text += " (task " + std::to_string(d.task) + ")";
  return text;
}

}  // namespace

Replay::Replay(std::vector<Decision> decisions, bool lenient)
    : decisions_(std::move(decisions)), lenient_(lenient) {}

bool Replay::begin_execution(std::uint64_t index, std::uint64_t) {
  if (index != 0) return false;
  position_ = 0;
  deviations_ = 0;
  past_end_ = 0;
  mismatch_.reset();
  ended_ = false;
  return true;
}

void Replay::end_execution(const ExecutionSummary&) { ended_ = true; }

std::optional<std::string> Replay::misfit(const Decision& recorded, DecisionKind kind,
                                          const Candidates& candidates) const {
  const bool bare = recorded.candidates == 0;
  if (!bare && recorded.kind != kind)
    return recorded_text(recorded) + ", execution asks a " + std::string(to_string(kind)) +
           " decision with " + std::to_string(candidates.size()) + " candidates";
  if (recorded.index >= candidates.size())
    return recorded_text(recorded) + ", execution offers " + std::to_string(candidates.size()) +
           " candidates";
  if (!bare && recorded.task != kNoTask && candidates[recorded.index].task != recorded.task)
    return recorded_text(recorded) + ", execution offers task " +
           std::to_string(candidates[recorded.index].task) + " at that index";
  return std::nullopt;
}

std::size_t Replay::choose(DecisionKind kind, const Candidates& candidates,
                           const DecisionContext& context) {
  if (candidates.size() < 2) return 0;  // never asked by the runtime, never recorded
  const std::size_t number = position_++;
  if (mismatch_) return 0;
  if (number >= decisions_.size()) {
    ++past_end_;  // a list may leave out its trailing default answers
    return 0;
  }
  const Decision& recorded = decisions_[number];
  if (auto problem = misfit(recorded, kind, candidates)) {
    if (!lenient_) {
      mismatch_ = "decision " + std::to_string(number) + " (step " + std::to_string(context.step) +
                  ") does not fit: " + *problem;
      return 0;
    }
    ++deviations_;
    // The schedule changed before this point (shrinking edits it). A default answer stays the
    // default (keep the running task); otherwise pick the same task doing the same thing (run or
    // be dropped) if it is offered, so that one edit changes one choice.
    if (recorded.index == 0) return 0;
    if (recorded.task != kNoTask)
      for (std::size_t i = 0; i < candidates.size(); ++i)
        if (candidates[i].task == recorded.task && (candidates[i].op == Op::drop) == recorded.drop)
          return i;
    return std::min<std::size_t>(recorded.index, candidates.size() - 1);
  }
  return recorded.index;
}

nlohmann::json Replay::parameters() const {
  return nlohmann::json{{"decisions", decisions_to_json(decisions_)}, {"lenient", lenient_}};
}

std::unique_ptr<Strategy> Replay::clone() const {
  return std::make_unique<Replay>(decisions_, lenient_);
}

const StrategyEntry& replay_entry() {
  static const StrategyEntry entry{
      .name = "replay",
      .help = "replay of a recorded decision list (traces, shrinking)",
      .records = "decisions and lenient",
      .options = {},
      .seeded = false,
      .selectable = false,
      .measured = false,
      .parameters = {},
      .make = [](ParameterReader& p) -> std::unique_ptr<Strategy> {
        bool lenient = false;
        std::vector<Decision> decisions;
        if (const nlohmann::json* list = p.find("decisions")) {
          std::string why;
          if (auto parsed = decisions_from_json(*list, &why))
            decisions = std::move(*parsed);
          else
            p.fail("\"decisions\": " + why);
        } else if (p.ok()) {
          p.fail("missing \"decisions\"");
        }
        p.boolean("lenient", lenient);
        return std::make_unique<Replay>(std::move(decisions), lenient);
      },
      .validate = {},
  };
  return entry;
}

}  // namespace weft
