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
#include <limits>
#include <memory>
#include <optional>
#include <string>

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
    if (exhausted_ || (max_executions_ != 0 && executions_ >= max_executions_)) return false;
    if (!pass_->begin_execution(index, seed)) return false;
    ++executions_;
    return true;
  }
  // A pass that has just ended hands over here, so that exhausted() is true as soon as the last
  // class has run (the explorer may ask no further execution).
  void end_execution(const ExecutionSummary& summary) override {
    pass_->end_execution(summary);
    if (pass_->exhausted()) next_pass();
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
    if (exhausted_)
      return pass_->covered_bound() ? std::numeric_limits<std::int64_t>::max()
                                    : std::optional<std::int64_t>{};
    return covered_;
  }
  std::unique_ptr<Strategy> clone() const override {
    return std::make_unique<ExhaustiveSearch>(max_executions_, split_depth_);
  }
  // Only the unbounded pass splits (at its full decisions, --split-depth): whether a bounded pass
  // is the last one depends on what the whole pass found, so a part of it could not know.
  std::unique_ptr<Strategy> split() override {
    if (bound_ >= 0 || exhausted_) return nullptr;
    std::unique_ptr<Strategy> given = pass_->split();
    if (!given) return nullptr;
    auto part = std::make_unique<ExhaustiveSearch>(max_executions_, split_depth_);
    part->bound_ = -1;
    part->pass_.reset(static_cast<Dpor*>(given.release()));
    part->covered_ = covered_;
    return part;
  }
  bool splittable() const override { return true; }

 private:
  std::unique_ptr<Dpor> make_pass(int bound) const {
    DporOptions options;
    options.preemption_bound = bound;
    if (bound < 0) options.split_depth = split_depth_;  // the bounded passes do not split
    return std::make_unique<Dpor>(options);
  }

  // The pass ended: the search is complete, or the next pass begins.
  void next_pass() {
    if (bound_ < 0 || !pass_->bound_refused()) {
      exhausted_ = true;
      return;
    }
    if (const std::optional<std::int64_t> covered = pass_->covered_bound()) covered_ = covered;
    bound_ = bound_ == kLastBoundedPass ? -1 : bound_ + 1;
    pass_ = make_pass(bound_);
  }

  std::uint64_t max_executions_;
  std::uint32_t split_depth_;  // the unbounded pass's
  int bound_ = 0;              // the current pass's preemption bound, -1 for the unbounded pass
  std::unique_ptr<Dpor> pass_ = make_pass(0);
  std::optional<std::int64_t> covered_;  // the largest bound whose pass ended
  bool exhausted_ = false;
  std::uint64_t executions_ = 0;
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
