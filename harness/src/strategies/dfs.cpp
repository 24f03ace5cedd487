// Exhaustive depth-first search over the decision tree, bounded by the number of preemptions.
//
// Source: Musuvathi, Qadeer, "Iterative Context Bounding for Systematic Testing of Multithreaded
// Programs", PLDI 2007 (CHESS); stateless search as in Godefroid, "Model Checking for Programming
// Languages using VeriSoft", POPL 1997. Optional sleep sets: Godefroid, "Partial-Order Methods
// for the Verification of Concurrent Systems", LNCS 1032, 1996.
// Guarantee: when exhausted() becomes true, every execution of the (deterministic) program whose
// schedule decisions hold at most `preemption_bound` preemptions has been run, with every answer
// to every timer-tie, shutdown, spurious-wakeup and value decision: in particular every order in
// which shutdown drops tasks. With sleep sets, at least one execution of every equivalence class
// of executions (Mazurkiewicz trace) under the independence relation below has been run.
//
// Stateless: nothing of the program's state is stored, only a stack of frames, one per decision
// (kind, candidate count, index chosen, whether that was a preemption). An execution replays the
// stack as a prefix, then opens new frames with the first allowed alternative (index 0 first, and
// index 0 is never a preemption); end_execution backtracks to the deepest frame with an untried
// allowed alternative. A schedule decision with first_is_current whose answer is not 0 is a
// preemption and is allowed only while the preemptions above it are fewer than the bound. A
// spurious condition-variable wake-up (answer 1 of a spurious decision) counts against the bound
// the same way: each one opens a branch as deep as the program (the waiter loops and waits
// again), so without a bound on them the search never backtracks past the first wait. The
// runtime's own budget (ExplorationHooks::spurious_wakeups) limits them for every strategy, and
// with it an unbounded search too. Other kinds never count and are always explored fully.
//
// If the replayed prefix meets a decision of another kind, candidate count or current-task flag
// than recorded (or the execution ends inside the prefix), the program is nondeterministic: the
// first such message is kept for nondeterminism(), the rest of the execution answers 0, and the
// search drops that branch and goes on.
//
// Sleep sets (optional, only with an unbounded preemption bound: the plain combination with
// context bounding misses schedules, see Musuvathi & Qadeer's paper on the subject). Two
// candidates are independent when they are different tasks whose pending operations both name an
// object, name different objects, and neither is spawn/join/abort/drop/start/yield/sleep/choose
// (those act on tasks, timers or values, not on one object). After alternative t was explored at
// a node, t stays asleep in the subtrees of its later siblings until a dependent step runs. A
// sleep set is carried only from a schedule decision to the next one when exactly one step ran
// in between (the next decision is the chosen task's next scheduling point, or its block/finish
// at the same step count); otherwise it starts empty, which is always safe. This is sound when
// tasks share state only through weft objects and every effect on them is a scheduling point.
#include <algorithm>
#include <limits>
#include <memory>
#include <string>

#include "weft/harness/preemption.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {
namespace {

bool acts_on_one_object(const Candidate& c) {
  if (c.object == kNoObject) return false;
  switch (c.op) {
    case Op::none:
    case Op::start:
    case Op::spawn:
    case Op::join:
    case Op::abort:
    case Op::drop:
    case Op::yield:
    case Op::sleep:
    case Op::choose:
      return false;
    default:
      return true;
  }
}

bool independent(const Candidate& a, const Candidate& b) {
  return a.task != b.task && acts_on_one_object(a) && acts_on_one_object(b) && a.object != b.object;
}

bool same_candidate(const Candidate& a, const Candidate& b) {
  return a.task == b.task && a.op == b.op && a.object == b.object;
}

std::string describe(DecisionKind kind, std::size_t candidates, bool first_is_current) {
  std::string text =
      std::string(to_string(kind)) + " decision with " + std::to_string(candidates) + " candidates";
  if (first_is_current) text += " (candidate 0 running)";
  return text;
}

}  // namespace

Dfs::Dfs(DfsOptions options) : options_(options) {
  if (options_.preemption_bound >= 0) options_.sleep_sets = false;  // see the precondition
}

bool Dfs::begin_execution(std::uint64_t, std::uint64_t) {
  if (in_execution_) end_execution(ExecutionSummary{});
  if (exhausted_) return false;
  if (options_.max_executions != 0 && executions_ >= options_.max_executions) return false;
  depth_ = 0;
  redundant_ = false;
  cut_.reset();
  in_execution_ = true;
  ++executions_;
  return true;
}

bool Dfs::allowed(const Frame& frame, std::uint32_t index) const {
  const bool preemption = costs_preemption(frame.kind, frame.first_is_current, index);
  return !preemption || options_.preemption_bound < 0 ||
         frame.preemptions_before < static_cast<std::uint32_t>(options_.preemption_bound);
}

bool Dfs::asleep(const Frame& frame, std::uint32_t index) const {
  return std::any_of(frame.sleep.begin(), frame.sleep.end(),
                     [&](const Candidate& c) { return same_candidate(c, frame.offered[index]); });
}

std::optional<std::uint32_t> Dfs::next_alternative(const Frame& frame, std::uint32_t from) const {
  for (std::uint32_t i = from; i < frame.candidates; ++i) {
    if (!allowed(frame, i)) return std::nullopt;  // every later index costs one too
    if (!asleep(frame, i)) return i;
  }
  return std::nullopt;
}

std::vector<Candidate> Dfs::child_sleep_set(const Candidates& candidates,
                                            const DecisionContext& context) const {
  if (stack_.empty()) return {};
  const Frame& parent = stack_.back();
  if (parent.kind != DecisionKind::schedule || parent.closed) return {};
  const Candidate& ran = parent.offered[parent.index];
  const bool one_step = context.first_is_current
                            ? candidates[0].task == ran.task && context.step == parent.step + 1
                            : context.step == parent.step;
  if (!one_step) return {};
  std::vector<Candidate> sleep;
  auto carry = [&](const Candidate& u) {
    if (!independent(u, ran)) return;
    for (const Candidate& c : candidates)
      if (same_candidate(c, u)) sleep.push_back(u);
  };
  for (const Candidate& u : parent.sleep) carry(u);
  for (std::uint32_t j = 0; j < parent.index; ++j)
    if (!asleep(parent, j)) carry(parent.offered[j]);  // explored before the current answer
  return sleep;
}

std::size_t Dfs::open_frame(DecisionKind kind, const Candidates& candidates,
                            const DecisionContext& context) {
  Frame frame;
  frame.kind = kind;
  frame.first_is_current = context.first_is_current;
  frame.candidates = static_cast<std::uint32_t>(candidates.size());
  frame.step = context.step;
  if (!stack_.empty())
    frame.preemptions_before = stack_.back().preemptions_before + stack_.back().preemption;
  if (options_.sleep_sets) {
    frame.offered.assign(candidates.begin(), candidates.end());
    if (kind == DecisionKind::schedule && !redundant_)
      frame.sleep = child_sleep_set(candidates, context);
  }
  std::optional<std::uint32_t> first;
  if (!redundant_) first = next_alternative(frame, 0);
  if (!first && !redundant_) {
    // Sleep-set blocked: every continuation from here is equivalent to one explored elsewhere.
    redundant_ = true;
    ++redundant_executions_;
  }
  frame.closed = !first.has_value();
  frame.index = first.value_or(0);
  frame.preemption = costs_preemption(kind, frame.first_is_current, frame.index);
  stack_.push_back(std::move(frame));
  ++depth_;
  return stack_.back().index;
}

std::size_t Dfs::choose(DecisionKind kind, const Candidates& candidates,
                        const DecisionContext& context) {
  if (candidates.size() < 2 || cut_ || !in_execution_) return 0;
  if (depth_ == stack_.size()) return open_frame(kind, candidates, context);

  const Frame& frame = stack_[depth_];
  const bool same_shape = frame.kind == kind && frame.candidates == candidates.size() &&
                          frame.first_is_current == context.first_is_current;
  const bool same_candidates =
      !options_.sleep_sets ||
      (same_shape && std::equal(frame.offered.begin(), frame.offered.end(), candidates.begin(),
                                candidates.end(), same_candidate));
  if (!same_shape || !same_candidates) {
    diverged("decision " + std::to_string(depth_) + " of execution " +
             std::to_string(executions_ - 1) + " differs from the same prefix before: recorded " +
             describe(frame.kind, frame.candidates, frame.first_is_current) + ", now " +
             describe(kind, candidates.size(), context.first_is_current) +
             (same_shape ? " with different candidates" : ""));
    return 0;
  }
  ++depth_;
  return frame.index;
}

void Dfs::diverged(std::string message) {
  if (!nondeterminism_) nondeterminism_ = std::move(message);
  cut_ = depth_;
}

void Dfs::end_execution(const ExecutionSummary&) {
  if (!in_execution_) return;
  in_execution_ = false;
  if (!cut_ && depth_ < stack_.size())
    diverged("execution " + std::to_string(executions_ - 1) + " ended after " +
             std::to_string(depth_) + " decisions inside a replayed prefix of " +
             std::to_string(stack_.size()));
  if (cut_) stack_.resize(*cut_);  // abandon the branch that did not replay
  backtrack();
}

void Dfs::backtrack() {
  while (stack_.size() > floor_) {
    Frame& frame = stack_.back();
    if (!frame.closed) {
      if (auto next = next_alternative(frame, frame.index + 1)) {
        frame.index = *next;
        frame.preemption = costs_preemption(frame.kind, frame.first_is_current, frame.index);
        return;
      }
    }
    stack_.pop_back();
  }
  exhausted_ = true;
}

nlohmann::json Dfs::parameters() const {
  return nlohmann::json{
      {"preemption_bound", options_.preemption_bound < 0 ? -1 : options_.preemption_bound},
      {"max_executions", options_.max_executions},
      {"sleep_sets", options_.sleep_sets}};
}

std::optional<std::int64_t> Dfs::covered_bound() const {
  if (!exhausted_ || nondeterminism_) return std::nullopt;
  return options_.preemption_bound < 0 ? std::numeric_limits<std::int64_t>::max()
                                       : options_.preemption_bound;
}

std::unique_ptr<Strategy> Dfs::clone() const { return std::make_unique<Dfs>(options_); }

// Gives away the later alternatives of the shallowest frame that has any: the largest part
// available, and the one the one-thread search would reach last.
std::unique_ptr<Strategy> Dfs::split() {
  if (in_execution_ || exhausted_) return nullptr;
  for (std::size_t f = floor_; f < stack_.size(); ++f) {
    const Frame& frame = stack_[f];
    if (frame.closed) continue;
    const std::optional<std::uint32_t> next = next_alternative(frame, frame.index + 1);
    if (!next) continue;
    auto part = std::make_unique<Dfs>(options_);
    part->stack_.assign(stack_.begin(), stack_.begin() + static_cast<std::ptrdiff_t>(f) + 1);
    Frame& given = part->stack_.back();
    given.index = *next;
    given.preemption = costs_preemption(given.kind, given.first_is_current, given.index);
    part->floor_ = f;
    floor_ = f + 1;
    return part;
  }
  return nullptr;
}

nlohmann::json preemption_bound_parameters(const ExploreOptions& o, const ExplorationProbe&) {
  return nlohmann::json{{"preemption_bound", o.preemption_bound}};
}

OptionRow preemption_bound_row() {
  return member_row<&ExploreOptions::preemption_bound>(
      "preemption-bound", "WEFT_PREEMPTION_BOUND",
      "dfs, dpor-bounded: at most this many preemptions per execution (-1: unbounded); "
      "dfs-iterative: the last bound it raises to (-1: until the budget)",
      "preemption_bound", "preemption bound", "b");
}

const StrategyEntry& dfs_entry() {
  static const StrategyEntry entry{
      .name = "dfs",
      .help = "exhaustive depth-first search with a preemption bound (CHESS)",
      .records = "preemption_bound, max_executions and sleep_sets",
      .options = {preemption_bound_row()},
      .seeded = false,
      .selectable = true,
      .measured = true,
      .parameters = preemption_bound_parameters,
      .make = [](ParameterReader& p) -> std::unique_ptr<Strategy> {
        DfsOptions options;
        p.integer("preemption_bound", options.preemption_bound, -std::numeric_limits<int>::max(),
                  std::numeric_limits<int>::max());
        p.integer("max_executions", options.max_executions, 0,
                  std::numeric_limits<std::int64_t>::max());
        p.boolean("sleep_sets", options.sleep_sets);
        if (options.sleep_sets && options.preemption_bound >= 0)
          p.fail("\"sleep_sets\" needs an unbounded preemption bound (\"preemption_bound\": -1)");
        return std::make_unique<Dfs>(options);
      },
      .validate =
          [](const ExploreOptions& o) {
            if (o.preemption_bound < -1) throw OptionError("--preemption-bound: -1 or more");
          },
  };
  return entry;
}

}  // namespace weft
