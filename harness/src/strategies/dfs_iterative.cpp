// Iterative preemption bounding: exhaustive DFS with preemption bound 0, then 1, then 2, ...,
// running every schedule once, in the order of its number of preemptions.
//
// Source: Musuvathi, Qadeer, "Iterative Context Bounding for Systematic Testing of Multithreaded
// Programs", PLDI 2007 (CHESS). CHESS keeps the program states at which the bound refused a
// preemption as the next bound's work queue; weft is stateless, so it keeps those points as
// decision prefixes instead and reaches them again by replay.
// Guarantee: when bound b is complete (covered_bound() == b), every execution whose decisions
// hold at most b preemptions (preemption.hpp: as dfs counts them) has been run, each exactly
// once, with every answer to every timer-tie, shutdown, spurious and value decision. When
// exhausted() and no last bound was set, every execution of the program has been run.
//
// How no schedule runs twice: every schedule with exactly b preemptions has a last preemption;
// the prefix before it holds b - 1 preemptions, so the search of bound b - 1 ran that prefix and
// reached that decision, where the bound refused the preemption. Each refusal is recorded there
// as a root of bound b: (the execution's decisions up to that decision, the refused answer). Bound
// b replays each root and searches below it with no further preemption (every schedule below
// holds exactly b), recording its own refusals as the roots of b + 1. A decision of the search
// tree is opened once, so each root is recorded once and each schedule has exactly one root.
//
// On several threads (--jobs, tree_parts.hpp): split() gives away the later half of the current
// bound's roots not yet begun, or, with none left, the later answers of the shallowest decision
// below the current root that has any, together with the rest of the search: the later roots and
// the right to go on to the next bounds (the continuation), when the donor holds it
// (part_chain.hpp). A part without the continuation, once it has searched its roots, leaves the
// roots it recorded for the next bound (in its execution order) and is done. The part with the
// continuation (always the last part) waits for the parts before it: the next bound's roots are
// theirs in the parts' order, then its own, which is the order the one-thread search records them
// in, so every bound runs the same executions in the same order on any number of threads.
#include <algorithm>
#include <deque>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "part_chain.hpp"
#include "weft/harness/preemption.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {
namespace {

struct IterativeOptions {
  int last_bound = -1;  // the last bound to raise to; negative: until the budget ends it
  std::uint64_t max_executions = 0;
};

class IterativeBounding final : public Strategy {
 public:
  explicit IterativeBounding(IterativeOptions options) : options_(options) {}

  bool begin_execution(std::uint64_t, std::uint64_t) override {
    if (in_execution_) end_execution(ExecutionSummary{});
    if (exhausted_ || awaiting_) return false;
    if (options_.max_executions != 0 && executions_ >= options_.max_executions) return false;
    depth_ = 0;
    cut_.reset();
    refused_.clear();
    in_execution_ = true;
    ++executions_;
    return true;
  }

  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override {
    if (candidates.size() < 2 || cut_ || !in_execution_) return 0;
    if (depth_ < stack_.size()) {
      const Frame& f = stack_[depth_];
      if (f.kind != kind || f.candidates != candidates.size() ||
          f.first_is_current != context.first_is_current) {
        if (!nondeterminism_)
          nondeterminism_ =
              "decision " + std::to_string(depth_) + " of execution " +
              std::to_string(executions_ - 1) + " differs from the same prefix before (" +
              std::string(to_string(f.kind)) + " with " + std::to_string(f.candidates) +
              " candidates recorded, " + std::string(to_string(kind)) + " with " +
              std::to_string(candidates.size()) + " now)";
        cut_ = depth_;
        return 0;
      }
      return stack_[depth_++].index;
    }
    // A new decision: answer 0 (never a preemption) and record every refused preemption as a
    // root of the next bound, unless this bound is the last.
    Frame f;
    f.kind = kind;
    f.first_is_current = context.first_is_current;
    f.candidates = static_cast<std::uint32_t>(candidates.size());
    const bool last = options_.last_bound >= 0 && bound_ >= options_.last_bound;
    for (std::uint32_t a = 1; a < f.candidates; ++a) {
      if (!costs_preemption(kind, f.first_is_current, a)) continue;
      if (last)
        capped_ = true;  // a schedule with more preemptions exists, beyond the last bound
      else
        refused_.push_back({static_cast<std::uint32_t>(depth_), a});
    }
    stack_.push_back(f);
    ++depth_;
    return 0;
  }

  void end_execution(const ExecutionSummary&) override {
    if (!in_execution_) return;
    in_execution_ = false;
    if (!cut_ && depth_ < stack_.size()) cut_ = depth_;  // ended inside the replayed prefix
    if (cut_ && !nondeterminism_)
      nondeterminism_ = "execution " + std::to_string(executions_ - 1) + " ended after " +
                        std::to_string(depth_) + " decisions inside a replayed prefix of " +
                        std::to_string(stack_.size());
    if (cut_) {
      // Abandon the branch that did not replay (a root that did not replay, whole).
      refused_.clear();
      if (*cut_ < fixed_) return backtrack(true);
      stack_.resize(*cut_);
    }
    if (!refused_.empty()) {
      auto path = std::make_shared<const std::vector<Frame>>(stack_);
      for (const auto& [depth, answer] : refused_) next_.push_back(Root{path, depth, answer});
      refused_.clear();
    }
    backtrack(false);
  }

  std::string name() const override { return "dfs-iterative"; }
  nlohmann::json parameters() const override {
    return nlohmann::json{{"preemption_bound", options_.last_bound < 0 ? -1 : options_.last_bound},
                          {"max_executions", options_.max_executions}};
  }
  bool exhausted() const override { return exhausted_; }
  bool independent_executions() const override { return false; }
  std::optional<std::int64_t> covered_bound() const override {
    // A part without the continuation: the part that holds it reports the bounds (the search
    // covers the lowest any part reports).
    if (!chain_.continuation() && exhausted_) return std::numeric_limits<std::int64_t>::max();
    if (covered_ < 0) return std::nullopt;
    // Nothing refused at the last bound: no schedule holds more preemptions.
    if (exhausted_ && !capped_) return std::numeric_limits<std::int64_t>::max();
    return covered_;
  }
  std::unique_ptr<Strategy> clone() const override {
    return std::make_unique<IterativeBounding>(options_);
  }
  std::unique_ptr<Strategy> split() override;
  bool splittable() const override { return true; }
  bool awaits_earlier_parts() const override { return awaiting_; }
  void earlier_parts_ended() override {
    if (!awaiting_) return;
    awaiting_ = false;
    // Every part before this one has ended having searched its roots: theirs come first.
    std::vector<Root> roots;
    chain_.take_earlier([&](Found found) {
      roots.insert(roots.end(), std::make_move_iterator(found.refused.begin()),
                   std::make_move_iterator(found.refused.end()));
      capped_ = capped_ || found.capped;
    });
    roots.insert(roots.end(), std::make_move_iterator(next_.begin()),
                 std::make_move_iterator(next_.end()));
    next_ = std::move(roots);
    next_bound();
  }

 private:
  struct Frame {
    DecisionKind kind = DecisionKind::schedule;
    bool first_is_current = false;
    std::uint32_t candidates = 0;
    std::uint32_t index = 0;
  };
  // Where a search of the current bound begins: replay (*path)[0, depth), answer `answer` at
  // depth (a preemption the previous bound refused), then search below without preempting.
  struct Root {
    std::shared_ptr<const std::vector<Frame>> path;
    std::uint32_t depth = 0;
    std::uint32_t answer = 0;
  };

  // The next non-preemptive answer of frame `f` after its current one.
  static std::optional<std::uint32_t> next_answer(const Frame& f) {
    for (std::uint32_t i = f.index + 1; i < f.candidates; ++i)
      if (!costs_preemption(f.kind, f.first_is_current, i)) return i;
    return std::nullopt;
  }

  // What a part without the continuation found for the next bound, once it searched its roots.
  struct Found {
    std::vector<Root> refused;  // the roots it recorded for the next bound, in its order
    bool capped = false;        // the last bound refused a preemption there
  };

  // Moves to the next execution: the next answer below the current root, else the next root,
  // else the next bound's roots. `root_failed`: the current root did not replay; skip it.
  void backtrack(bool root_failed) {
    if (!root_failed) {
      while (stack_.size() > fixed_) {
        Frame& f = stack_.back();
        if (auto next = next_answer(f)) {
          f.index = *next;
          return;
        }
        stack_.pop_back();
      }
    }
    if (roots_.empty()) return end_of_roots();
    next_root();
  }

  void next_root() {
    Root root = std::move(roots_.front());
    roots_.pop_front();
    stack_.assign(root.path->begin(), root.path->begin() + root.depth + 1);
    stack_.back().index = root.answer;
    fixed_ = stack_.size();
  }

  // This part has searched its roots of the current bound.
  void end_of_roots() {
    if (!chain_.continuation()) {
      // Leave what the next bound needs to the part that goes on to it.
      chain_.leave(Found{std::move(next_), capped_});
      next_.clear();
      exhausted_ = true;
      return;
    }
    if (chain_.earlier_parts()) {
      awaiting_ = true;  // the earlier parts' roots come first: earlier_parts_ended()
      return;
    }
    next_bound();
  }

  // The current bound is complete: its refusals, in the one-thread order, are the next's roots.
  void next_bound() {
    covered_ = bound_;
    if (next_.empty()) {
      exhausted_ = true;
      return;
    }
    ++bound_;
    roots_.assign(std::make_move_iterator(next_.begin()), std::make_move_iterator(next_.end()));
    next_.clear();
    next_root();
  }

  IterativeOptions options_;
  // invariant between executions: the decisions the next execution replays; the first fixed_
  // are its root's (never backtracked), the rest the search below it.
  std::vector<Frame> stack_;
  std::size_t fixed_ = 0;
  std::size_t depth_ = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> refused_;  // this execution's: depth, answer
  std::deque<Root> roots_;  // of the current bound, not yet searched
  std::vector<Root> next_;  // of the next bound
  int bound_ = 0;
  std::int64_t covered_ = -1;  // the largest bound searched completely, -1 before bound 0 ends
  bool in_execution_ = false;
  std::optional<std::size_t> cut_;
  bool exhausted_ = false;
  bool capped_ = false;  // the last bound refused a preemption: not every schedule was run
  std::uint64_t executions_ = 0;
  std::optional<std::string> nondeterminism_;
  // On several threads (split): this part's place among the parts, and whether it waits for the
  // parts before it to end (its roots are searched, theirs come first).
  detail::PartChain<Found> chain_;
  bool awaiting_ = false;
};

// Gives away the later half of the current bound's roots not yet begun, or, with none left, the
// later answers of the shallowest decision below the current root that has any (the part the
// one-thread search reaches last), with the continuation: everything this part keeps comes
// first in the one-thread order.
std::unique_ptr<Strategy> IterativeBounding::split() {
  if (in_execution_ || exhausted_ || awaiting_) return nullptr;
  auto part = std::make_unique<IterativeBounding>(options_);
  if (!roots_.empty()) {
    const auto keep = static_cast<std::ptrdiff_t>(roots_.size() / 2);
    part->roots_.assign(std::make_move_iterator(roots_.begin() + keep),
                        std::make_move_iterator(roots_.end()));
    roots_.erase(roots_.begin() + keep, roots_.end());
    part->next_root();
  } else {
    std::size_t f = fixed_;
    while (f < stack_.size() && !next_answer(stack_[f])) ++f;
    if (f == stack_.size()) return nullptr;
    part->stack_.assign(stack_.begin(), stack_.begin() + static_cast<std::ptrdiff_t>(f) + 1);
    part->stack_.back().index = *next_answer(stack_[f]);
    part->fixed_ = f;
    fixed_ = f + 1;
  }
  part->chain_ = chain_.give();
  part->bound_ = bound_;
  part->covered_ = covered_;
  return part;
}

}  // namespace

const StrategyEntry& dfs_iterative_entry() {
  static const StrategyEntry entry{
      .name = "dfs-iterative",
      .help =
          "iterative preemption bounding: dfs with bound 0, then 1, 2, ... up to "
          "--preemption-bound (-1: until the budget), no schedule run twice; the report "
          "names the last bound covered completely",
      .records = "preemption_bound (the last bound) and max_executions",
      .options = {preemption_bound_row()},
      .seeded = false,
      .selectable = true,
      .measured = false,
      .parameters = preemption_bound_parameters,
      .make = [](ParameterReader& p) -> std::unique_ptr<Strategy> {
        IterativeOptions options;
        p.integer("preemption_bound", options.last_bound, -1, std::numeric_limits<int>::max());
        p.integer("max_executions", options.max_executions, 0,
                  std::numeric_limits<std::int64_t>::max());
        return std::make_unique<IterativeBounding>(options);
      },
      .validate = {},
  };
  return entry;
}

}  // namespace weft
