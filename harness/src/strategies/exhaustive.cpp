// `exhaustive`, what users get when they ask for every behaviour: preemption-bounded DPOR with
// bound 0, then 1, then 2, then optimal DPOR without a bound.
//
// Why the bounded passes first: DPOR (like any depth-first search) finishes the subtree of its
// first execution before it revisits an early decision, and on code with many decisions per
// step (weft::sim's barging mutex, spurious wake-ups) that subtree is huge. A bug that needs one
// preemption early in the run then waits behind thousands of executions that all share the
// first execution's opening: a bounded queue's lost wake-up took optimal DPOR 13,683 executions
// and the bound-1 pass 31. Most concurrency bugs need few preemptions (Musuvathi, Qadeer, PLDI
// 2007), so the bounded passes find them within the first hundreds of executions, and the last
// pass still covers every class.
//
// Guarantee: when exhausted(), every class of executions (docs/dpor.md) has been run: either a
// bounded pass ran to its end without its bound refusing a backtrack point (then it ran what the
// unbounded search would), or the unbounded pass ran to its end. covered_bound() is the largest
// bound whose pass ended (INT64_MAX once every class has run). The price is the bounded passes'
// executions when the search runs to its end; `dpor` alone runs one execution per class.
//
// On several threads (--jobs, tree_parts.hpp) every pass splits as Dpor does, and the right to go
// on to the later passes (the continuation) goes with the part given away, which is the last part
// (part_chain.hpp). A part without it, once its pass is done, leaves whether the bound refused a
// backtrack point there and whether its pass was covered, and is done; the part with it waits for
// the parts before it, then decides as the one-thread search does about the whole pass: the search
// is complete, or the next pass begins from the root (and splits again). Only the unbounded pass
// has full decisions (--split-depth); a bounded pass splits where plain DPOR can (at the decisions
// before its first schedule decision). A bounded pass has no sleep sets, so full decisions there
// would multiply its executions: measured with split depth 1, 2 and 4 on its bounded passes,
// joinset-drain-on-shutdown ran 6,063, 12,072 and 41,209 executions instead of 4,555, and
// graceful-shutdown-tracker-wait 124,228, 172,424 and 392,892 instead of 101,836, each slower on
// two threads than depth 0 on one.
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "part_chain.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {
namespace {

constexpr int kLastBoundedPass = 2;

class ExhaustiveSearch final : public Strategy {
 public:
  ExhaustiveSearch(std::uint64_t max_executions, std::uint32_t split_depth)
      : max_executions_(max_executions), split_depth_(split_depth) {}

  bool begin_execution(std::uint64_t index, std::uint64_t seed) override {
    if (exhausted_ || awaiting_ || (max_executions_ != 0 && executions_ >= max_executions_))
      return false;
    if (!pass_->begin_execution(index, seed)) return false;
    ++executions_;
    return true;
  }
  // A pass that has just ended hands over here, so that exhausted() is true as soon as the last
  // class has run (the explorer may ask no further execution).
  void end_execution(const ExecutionSummary& summary) override {
    pass_->end_execution(summary);
    if (pass_->exhausted()) end_of_pass();
  }
  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override {
    return pass_->choose(kind, candidates, context);
  }
  std::string name() const override { return "exhaustive"; }
  nlohmann::json parameters() const override {
    nlohmann::json j{{"max_executions", max_executions_}};
    if (split_depth_ != 0) j["split_depth"] = split_depth_;  // 0 when absent
    return j;
  }
  bool exhausted() const override { return exhausted_; }
  bool independent_executions() const override { return false; }
  // The current pass's: the explorer asks for it before every execution.
  Observer* step_observer() override { return pass_->step_observer(); }
  std::optional<std::int64_t> covered_bound() const override {
    if (!exhausted_) return covered_;
    // The unbounded pass: each part reports its own (the search covers the lowest).
    if (bound_ < 0)
      return pass_->covered_bound() ? std::numeric_limits<std::int64_t>::max()
                                    : std::optional<std::int64_t>{};
    // A bounded pass: the part with the continuation reports it for every part.
    if (!chain_.continuation() || pass_covered_) return std::numeric_limits<std::int64_t>::max();
    return std::nullopt;
  }
  std::unique_ptr<Strategy> clone() const override {
    return std::make_unique<ExhaustiveSearch>(max_executions_, split_depth_);
  }
  // Every pass splits at its full decisions (--split-depth); the continuation goes with the part
  // given, which the one-thread search runs after everything this one keeps.
  std::unique_ptr<Strategy> split() override {
    if (exhausted_ || awaiting_) return nullptr;
    std::unique_ptr<Strategy> given = pass_->split();
    if (!given) return nullptr;
    auto part = std::make_unique<ExhaustiveSearch>(max_executions_, split_depth_);
    part->bound_ = bound_;
    part->pass_.reset(static_cast<Dpor*>(given.release()));
    part->covered_ = covered_;
    part->chain_ = chain_.give();
    return part;
  }
  bool splittable() const override { return true; }
  bool awaits_earlier_parts() const override { return awaiting_; }
  void earlier_parts_ended() override {
    if (!awaiting_) return;
    awaiting_ = false;
    bool refused = pass_->bound_refused();
    bool covered = pass_->covered_bound().has_value();
    chain_.take_earlier([&](const Found& found) {
      refused = refused || found.refused;
      covered = covered && found.covered;
    });
    next_pass(refused, covered);
  }

 private:
  // What a part without the continuation found in its part of a bounded pass.
  struct Found {
    bool refused = false;  // the bound refused a backtrack point (Dpor::bound_refused)
    bool covered = false;  // the pass ran its part to the end (Dpor::covered_bound)
  };

  std::unique_ptr<Dpor> make_pass(int bound) const {
    DporOptions options;
    options.preemption_bound = bound;
    if (bound < 0) options.split_depth = split_depth_;  // see above: bounded passes have none
    return std::make_unique<Dpor>(options);
  }

  // This part's pass ended.
  void end_of_pass() {
    if (bound_ < 0) {
      exhausted_ = true;  // the last pass: each part ends with its own
      return;
    }
    if (!chain_.continuation()) {
      // Leave what the decision about the whole pass needs to the part that makes it.
      chain_.leave(Found{pass_->bound_refused(), pass_->covered_bound().has_value()});
      exhausted_ = true;
      return;
    }
    if (chain_.earlier_parts()) {
      awaiting_ = true;  // the earlier parts' findings decide too: earlier_parts_ended()
      return;
    }
    next_pass(pass_->bound_refused(), pass_->covered_bound().has_value());
  }

  // The whole bounded pass ended (`refused`: its bound refused a backtrack point somewhere;
  // `covered`: every part of it ran to its end): the search is complete, or the next pass begins.
  void next_pass(bool refused, bool covered) {
    if (!refused) {
      exhausted_ = true;
      pass_covered_ = covered;
      return;
    }
    if (covered) covered_ = bound_;
    bound_ = bound_ == kLastBoundedPass ? -1 : bound_ + 1;
    pass_ = make_pass(bound_);
  }

  std::uint64_t max_executions_;
  std::uint32_t split_depth_;
  int bound_ = 0;  // the current pass's preemption bound, -1 for the unbounded pass
  std::unique_ptr<Dpor> pass_ = make_pass(0);
  std::optional<std::int64_t> covered_;  // the largest bound whose pass ended
  bool exhausted_ = false;
  bool pass_covered_ = false;  // a bounded pass ended the search: whether it was covered
  std::uint64_t executions_ = 0;
  // On several threads (split): this part's place among the parts, and whether it waits for the
  // parts before it to end (its pass is done, the decision needs theirs too).
  detail::PartChain<Found> chain_;
  bool awaiting_ = false;
};

}  // namespace

const StrategyEntry& exhaustive_entry() {
  static const StrategyEntry entry{
      .name = "exhaustive",
      .help =
          "every class of executions: dpor-bounded with preemption bound 0, 1, 2 (bugs that "
          "need few preemptions first), then dpor without a bound (docs/dpor.md)",
      .records = "split_depth (of the unbounded pass) and max_executions",
      .options = {split_depth_row()},
      .seeded = false,
      .selectable = true,
      .measured = false,
      .parameters = split_depth_parameters,
      .make = [](ParameterReader& p) -> std::unique_ptr<Strategy> {
        std::uint64_t max_executions = 0;
        std::uint32_t split_depth = 0;
        p.integer("max_executions", max_executions, 0, std::numeric_limits<std::int64_t>::max());
        read_split_depth(p, split_depth);
        return std::make_unique<ExhaustiveSearch>(max_executions, split_depth);
      },
      .validate = validate_split_depth,
  };
  return entry;
}

}  // namespace weft
