// The exploration strategies (one per source file under harness/src/strategies/, each opening with
// its algorithm, source and guarantee) and the factory that builds one from a name and JSON
// parameters, as the command line and trace files name them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "weft/harness/decision.hpp"
#include "weft/harness/dependence.hpp"
#include "weft/harness/random.hpp"
#include "weft/harness/strategy.hpp"

namespace weft {

// Builds the strategy `name` ("random", "pct", "dfs", "replay", "bytes") from `parameters` (a JSON
// object, or null for the defaults; the keys are those each strategy's parameters() writes).
// Returns nullptr for an unknown name, an unknown key or a value of the wrong type or range, and
// then sets *error (when given) to a message that names the problem.
std::unique_ptr<Strategy> make_strategy(std::string_view name, const nlohmann::json& parameters,
                                        std::string* error = nullptr);

// Random walk: every decision uniform among its candidates. Parameters: none.
class RandomWalk final : public Strategy {
 public:
  bool begin_execution(std::uint64_t index, std::uint64_t seed) override;
  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override;
  std::string name() const override { return "random"; }
  nlohmann::json parameters() const override { return nlohmann::json::object(); }
  std::unique_ptr<Strategy> clone() const override;

 private:
  Rng rng_;  // invariant: reseeded from the execution's seed only, in begin_execution
};

// PCT, probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010). See pct.cpp.
struct PctOptions {
  int depth = 3;              // d: bug depth targeted; d - 1 priority change points (d >= 1)
  std::uint64_t steps = 200;  // k: estimate of the schedule decisions per execution (k >= 1)
};

class Pct final : public Strategy {
 public:
  // Precondition: options.depth >= 1 and options.steps >= 1 (make_strategy checks them).
  explicit Pct(PctOptions options = {});
  bool begin_execution(std::uint64_t index, std::uint64_t seed) override;
  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override;
  std::string name() const override { return "pct"; }
  nlohmann::json parameters() const override;
  std::unique_ptr<Strategy> clone() const override;

  // The change points of the current execution: change_points()[i - 1] is the schedule-decision
  // number (1-based) at which change point i lowers a priority to depth - i. For tests and traces.
  const std::vector<std::uint64_t>& change_points() const noexcept { return change_points_; }
  // The priority of `task` in the current execution, nullopt before it was first a candidate.
  std::optional<std::uint64_t> priority(TaskId task) const;

 private:
  std::uint64_t priority_of(TaskId task);  // assigns an initial priority on first sight
  std::size_t choose_schedule(const Candidates& candidates, const DecisionContext& context);
  std::size_t choose_shutdown(const Candidates& candidates, const DecisionContext& context);

  PctOptions options_;
  Rng rng_;                               // invariant: reseeded from the execution's seed only
  std::uint64_t schedule_decisions_ = 0;  // schedule decisions asked in this execution so far
  // invariant: min(depth - 1, steps) distinct values, each in [1, steps].
  std::vector<std::uint64_t> change_points_;
  std::unordered_map<std::uint64_t, std::size_t> change_point_index_;  // point -> its i - 1
  // invariant: initial priorities are >= kHighBand and pairwise distinct; a lowered priority is
  // depth - i for change point i, in [1, depth - 1], so below every initial priority; a yield
  // lowers a priority into (depth, kYieldBand), below initial ones and above change points.
  // By task id (ids are small and dense); 0 means none yet. Looked up at every decision.
  std::vector<std::uint64_t> priorities_;
  // By task id: 1 when the task's current yield has lowered its priority already.
  std::vector<std::uint8_t> yield_lowered_;
  std::uint64_t yields_ = 0;  // yields that lowered a priority in this execution
  // The initial priorities handed out, for distinctness, once an execution has more tasks than a
  // scan of priorities_ handles cheaply (a 62-bit draw all but never collides; checking must
  // not cost a tree insertion per task).
  std::set<std::uint64_t> initial_in_use_;
  bool priority_in_use(std::uint64_t priority);
  // Whether the previous shutdown decision dropped a task: a run candidate that became runnable
  // since then (DecisionContext::new_runnable) was woken by that drop.
  bool last_shutdown_was_drop_ = false;
};

// Exhaustive depth-first search with a preemption bound (CHESS). See dfs.cpp.
struct DfsOptions {
  int preemption_bound = 2;          // negative: unbounded
  std::uint64_t max_executions = 0;  // 0: no limit
  // Sleep-set partial-order reduction (Godefroid 1996). Requires an unbounded preemption bound.
  bool sleep_sets = false;
};

class Dfs final : public Strategy {
 public:
  // Precondition: !options.sleep_sets || options.preemption_bound < 0 (make_strategy checks).
  explicit Dfs(DfsOptions options = {});
  bool begin_execution(std::uint64_t index, std::uint64_t seed) override;
  void end_execution(const ExecutionSummary& summary) override;
  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override;
  std::string name() const override { return "dfs"; }
  nlohmann::json parameters() const override;
  bool exhausted() const override { return exhausted_; }
  std::optional<std::int64_t> covered_bound() const override;
  bool independent_executions() const override { return false; }
  std::unique_ptr<Strategy> clone() const override;
  std::unique_ptr<Strategy> split() override;
  bool splittable() const override { return true; }

  // Executions begun so far.
  std::uint64_t executions() const noexcept { return executions_; }
  // Executions that sleep sets showed to be redundant after they had begun (at a decision, all
  // candidates were asleep); they are still run to the end but open no new branches. Not every
  // repeat is caught: a sleeping task that runs when it is the only runnable one asks nothing.
  std::uint64_t redundant_executions() const noexcept { return redundant_executions_; }
  // The first nondeterminism seen: a replayed prefix whose decisions did not match the ones
  // recorded for it. The branch is abandoned and the search goes on.
  const std::optional<std::string>& nondeterminism() const noexcept { return nondeterminism_; }

 private:
  struct Frame {
    DecisionKind kind = DecisionKind::schedule;
    bool first_is_current = false;
    // invariant: index != 0 && (kind == schedule && first_is_current || kind == spurious)
    bool preemption = false;
    bool closed = false;                   // no alternatives left to open here (sleep-set blocked)
    std::uint32_t candidates = 0;          // invariant: >= 2
    std::uint32_t index = 0;               // invariant: < candidates
    std::uint32_t preemptions_before = 0;  // preemptions chosen by the frames above this one
    std::uint64_t step = 0;
    std::vector<Candidate> offered;  // only with sleep sets
    std::vector<Candidate> sleep;    // only with sleep sets: asleep at this node
  };

  bool allowed(const Frame& frame, std::uint32_t index) const;
  bool asleep(const Frame& frame, std::uint32_t index) const;
  std::optional<std::uint32_t> next_alternative(const Frame& frame, std::uint32_t from) const;
  std::vector<Candidate> child_sleep_set(const Candidates& candidates,
                                         const DecisionContext& context) const;
  std::size_t open_frame(DecisionKind kind, const Candidates& candidates,
                         const DecisionContext& context);
  void diverged(std::string message);
  void backtrack();

  DfsOptions options_;
  // invariant: between executions, stack_ is the prefix the next execution replays: every frame
  // but the last repeats the previous execution, the last has its next alternative selected.
  std::vector<Frame> stack_;
  // The frames above floor_ are fixed: their other alternatives were given away by split() (or
  // this strategy was split off below them). invariant: floor_ <= stack_.size() between executions.
  std::size_t floor_ = 0;
  std::size_t depth_ = 0;  // invariant: <= stack_.size(); the next decision's frame index
  bool in_execution_ = false;
  bool redundant_ = false;          // this execution hit a sleep-set blocked node
  std::optional<std::size_t> cut_;  // where this execution diverged from stack_
  bool exhausted_ = false;
  std::uint64_t executions_ = 0;
  std::uint64_t redundant_executions_ = 0;
  std::optional<std::string> nondeterminism_;
};

// DPOR with sleep sets over the dependence relation of dependence.hpp: optimal DPOR (wake-up
// trees) or source-DPOR, and the preemption-bounded variant. See dpor.cpp.
struct DporOptions {
  std::uint64_t max_executions = 0;  // 0: no limit
  // Wake-up trees (optimal DPOR, Abdulla et al. JACM 2017, Algorithm 2): a race is reversed by
  // the whole sequence that reverses it, not only its first step. False: source-DPOR
  // (Algorithm 1). Ignored when bounded.
  bool wakeup_trees = true;
  // Negative: unbounded (plain DPOR). Otherwise bounded partial-order reduction (Coons,
  // Musuvathi, McKinley, OOPSLA 2013): every schedule with at most this many preemptions is
  // covered up to equivalence; sleep sets are off and conservative backtrack points are added.
  int preemption_bound = -1;
  // The first this many schedule decisions of every execution explore every candidate that is not
  // asleep, whatever the races ask for, and no race adds a branch to them. Their subtrees are
  // then parts no other part's races reach, which split() gives to other threads (--jobs) while
  // the result stays that of one thread (docs/dpor.md, "Parallel search"). The price is the
  // executions sleep sets block there; 0 is plain DPOR, which splits only at the decisions
  // before its first schedule decision.
  std::uint32_t split_depth = 0;
  // What --jobs 2 or more uses unless --split-depth says otherwise (bench/dpor_bench.cpp).
  static constexpr std::uint32_t kJobsSplitDepth = 4;
};

class Dpor final : public Strategy {
 public:
  explicit Dpor(DporOptions options = {}) : options_(options) {}
  bool begin_execution(std::uint64_t index, std::uint64_t seed) override;
  void end_execution(const ExecutionSummary& summary) override;
  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override;
  std::string name() const override {
    return bounded() ? "dpor-bounded" : options_.wakeup_trees ? "dpor" : "dpor-source";
  }
  nlohmann::json parameters() const override;
  bool exhausted() const override { return exhausted_; }
  bool independent_executions() const override { return false; }
  Observer* step_observer() override { return &log_; }
  std::optional<std::int64_t> covered_bound() const override;
  std::unique_ptr<Strategy> clone() const override;
  std::unique_ptr<Strategy> split() override;
  bool splittable() const override { return true; }

  // Executions begun so far.
  std::uint64_t executions() const noexcept { return executions_; }
  // Executions that reached a decision whose every candidate was asleep (run to the end, but
  // their steps from there on open no branches).
  std::uint64_t redundant_executions() const noexcept { return redundant_executions_; }
  // Wake-up tree branches that could not be followed as recorded (a step ran that the tree did
  // not plan, or its task was not a candidate): 0 when the dependence relation is exact.
  std::uint64_t wakeup_misses() const noexcept { return wakeup_misses_; }
  // The first nondeterminism seen (a replayed prefix that did not repeat); see Dfs.
  const std::optional<std::string>& nondeterminism() const noexcept { return nondeterminism_; }
  // Bounded: whether the preemption bound refused a backtrack point so far. A bounded search
  // that exhausts without a refusal ran everything an unbounded one would have.
  bool bound_refused() const noexcept { return bound_refused_; }
  // The steps of the execution that ended last (or is running), for tests.
  const StepLog& steps() const noexcept { return log_; }

 private:
  // A task asleep at a decision, with the step it would take there.
  struct Sleeper {
    TaskId task = kNoTask;
    bool global = true;
    AccessList accesses;
  };
  // A node of a wake-up tree: a step to take (the task, and what it touched when it was seen),
  // then its subtree. Siblings are ordered: the leftmost is explored first.
  struct WakeupNode {
    Sleeper step;
    std::vector<WakeupNode> children;
  };
  using WakeupTree = std::vector<WakeupNode>;  // the root's children
  struct Frame {
    DecisionKind kind = DecisionKind::schedule;
    bool first_is_current = false;
    bool closed = false;      // no alternatives to open (sleep-blocked, or after that)
    bool preemption = false;  // the current answer costs a preemption (preemption.hpp)
    bool full = false;  // explores every candidate not asleep; races add nothing (split_depth)
    std::uint32_t schedules_before = 0;    // schedule decisions above this one
    std::uint32_t candidates = 0;          // invariant: >= 2
    std::uint32_t index = 0;               // invariant: < candidates
    std::uint32_t preemptions_before = 0;  // preemptions chosen by the frames above this one
    std::size_t first_step = 0;            // steps logged before this decision in its execution
    // Schedule decisions only:
    SmallVector<TaskId, 8> tasks;  // the candidates' tasks
    // Per candidate: 0 not wanted, 1 to explore, 2 explored, 3 refused by the preemption bound.
    SmallVector<std::uint8_t, 8> todo;
    std::vector<Sleeper> sleep;     // asleep here
    std::vector<Sleeper> explored;  // steps of candidates explored before the current one
    Sleeper current;                // the step the current candidate took
    // Wake-up trees: at a schedule decision, the branches still to explore (leftmost next); at
    // any decision, the tree being followed when it was reached (restored when it is re-answered).
    WakeupTree wakeup;
    WakeupTree following;
  };

  std::size_t open_frame(DecisionKind kind, const Candidates& candidates,
                         const DecisionContext& context);
  std::vector<Sleeper> child_sleep() const;
  bool asleep(const Frame& frame, std::uint32_t index) const;
  void record_current_steps();
  void add_backtracks();
  void add_backtrack(std::size_t frame, std::span<const TaskId> initials);
  bool wakeup() const noexcept { return options_.wakeup_trees && !bounded(); }
  // Consumes `sequence` (scratch memory of add_backtracks).
  void insert_wakeup(std::size_t frame, std::vector<Sleeper>& sequence);
  void follow_steps();
  std::int32_t frame_of(std::size_t step) const;
  std::int32_t conservative_frame(std::size_t step) const;
  // Whether schedule decision `frame` (-1: none) offered `task`; the latest schedule decision
  // at or before step `step` that did (-1: none).
  bool offered_at(std::int32_t frame, TaskId task) const;
  std::int32_t latest_offer(std::size_t step, TaskId task) const;
  bool bounded() const noexcept { return options_.preemption_bound >= 0; }
  bool allowed(const Frame& frame, std::uint32_t index) const;
  void diverged(std::string message);
  void backtrack();
  bool branch_left(const Frame& frame) const;
  bool refuses(const Frame& frame) const;
  bool current_step_final(std::size_t d) const;

  // add_backtracks' working memory, kept between executions so that it is allocated once.
  struct AnalysisScratch {
    static constexpr std::uint32_t kNoSlot = static_cast<std::uint32_t>(-1);
    struct KeyState {
      std::int64_t last_change = -1;
      std::vector<std::uint32_t> readers;  // since last_change
    };
    std::vector<std::uint32_t> proc, seq, counts, vc, everything, conflicting, covered, first_in_w,
        notdep, key_table;
    std::vector<std::pair<std::uint32_t, TaskId>> procs;
    std::vector<std::int64_t> last_of;
    std::vector<AccessKey> table_keys;
    std::vector<KeyState> key_states;
    std::vector<TaskId> initials;
    std::vector<Sleeper> sequence;  // notdep(i).k, for insert_wakeup
  };

  DporOptions options_;
  StepLog log_;
  AnalysisScratch scratch_;
  std::vector<Frame> stack_;  // invariant between executions: the prefix the next one replays
  // The frames above floor_ are fixed: their other branches were given away by split() (or this
  // search was split off below them). invariant: floor_ <= stack_.size() between executions.
  std::size_t floor_ = 0;
  std::size_t depth_ = 0;
  std::size_t fresh_from_ = 0;
  std::int32_t last_schedule_ = -1;  // this execution's latest schedule frame, -1 after shutdown
  bool in_execution_ = false;
  bool redundant_ = false;
  std::size_t redundant_from_ = 0;  // the step count where this execution became redundant
  std::optional<std::size_t> cut_;
  bool exhausted_ = false;
  bool bound_refused_ = false;
  std::uint64_t executions_ = 0;
  std::uint64_t redundant_executions_ = 0;
  std::uint64_t wakeup_misses_ = 0;
  // The wake-up subtree this execution follows (its root's children), from step follow_from_ on
  // (none when follow_from_ is npos: not following yet, in the replayed prefix).
  WakeupTree following_;
  static constexpr std::size_t kNotFollowing = static_cast<std::size_t>(-1);
  std::size_t follow_from_ = kNotFollowing;
  WakeupTree resume_;  // what the decision backtrack() re-answered follows, from there on
  std::optional<std::string> nondeterminism_;
};

// Replay of a recorded decision list. See replay.cpp.
class Replay final : public Strategy {
 public:
  // Decisions beyond the end of the list are answered 0 (the default) in both modes, so a list
  // may leave out trailing default answers; past_end() counts them. lenient: for shrinking. An
  // index that does not fit is clamped, a different kind or task is accepted; nothing is flagged.
  explicit Replay(std::vector<Decision> decisions, bool lenient = false);
  // A replay is a single execution: true for index 0 (which restarts from the first decision,
  // so calling it again replays again), false for any other index.
  bool begin_execution(std::uint64_t index, std::uint64_t seed) override;
  void end_execution(const ExecutionSummary& summary) override;
  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override;
  std::string name() const override { return "replay"; }
  nlohmann::json parameters() const override;
  bool exhausted() const override { return ended_; }
  std::unique_ptr<Strategy> clone() const override;

  // The first decision that did not fit (strict mode), e.g. "decision 17 (step 40) does not fit:
  // recorded schedule index 3 of 4, execution offers 2 candidates". Check it after the run.
  const std::optional<std::string>& mismatch() const noexcept { return mismatch_; }
  // Decisions answered in the current execution.
  std::size_t position() const noexcept { return position_; }
  // Lenient mode: how many recorded decisions did not fit and were clamped or accepted anyway.
  std::size_t deviations() const noexcept { return deviations_; }
  // Decisions asked after the list had ended (answered 0).
  std::size_t past_end() const noexcept { return past_end_; }
  const std::vector<Decision>& decisions() const noexcept { return decisions_; }

 private:
  std::optional<std::string> misfit(const Decision& recorded, DecisionKind kind,
                                    const Candidates& candidates) const;

  std::vector<Decision> decisions_;
  bool lenient_;
  std::size_t position_ = 0;             // invariant: decisions asked so far in this execution
  std::optional<std::string> mismatch_;  // invariant: never set in lenient mode
  std::size_t deviations_ = 0;
  std::size_t past_end_ = 0;
  bool ended_ = false;
};

// Decisions read from a byte buffer, for libFuzzer. See byte_stream.cpp.
class ByteStream final : public Strategy {
 public:
  explicit ByteStream(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
  ByteStream(const std::uint8_t* data, std::size_t size) : bytes_(data, data + size) {}
  // A single execution, like Replay: true for index 0 (restarting at the first byte).
  bool begin_execution(std::uint64_t index, std::uint64_t seed) override;
  void end_execution(const ExecutionSummary&) override { ended_ = true; }
  std::size_t choose(DecisionKind kind, const Candidates& candidates,
                     const DecisionContext& context) override;
  std::string name() const override { return "bytes"; }
  // {"bytes": "<lowercase hex>"}
  nlohmann::json parameters() const override;
  bool exhausted() const override { return ended_; }
  std::unique_ptr<Strategy> clone() const override;

  std::size_t consumed() const noexcept { return offset_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t offset_ = 0;  // invariant: <= bytes_.size(); the next unread byte
  bool ended_ = false;
};

}  // namespace weft
