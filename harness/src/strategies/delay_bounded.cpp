// Delay-bounded search: Emmi, Qadeer, Rakamarić, "Delay-Bounded Scheduling", POPL 2011.
//
// A deterministic scheduler decides every schedule decision: round-robin over task ids, keeping
// the running task while it can go on (candidate 0 when DecisionContext::first_is_current), and
// otherwise taking the next runnable id after the task that ran last, wrapping around. A *delay*
// skips the task that scheduler would run next, so answering the candidate at position k of the
// scheduler's order costs k delays; a spurious wake-up costs one (as a preemption does for dfs).
// The search is a depth-first search over the decisions that explores every execution whose
// delays add up to at most --delay-bound; timer-tie, shutdown and value decisions are explored
// fully at no cost, as in dfs. Guarantee: when exhausted, every such execution ran once; the
// report's covered_bound is the delay bound. Few delays reach many bugs (a bug needing one task to
// be put off once is found with bound 1), and the number of executions grows with the bound as
// (decisions)^bound rather than with the number of schedules.
#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weft/harness/registry.hpp"
#include "weft/harness/strategy.hpp"

namespace weft {
namespace {

struct DelayOptions {
  int delay_bound = 2;
  std::uint64_t max_executions = 0;  // 0: no limit
};

class DelayBounded final : public Strategy {
 public:
  explicit DelayBounded(DelayOptions options) : options_(options) {}

  bool begin_execution(std::uint64_t, std::uint64_t) override {
    if (in_execution_) end_execution(ExecutionSummary{});
    if (exhausted_) return false;
    if (options_.max_executions != 0 && executions_ >= options_.max_executions) return false;
    depth_ = 0;
    last_task_ = kNoTask;
    cut_.reset();
    in_execution_ = true;
    ++executions_;
    return true;
  }

  void end_execution(const ExecutionSummary&) override {
    if (!in_execution_) return;
    in_execution_ = false;
    if (!cut_ && depth_ < stack_.size()) {
      diverged("execution " + std::to_string(executions_ - 1) + " ended after " +
               std::to_string(depth_) + " decisions inside a replayed prefix of " +
               std::to_string(stack_.size()));
    }
    if (cut_) stack_.resize(*cut_);
    backtrack();
  }

  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override {
    if (!in_execution_ || candidates.empty()) return 0;
    if (candidates.size() < 2 || cut_) return chosen(kind, candidates, 0);
    if (depth_ < stack_.size()) {
      const Frame& f = stack_[depth_];
      if (f.kind != kind || f.order.size() != candidates.size()) {
        diverged("decision " + std::to_string(depth_) + " of execution " +
                 std::to_string(executions_ - 1) + " differs from the same prefix before");
        return chosen(kind, candidates, 0);
      }
      ++depth_;
      return chosen(kind, candidates, f.order[f.position]);
    }
    Frame f;
    f.kind = kind;
    f.order = scheduler_order(kind, candidates, context);
    if (!stack_.empty()) f.delays_before = stack_.back().delays_before + cost(stack_.back());
    stack_.push_back(std::move(f));
    ++depth_;
    return chosen(kind, candidates, stack_.back().order[0]);
  }

  std::string name() const override { return "delay-bounded"; }
  nlohmann::json parameters() const override {
    return nlohmann::json{{"delay_bound", options_.delay_bound},
                          {"max_executions", options_.max_executions}};
  }
  bool exhausted() const override { return exhausted_; }
  std::optional<std::int64_t> covered_bound() const override {
    if (!exhausted_ || nondeterminism_) return std::nullopt;
    return options_.delay_bound;
  }
  bool independent_executions() const override { return false; }
  std::unique_ptr<Strategy> clone() const override {
    return std::make_unique<DelayBounded>(options_);
  }
  bool splittable() const override { return true; }
  // As Dfs::split: the later positions of the shallowest frame that has any.
  std::unique_ptr<Strategy> split() override {
    if (in_execution_ || exhausted_) return nullptr;
    for (std::size_t f = floor_; f < stack_.size(); ++f) {
      if (!can_advance(stack_[f])) continue;
      auto part = std::make_unique<DelayBounded>(options_);
      part->stack_.assign(stack_.begin(), stack_.begin() + static_cast<std::ptrdiff_t>(f) + 1);
      ++part->stack_.back().position;
      part->floor_ = f;
      floor_ = f + 1;
      return part;
    }
    return nullptr;
  }

 private:
  struct Frame {
    DecisionKind kind = DecisionKind::schedule;
    std::vector<std::uint32_t> order;  // candidate indices, the deterministic scheduler's first
    std::uint32_t position = 0;        // invariant: < order.size()
    std::uint32_t delays_before = 0;   // delays spent by the frames above this one
  };

  static std::uint32_t cost_at(DecisionKind kind, std::uint32_t position) {
    if (kind == DecisionKind::schedule) return position;
    if (kind == DecisionKind::spurious) return position == 0 ? 0 : 1;
    return 0;
  }
  static std::uint32_t cost(const Frame& f) { return cost_at(f.kind, f.position); }

  // Round-robin from the running task (when it can go on) or from the one after the task that ran
  // last; the candidates of other decisions in their own order.
  std::vector<std::uint32_t> scheduler_order(DecisionKind kind, const Candidates& candidates,
                                             const DecisionContext& context) const {
    std::vector<std::uint32_t> order(candidates.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    if (kind != DecisionKind::schedule) return order;
    const bool keep = context.first_is_current;
    const TaskId from = keep ? candidates[0].task : last_task_;
    // Distance after `from` in id order, wrapping: the running task itself is at distance 0.
    auto distance = [&](std::uint32_t i) -> std::uint64_t {
      const TaskId t = candidates[i].task;
      if (from == kNoTask) return t;
      if (keep && i == 0) return 0;
      return t > from ? std::uint64_t{t} - from
                      : std::uint64_t{t} + (std::uint64_t{1} << 32) - from;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return distance(a) < distance(b); });
    return order;
  }

  std::size_t chosen(DecisionKind kind, const Candidates& candidates, std::size_t index) {
    if (kind == DecisionKind::schedule) last_task_ = candidates[index].task;
    return index;
  }

  void diverged(std::string message) {
    if (!nondeterminism_) nondeterminism_ = std::move(message);
    cut_ = depth_;
  }

  bool can_advance(const Frame& f) const {
    return f.position + 1 < f.order.size() && f.delays_before + cost_at(f.kind, f.position + 1) <=
                                                  static_cast<std::uint32_t>(options_.delay_bound);
  }

  void backtrack() {
    while (stack_.size() > floor_) {
      Frame& f = stack_.back();
      if (can_advance(f)) {
        ++f.position;
        return;
      }
      stack_.pop_back();
    }
    exhausted_ = true;
  }

  DelayOptions options_;
  std::vector<Frame> stack_;  // invariant between executions: the prefix the next one replays
  std::size_t floor_ = 0;     // the frames above it are fixed (see Dfs::floor_)
  std::size_t depth_ = 0;
  TaskId last_task_ = kNoTask;  // the task the latest schedule decision ran
  bool in_execution_ = false;
  std::optional<std::size_t> cut_;
  bool exhausted_ = false;
  std::uint64_t executions_ = 0;
  std::optional<std::string> nondeterminism_;
};

}  // namespace

const StrategyEntry& delay_bounded_entry() {
  static const StrategyEntry entry{
      .name = "delay-bounded",
      .help =
          "delay bounding (Emmi et al. 2011): every execution at most --delay-bound delays away "
          "from a round-robin scheduler",
      .records = "delay_bound and max_executions",
      .options = {member_row<&ExploreOptions::delay_bound>(
          "delay-bound", "WEFT_DELAY_BOUND",
          "delay-bounded: at most this many delays per execution (a delay skips the task "
          "round-robin would run next)",
          "delay_bound", "delay bound", "d")},
      .seeded = false,
      .selectable = true,
      .measured = false,
      .parameters =
          [](const ExploreOptions& o, const ExplorationProbe&) {
            return nlohmann::json{{"delay_bound", o.delay_bound}};
          },
      .make = [](ParameterReader& p) -> std::unique_ptr<Strategy> {
        DelayOptions options;
        p.integer("delay_bound", options.delay_bound, 0, std::numeric_limits<int>::max());
        p.integer("max_executions", options.max_executions, 0,
                  std::numeric_limits<std::int64_t>::max());
        return std::make_unique<DelayBounded>(options);
      },
      .validate =
          [](const ExploreOptions& o) {
            if (o.delay_bound < 0) throw OptionError("--delay-bound: must be at least 0");
          },
  };
  return entry;
}

}  // namespace weft
