// Dynamic partial-order reduction: optimal DPOR (wake-up trees) and source-DPOR, with sleep sets.
//
// Wake-up trees (`dpor`; off in `dpor-source` and `dpor-bounded`): Abdulla, Aronis, Jonsson,
// Sagonas, "Source Sets: A Foundation for Optimal Dynamic Partial Order Reduction", JACM 2017,
// Algorithm 2. A race e < e' is recorded as the whole sequence notdep(e).e' (insert_wakeup), in
// the wake-up tree of the decision that chose e, unless a sleeping task is a weak initial of it or
// a branch of the tree is a weak prefix of it; the next execution from that decision follows the
// tree's leftmost branch (follow_steps, open_frame) before choosing freely. Where the sequence
// cannot be followed (a race in the middle of a run without a decision, two runtimes, no initial
// that can run) the race adds one initial as source-DPOR does. docs/dpor.md gives the argument.
//
// Source: Abdulla, Aronis, Jonsson, Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014
// (Algorithm 1, source sets); Flanagan, Godefroid, "Dynamic Partial-Order Reduction for Model
// Checking Software", POPL 2005 (the fallback when no initial can run at the race's decision).
// Guarantee: when exhausted() becomes true, at least one execution of every equivalence class
// (Mazurkiewicz trace) of the program's executions under the dependence relation of
// dependence.hpp has been run, with every answer to every timer-tie, shutdown, spurious-wakeup
// and value decision. docs/dpor.md gives the relation and the argument.
//
// Stateless, like Dfs: a stack of frames, one per decision, replayed as a prefix by the next
// execution. Timer-tie, shutdown, spurious and value decisions are explored fully (every index);
// schedule decisions explore only the candidates that races ask for. The runtime reports every
// step (StepLog); at end_execution the strategy computes happens-before with vector clocks over
// the steps (program order, wake/spawn edges, conflicting accesses, barriers), and for every race
// e < e' (dependent steps of different tasks, not ordered through other steps) it makes sure that
// some initial of notdep(e).e' is explored at the decision that chose e (or that started the
// run of steps e belongs to, when e's task kept the CPU without a decision). If no initial is a
// candidate there, every candidate is added (Flanagan-Godefroid). Sleep sets: a candidate
// explored at a decision sleeps in its later siblings' subtrees until a step dependent with the
// step it took there runs; a decision whose candidates all sleep ends the useful part of the
// execution (it runs to the end answering 0, and its later steps make no races).
//
// Split (--split-depth S, what --jobs uses): the first S schedule decisions of every execution
// explore every candidate not asleep and take no branch from races, so split() can give their
// later branches to another thread without changing what the search runs (docs/dpor.md,
// "Parallel search").
//
// Bounded (`dpor-bounded`, a preemption bound b >= 0): Coons, Musuvathi, McKinley, "Bounded
// Partial-Order Reduction", OOPSLA 2013. Guarantee: when exhausted, every class of the executions
// whose decisions hold at most b preemptions (preemption.hpp: as dfs counts them) has been run.
// Plainly refusing the backtrack points that cost more than b is unsound: the bound makes
// otherwise independent steps dependent (reversing a race in the middle of a task's run costs a
// preemption that running the other task before the run began would not). So for every race the
// search also adds a conservative backtrack point at the latest decision at or before the race's
// that switched tasks (or was free to: the running task could not go on), where the same
// reversal costs no more than the schedule already paid. Sleep sets are off in this mode (with a
// bound, a sleeping task's class may be reachable only through the schedule that put it to
// sleep, which the bound cut).
#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>

#include "weft/harness/preemption.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {
namespace {

std::string describe(DecisionKind kind, std::size_t candidates, bool first_is_current) {
  std::string text =
      std::string(to_string(kind)) + " decision with " + std::to_string(candidates) + " candidates";
  if (first_is_current) text += " (candidate 0 running)";
  return text;
}

bool same_tasks(const SmallVector<TaskId, 8>& tasks, const Candidates& candidates) {
  return std::equal(tasks.begin(), tasks.end(), candidates.begin(), candidates.end(),
                    [](TaskId t, const Candidate& c) { return t == c.task; });
}

// Whether `receive` took the value that `send` put into an empty single-receiver channel, and the
// two steps conflict on nothing else: then running the receive first would only have parked the
// receiver (a step with no effect others see) until the send, the same class.
bool only_fills(const StepRecord& send, const StepRecord& receive) {
  if (send.filled == 0 || send.filled != receive.drained || send.global || receive.global)
    return false;
  for (const Access& a : send.accesses)
    for (const Access& b : receive.accesses)
      if (conflicts(a, b) && a.key != send.filled) return false;
  return true;
}

// Whether `join` began by joining the task whose exit `exit` is: run first, the joiner would
// only have parked until that exit (a step with no effect others see), the same class.
bool only_exits(const StepRecord& exit, const StepRecord& join) {
  if (join.joined == 0 || exit.global) return false;
  return std::any_of(exit.accesses.begin(), exit.accesses.end(), [&](const Access& a) {
    return a.key == join.joined && a.kind == AccessKind::exit;
  });
}

}  // namespace

bool Dpor::begin_execution(std::uint64_t, std::uint64_t) {
  if (in_execution_) end_execution(ExecutionSummary{});
  if (exhausted_) return false;
  if (options_.max_executions != 0 && executions_ >= options_.max_executions) return false;
  depth_ = 0;
  last_schedule_ = -1;
  following_.clear();
  follow_from_ = kNotFollowing;
  redundant_ = false;
  redundant_from_ = 0;
  cut_.reset();
  log_.clear();
  fresh_from_ = stack_.empty() ? 0 : stack_.back().first_step;
  in_execution_ = true;
  ++executions_;
  return true;
}

std::size_t Dpor::choose(DecisionKind kind, const Candidates& candidates,
                         const DecisionContext& context) {
  if (candidates.size() < 2 || cut_ || !in_execution_) return 0;
  if (depth_ == stack_.size()) return open_frame(kind, candidates, context);

  Frame& frame = stack_[depth_];
  const bool same_shape = frame.kind == kind && frame.candidates == candidates.size() &&
                          frame.first_is_current == context.first_is_current &&
                          (kind != DecisionKind::schedule || same_tasks(frame.tasks, candidates));
  if (!same_shape) {
    diverged("decision " + std::to_string(depth_) + " of execution " +
             std::to_string(executions_ - 1) + " differs from the same prefix before: recorded " +
             describe(frame.kind, frame.candidates, frame.first_is_current) + ", now " +
             describe(kind, candidates.size(), context.first_is_current));
    return 0;
  }
  frame.first_step = log_.size();
  if (depth_ + 1 == stack_.size() && wakeup()) {
    // The decision backtrack() re-answered: from here on, follow the wake-up tree it chose.
    following_ = std::move(resume_);
    resume_.clear();
    follow_from_ = log_.size();
  }
  if (kind == DecisionKind::schedule || kind == DecisionKind::shutdown)
    log_.expect_frame(static_cast<std::int32_t>(depth_));
  if (kind == DecisionKind::schedule) last_schedule_ = static_cast<std::int32_t>(depth_);
  if (kind == DecisionKind::shutdown) last_schedule_ = -1;
  return stack_[depth_++].index;
}

std::size_t Dpor::open_frame(DecisionKind kind, const Candidates& candidates,
                             const DecisionContext& context) {
  Frame frame;
  frame.kind = kind;
  frame.first_is_current = context.first_is_current;
  frame.candidates = static_cast<std::uint32_t>(candidates.size());
  frame.first_step = log_.size();
  frame.closed = redundant_;
  if (!stack_.empty()) {
    const Frame& above = stack_.back();
    frame.preemptions_before = above.preemptions_before + above.preemption;
    frame.schedules_before = above.schedules_before + (above.kind == DecisionKind::schedule);
  }
  if (wakeup() && follow_from_ != kNotFollowing) {
    follow_steps();
    if (kind != DecisionKind::schedule) frame.following = following_;
  }
  if (kind == DecisionKind::schedule) {
    frame.tasks.reserve(candidates.size());
    for (const Candidate& c : candidates) frame.tasks.push_back(c.task);
    frame.todo.assign(candidates.size(), 0);
    if (!redundant_) {
      if (!bounded()) frame.sleep = child_sleep();
      std::uint32_t first = 0;
      if (!following_.empty()) {
        // Optimal DPOR: take the leftmost branch of the wake-up tree being followed; the others
        // are this decision's branches still to explore.
        std::optional<std::uint32_t> chosen;
        for (std::size_t b = 0; b < following_.size() && !chosen; ++b)
          for (std::uint32_t i = 0; i < frame.candidates; ++i)
            if (frame.tasks[i] == following_[b].step.task && !asleep(frame, i)) {
              chosen = i;
              WakeupTree branch;
              branch.push_back(std::move(following_[b]));
              following_.erase(following_.begin() + static_cast<std::ptrdiff_t>(b));
              frame.wakeup = std::move(following_);
              following_ = std::move(branch);
              break;
            }
        if (chosen) {
          first = *chosen;
        } else {
          ++wakeup_misses_;  // no branch can run here: explore as source-DPOR from here on
          following_.clear();
        }
      }
      if (following_.empty())
        while (first < frame.candidates && asleep(frame, first)) ++first;
      if (first == frame.candidates) {
        // Sleep-set blocked: every continuation from here is equivalent to one explored.
        redundant_ = true;
        redundant_from_ = log_.size();
        ++redundant_executions_;
        frame.closed = true;
        first = 0;
      }
      frame.index = first;
      frame.todo[first] = 2;
      if (frame.schedules_before < options_.split_depth && !frame.closed) {
        // A full decision: every candidate not asleep, in the candidates' order.
        frame.full = true;
        for (std::uint32_t i = 0; i < frame.candidates; ++i) {
          if (i == first || asleep(frame, i)) continue;
          if (!wakeup()) {
            frame.todo[i] = 1;
            continue;
          }
          const TaskId t = frame.tasks[i];
          if (std::any_of(frame.wakeup.begin(), frame.wakeup.end(),
                          [&](const WakeupNode& n) { return n.step.task == t; }))
            continue;
          WakeupNode node;
          node.step.task = t;  // its step is not known: global, as add_backtrack's branches
          frame.wakeup.push_back(std::move(node));
        }
      }
    }
  }
  // Index 0 never costs a preemption, and only an unbounded search sleeps past it.
  frame.preemption = costs_preemption(kind, frame.first_is_current, frame.index);
  const auto depth = static_cast<std::int32_t>(depth_);
  if (kind == DecisionKind::schedule || kind == DecisionKind::shutdown) log_.expect_frame(depth);
  if (kind == DecisionKind::schedule) last_schedule_ = depth;
  if (kind == DecisionKind::shutdown) last_schedule_ = -1;
  stack_.push_back(std::move(frame));
  ++depth_;
  return stack_.back().index;
}

// The sleep set of a new schedule decision: what slept at the previous one, and the candidates
// explored there before the current one, that no step since then is dependent with.
std::vector<Dpor::Sleeper> Dpor::child_sleep() const {
  std::vector<Sleeper> out;
  if (last_schedule_ < 0) return out;
  const Frame& parent = stack_[static_cast<std::size_t>(last_schedule_)];
  if (parent.closed) return out;
  const auto since = log_.steps().subspan(parent.first_step);
  auto awake = [&](const Sleeper& s) {
    return std::any_of(since.begin(), since.end(), [&](const StepRecord& step) {
      return dependent(step, s.task, s.accesses, s.global);
    });
  };
  for (const auto* list : {&parent.sleep, &parent.explored})
    for (const Sleeper& s : *list)
      if (!awake(s)) out.push_back(s);
  return out;
}

bool Dpor::asleep(const Frame& frame, std::uint32_t index) const {
  return std::any_of(frame.sleep.begin(), frame.sleep.end(),
                     [&](const Sleeper& s) { return s.task == frame.tasks[index]; });
}

void Dpor::diverged(std::string message) {
  if (!nondeterminism_) nondeterminism_ = std::move(message);
  cut_ = depth_;
}

void Dpor::end_execution(const ExecutionSummary&) {
  if (!in_execution_) return;
  in_execution_ = false;
  if (!cut_ && depth_ < stack_.size())
    diverged("execution " + std::to_string(executions_ - 1) + " ended after " +
             std::to_string(depth_) + " decisions inside a replayed prefix of " +
             std::to_string(stack_.size()));
  if (cut_) {
    stack_.resize(*cut_);  // abandon the branch that did not replay
  } else {
    record_current_steps();
    add_backtracks();
  }
  backtrack();
}

// For each schedule decision, the step its current candidate took: every step from the one it
// chose to the next schedule or shutdown decision (more than the step when the CPU passed on
// without a decision, which only makes the sleeper wake sooner).
void Dpor::record_current_steps() {
  const auto steps = log_.steps();
  std::size_t end = steps.size();
  for (std::size_t d = stack_.size(); d-- > 0;) {
    Frame& f = stack_[d];
    if (f.kind != DecisionKind::schedule && f.kind != DecisionKind::shutdown) continue;
    // A frame whose steps end before the replayed prefix does (at a schedule or shutdown
    // decision of that prefix) took the same steps last time: its current step, and those of
    // the frames above it, are already recorded. (Ending exactly where the prefix ends, the
    // frame's steps may have run on into the branch re-answered last time.)
    if (end < fresh_from_) break;
    if (f.kind == DecisionKind::schedule) {
      Sleeper& s = f.current;  // filled in place: its access list keeps its memory
      s.task = f.tasks[f.index];
      s.global = false;
      s.accesses.clear();
      bool found = false;
      for (std::size_t k = f.first_step; k < end; ++k) {
        const StepRecord& step = steps[k];
        found = true;
        // Steps of other tasks that ran without a decision count as part of this one: the
        // sleeper then wakes sooner, never later.
        s.global |= step.global || step.barrier;
        for (const Access& a : step.accesses) {
          auto it = std::find_if(s.accesses.begin(), s.accesses.end(),
                                 [&](const Access& b) { return b.key == a.key; });
          if (it == s.accesses.end())
            s.accesses.push_back(a);
          else if (changes(a.kind))
            it->kind = a.kind;
        }
      }
      if (!found) s.global = true;  // the execution stopped before the step: assume the worst
    }
    end = f.first_step;
  }
}

// The schedule decision at which step `step` could have been replaced: the one that chose it, or
// the one that started the run of steps of its task it belongs to; -1 when there is none.
std::int32_t Dpor::frame_of(std::size_t step) const {
  const auto steps = log_.steps();
  const StepRecord& s = steps[step];
  for (std::size_t k = step + 1; k-- > 0;) {
    const StepRecord& t = steps[k];
    if (t.barrier || t.task != s.task || t.generation != s.generation) return -1;
    if (t.frame >= 0) return t.frame;
  }
  return -1;
}

bool Dpor::offered_at(std::int32_t frame, TaskId task) const {
  if (frame < 0) return false;
  const Frame& f = stack_[static_cast<std::size_t>(frame)];
  return f.kind == DecisionKind::schedule &&
         std::find(f.tasks.begin(), f.tasks.end(), task) != f.tasks.end();
}

std::int32_t Dpor::latest_offer(std::size_t step, TaskId task) const {
  for (std::size_t d = stack_.size(); d-- > 0;)
    if (stack_[d].first_step <= step && offered_at(static_cast<std::int32_t>(d), task))
      return static_cast<std::int32_t>(d);
  return -1;
}

bool Dpor::allowed(const Frame& frame, std::uint32_t index) const {
  return !bounded() || !costs_preemption(frame.kind, frame.first_is_current, index) ||
         frame.preemptions_before < static_cast<std::uint32_t>(options_.preemption_bound);
}

// The latest schedule decision at or before the one that could have replaced step `step` (or, when
// none did, before the step) at which the execution switched tasks or was free to: running
// another task there costs no preemption that the execution did not already pay. -1 if none (a
// shutdown decision in between: the tasks ran on a runtime that had begun to shut down).
std::int32_t Dpor::conservative_frame(std::size_t step) const {
  std::int32_t from = frame_of(step);
  const auto steps = log_.steps();
  for (std::size_t k = step + 1; from < 0 && k-- > 0;) from = steps[k].frame;
  for (std::int32_t d = from; d >= 0; --d) {
    const Frame& f = stack_[static_cast<std::size_t>(d)];
    if (f.kind == DecisionKind::shutdown) return -1;
    if (f.kind != DecisionKind::schedule) continue;
    if (!f.first_is_current || f.index != 0) return d;
  }
  return -1;
}

std::optional<std::int64_t> Dpor::covered_bound() const {
  if (!exhausted_ || nondeterminism_) return std::nullopt;
  return bounded() ? options_.preemption_bound : std::numeric_limits<std::int64_t>::max();
}

void Dpor::add_backtrack(std::size_t frame_index, std::span<const TaskId> initials) {
  Frame& f = stack_[frame_index];
  if (f.kind != DecisionKind::schedule || f.closed || f.full) return;
  if (wakeup()) {
    // Source-DPOR's rule with the wake-up tree as the backtrack set: nothing to add when an
    // initial is explored, exploring, asleep or planned; else one initial, as a branch whose step
    // is unknown (global: dependent with every step, so it covers nothing it should not).
    auto known = [&](TaskId t) {
      for (const auto* list : {&f.sleep, &f.explored})
        for (const Sleeper& s : *list)
          if (s.task == t) return true;
      if (f.tasks[f.index] == t) return true;
      return std::any_of(f.wakeup.begin(), f.wakeup.end(),
                         [&](const WakeupNode& n) { return n.step.task == t; });
    };
    auto plan = [&](TaskId t) {
      if (known(t)) return;
      WakeupNode node;
      node.step.task = t;
      node.step.global = true;
      f.wakeup.push_back(std::move(node));
    };
    if (std::any_of(initials.begin(), initials.end(), known)) return;
    for (TaskId t : initials)
      if (std::find(f.tasks.begin(), f.tasks.end(), t) != f.tasks.end()) return plan(t);
    for (TaskId t : f.tasks) plan(t);  // no initial can run here: every candidate
    return;
  }
  for (TaskId t : initials)
    for (std::uint32_t i = 0; i < f.candidates; ++i)
      if (f.tasks[i] == t && f.todo[i] != 0) return;  // already explored or to explore
  for (TaskId t : initials)
    for (std::uint32_t i = 0; i < f.candidates; ++i)
      if (f.tasks[i] == t) {
        f.todo[i] = 1;
        return;
      }
  // No initial can run here: every candidate (Flanagan-Godefroid).
  for (auto& todo : f.todo)
    if (todo == 0) todo = 1;
}

namespace {

template <typename Step>
bool steps_dependent(const Step& a, const Step& b) {
  if (a.task == b.task || a.global || b.global) return true;
  for (const Access& x : a.accesses)
    for (const Access& y : b.accesses)
      if (conflicts(x, y)) return true;
  return false;
}

// Whether a task whose next step is `p` is a weak initial of `sequence` (after the same state):
// its first step in the sequence has no dependent step before it, or it takes no step there and
// `p` is independent of every step. Then some execution that begins with p is equivalent to one
// that extends `sequence`.
template <typename Step>
std::optional<std::size_t> weak_initial(const Step& p, std::span<const Step> sequence,
                                        bool* found) {
  *found = false;
  for (std::size_t j = 0; j < sequence.size(); ++j) {
    if (sequence[j].task != p.task) continue;
    for (std::size_t m = 0; m < j; ++m)
      if (steps_dependent(sequence[m], sequence[j])) return std::nullopt;
    *found = true;
    return j;
  }
  for (const Step& s : sequence)
    if (steps_dependent(p, s)) return std::nullopt;
  return sequence.size();
}

}  // namespace

// Inserts the sequence reversing a race into the wake-up tree of a schedule decision (JACM 2017,
// Definition 6.2): nothing when a task asleep there is a weak initial of it (that task's
// exploration covers its class), nor when a branch of the tree is a weak prefix of it; otherwise
// it becomes a new branch below the longest such prefix, explored after the branches there.
void Dpor::insert_wakeup(std::size_t frame_index, std::vector<Sleeper>& sequence) {
  Frame& f = stack_[frame_index];
  if (f.kind != DecisionKind::schedule || f.closed || f.full || sequence.empty()) return;
  bool found = false;
  for (const auto* list : {&f.sleep, &f.explored})
    for (const Sleeper& s : *list)
      if (weak_initial<Sleeper>(s, sequence, &found)) return;
  if (weak_initial<Sleeper>(f.current, sequence, &found)) return;
  WakeupTree* level = &f.wakeup;
  while (true) {
    WakeupNode* next = nullptr;
    for (WakeupNode& node : *level) {
      const auto j = weak_initial<Sleeper>(node.step, sequence, &found);
      if (!j) continue;
      if (found) sequence.erase(sequence.begin() + static_cast<std::ptrdiff_t>(*j));
      next = &node;
      break;
    }
    if (next == nullptr) break;
    if (next->children.empty() || sequence.empty()) return;  // already planned
    level = &next->children;
  }
  for (Sleeper& step : sequence) {
    level->push_back(WakeupNode{std::move(step), {}});
    level = &level->back().children;
  }
}

// Moves the tree being followed past the steps run since the last call: a step of a task the
// tree plans next takes that branch; any other step (one that ran without a decision) leaves the
// tree as it is.
void Dpor::follow_steps() {
  const auto steps = log_.steps();
  for (; follow_from_ < steps.size() && !following_.empty(); ++follow_from_) {
    const StepRecord& s = steps[follow_from_];
    if (s.barrier) continue;
    auto it = std::find_if(following_.begin(), following_.end(),
                           [&](const WakeupNode& n) { return n.step.task == s.task; });
    if (it == following_.end()) continue;
    WakeupTree children = std::move(it->children);
    following_ = std::move(children);
  }
  follow_from_ = steps.size();
}

// Happens-before by vector clocks over the steps, and a backtrack point for every race.
void Dpor::add_backtracks() {
  const auto steps = log_.steps();
  const std::size_t n = redundant_ ? std::min(redundant_from_, steps.size()) : steps.size();
  if (n == 0) return;

  // Scratch buffers live in the strategy, so executions after the first allocate nothing here.
  AnalysisScratch& sc = scratch_;
  // Processes: one per (generation, task).
  sc.proc.assign(n, 0);
  sc.seq.assign(n, 0);
  sc.procs.clear();
  sc.counts.clear();
  std::vector<std::uint32_t>& proc = sc.proc;
  std::vector<std::uint32_t>& seq = sc.seq;
  std::size_t accesses = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (steps[k].barrier) continue;
    accesses += steps[k].accesses.size();
    const std::pair<std::uint32_t, TaskId> id{steps[k].generation, steps[k].task};
    auto it = std::find(sc.procs.begin(), sc.procs.end(), id);
    if (it == sc.procs.end()) {
      sc.procs.push_back(id);
      sc.counts.push_back(0);
      it = sc.procs.end() - 1;
    }
    proc[k] = static_cast<std::uint32_t>(it - sc.procs.begin());
    seq[k] = ++sc.counts[proc[k]];
  }
  const std::size_t P = sc.procs.size();
  sc.vc.assign(n * P, 0);
  auto clock = [&](std::size_t k) { return sc.vc.data() + k * P; };
  auto join = [&](std::uint32_t* into, std::size_t k) {
    const std::uint32_t* from = clock(k);
    for (std::size_t p = 0; p < P; ++p) into[p] = std::max(into[p], from[p]);
  };

  // Per key: the last step that changed it, and the steps that only read it since. An open-
  // addressing table (at most half full) maps a key to its slot in sc.key_states.
  std::size_t buckets = 16;
  while (buckets < 2 * accesses) buckets *= 2;
  sc.key_table.assign(buckets, AnalysisScratch::kNoSlot);
  sc.table_keys.resize(buckets);
  std::size_t used_states = 0;
  auto key_state = [&](AccessKey key) -> AnalysisScratch::KeyState& {
    std::size_t b = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 20) & (buckets - 1);
    while (sc.key_table[b] != AnalysisScratch::kNoSlot) {
      if (sc.table_keys[b] == key) return sc.key_states[sc.key_table[b]];
      b = (b + 1) & (buckets - 1);
    }
    sc.key_table[b] = static_cast<std::uint32_t>(used_states);
    sc.table_keys[b] = key;
    if (used_states == sc.key_states.size()) sc.key_states.emplace_back();
    AnalysisScratch::KeyState& fresh = sc.key_states[used_states++];
    fresh.last_change = -1;
    fresh.readers.clear();
    return fresh;
  };
  std::vector<std::int64_t>& last_of = sc.last_of;
  last_of.assign(P, -1);
  std::vector<std::uint32_t>& everything = sc.everything;  // the join of every clock so far
  everything.assign(P, 0);
  std::int64_t last_barrier = -1;
  std::int64_t last_global = -1;
  std::vector<std::uint32_t>& conflicting = sc.conflicting;
  std::vector<std::uint32_t>& covered = sc.covered;
  covered.assign(P, 0);
  std::vector<std::uint32_t>& first_in_w = sc.first_in_w;
  first_in_w.assign(P, 0);
  std::vector<TaskId>& initials = sc.initials;
  std::vector<std::uint32_t>& notdep = sc.notdep;  // notdep(i).k, for the wake-up tree

  for (std::size_t k = 0; k < n; ++k) {
    const StepRecord& s = steps[k];
    std::uint32_t* c = clock(k);
    if (s.barrier) {
      std::copy(everything.begin(), everything.end(), c);
      last_barrier = static_cast<std::int64_t>(k);
      continue;
    }
    const std::uint32_t p = proc[k];
    conflicting.clear();
    for (const Access& access : s.accesses) {
      AnalysisScratch::KeyState& ks = key_state(access.key);
      if (ks.last_change >= 0) conflicting.push_back(static_cast<std::uint32_t>(ks.last_change));
      if (changes(access.kind)) {
        conflicting.insert(conflicting.end(), ks.readers.begin(), ks.readers.end());
        ks.last_change = static_cast<std::int64_t>(k);
        ks.readers.clear();
      } else {
        ks.readers.push_back(static_cast<std::uint32_t>(k));
      }
    }
    if (last_global >= 0) conflicting.push_back(static_cast<std::uint32_t>(last_global));
    if (s.global) {
      for (std::size_t q = 0; q < P; ++q)
        if (last_of[q] > last_global) conflicting.push_back(static_cast<std::uint32_t>(last_of[q]));
      last_global = static_cast<std::int64_t>(k);
    }
    // Direct predecessors that are not races: program order, wake/spawn edges, the barrier.
    std::fill(covered.begin(), covered.end(), 0);
    if (last_of[p] >= 0) join(covered.data(), static_cast<std::size_t>(last_of[p]));
    for (std::uint32_t a : s.after)
      if (a < k) join(covered.data(), a);
    if (last_barrier >= 0) join(covered.data(), static_cast<std::size_t>(last_barrier));
    std::copy(covered.begin(), covered.end(), c);
    for (std::uint32_t d : conflicting) join(c, d);
    c[p] = seq[k];
    for (std::size_t q = 0; q < P; ++q) everything[q] = std::max(everything[q], c[q]);
    last_of[p] = static_cast<std::int64_t>(k);

    // Races: conflicting steps of other tasks not ordered before this one through another step,
    // latest first (a later one's clock covers the earlier ones it follows). Not in the replayed
    // prefix: an earlier execution analysed those (docs/dpor.md).
    if (k < fresh_from_) continue;
    std::sort(conflicting.begin(), conflicting.end(), std::greater<>());
    conflicting.erase(std::unique(conflicting.begin(), conflicting.end()), conflicting.end());
    for (std::uint32_t i : conflicting) {
      if (proc[i] == p) continue;
      const bool edge = std::find(s.after.begin(), s.after.end(), i) != s.after.end();
      if (!edge && covered[proc[i]] < seq[i] && !only_fills(steps[i], s) &&
          !only_exits(steps[i], s)) {
        // A race i < k: make sure an initial of notdep(i).k is explored where i was chosen.
        const std::int32_t f = frame_of(i);
        if (f >= 0 && static_cast<std::size_t>(f) < stack_.size()) {
          initials.clear();
          notdep.clear();
          bool same_generation = true;
          std::fill(first_in_w.begin(), first_in_w.end(), 0);
          auto consider = [&](std::size_t w) {
            const std::uint32_t* cw = clock(w);
            if (w != k && cw[proc[i]] >= seq[i]) return;  // happens after i: not in notdep
            notdep.push_back(static_cast<std::uint32_t>(w));
            same_generation &= steps[w].generation == steps[i].generation;
            bool initial = true;
            for (std::size_t q = 0; q < P && initial; ++q)
              if (first_in_w[q] != 0 && cw[q] >= first_in_w[q]) initial = false;
            if (first_in_w[proc[w]] == 0) {
              first_in_w[proc[w]] = seq[w];
              if (initial && steps[w].generation == steps[i].generation)
                initials.push_back(steps[w].task);
            }
          };
          for (std::size_t w = i + 1; w < k; ++w)
            if (!steps[w].barrier) consider(w);
          consider(k);
          const bool runnable_initial =
              std::any_of(initials.begin(), initials.end(), [&](TaskId t) {
                const auto& tasks = stack_[static_cast<std::size_t>(f)].tasks;
                return std::find(tasks.begin(), tasks.end(), t) != tasks.end();
              });
          if (wakeup() && steps[i].frame == f && same_generation && runnable_initial) {
            // Optimal DPOR: the whole reversing sequence notdep(i).k, as a wake-up tree branch.
            std::vector<Sleeper>& sequence = sc.sequence;
            sequence.clear();
            for (std::uint32_t w : notdep) {
              const StepRecord& step = steps[w];
              sequence.push_back(Sleeper{step.task, step.global, step.accesses});
            }
            insert_wakeup(static_cast<std::size_t>(f), sequence);
          } else {
            add_backtrack(static_cast<std::size_t>(f), initials);
          }
        }
        if (s.gave_way && !offered_at(f, s.task)) {
          // Fairness kept k's task from running where i ran (it gave way, and i's task, or a
          // task i's step made runnable, had not run since): reversing the race means running
          // it before i's step made it wait, at the latest decision before i that offered it.
          // There i's task and every task i woke had not yet stood in its way.
          const std::int32_t j = latest_offer(i, s.task);
          const TaskId task[] = {s.task};
          if (j >= 0) add_backtrack(static_cast<std::size_t>(j), task);
        }
        if (bounded()) {
          // The reversal may cost a preemption the bound refuses at f: also try it where the
          // execution switched tasks anyway (Coons et al.'s conservative backtrack point).
          const std::int32_t j = conservative_frame(i);
          if (j >= 0 && j != f) {
            if (f < 0) initials.clear();
            if (std::find(initials.begin(), initials.end(), s.task) == initials.end())
              initials.push_back(s.task);
            add_backtrack(static_cast<std::size_t>(j), initials);
          }
        }
      }
      join(covered.data(), i);
    }
  }
}

void Dpor::backtrack() {
  while (stack_.size() > floor_) {
    Frame& f = stack_.back();
    if (!f.closed) {
      if (f.kind == DecisionKind::schedule && wakeup()) {
        // The leftmost branch of the wake-up tree next; it sleeps in no later sibling.
        while (!f.wakeup.empty()) {
          WakeupNode branch = std::move(f.wakeup.front());
          f.wakeup.erase(f.wakeup.begin());
          const auto it = std::find(f.tasks.begin(), f.tasks.end(), branch.step.task);
          const auto i = static_cast<std::uint32_t>(it - f.tasks.begin());
          if (it == f.tasks.end() || f.todo[i] == 2 || asleep(f, i)) {
            ++wakeup_misses_;
            continue;
          }
          f.todo[i] = 2;
          f.explored.push_back(std::move(f.current));
          f.current = Sleeper{};
          f.index = i;
          resume_.clear();
          resume_.push_back(std::move(branch));
          return;
        }
      } else if (f.kind == DecisionKind::schedule) {
        for (std::uint32_t i = 0; i < f.candidates; ++i) {
          if (f.todo[i] != 1) continue;
          if (!allowed(f, i)) {
            f.todo[i] = 3;  // a conservative point earlier covers what it would reach
            bound_refused_ = true;
            continue;
          }
          f.todo[i] = 2;
          if (asleep(f, i)) continue;
          f.explored.push_back(std::move(f.current));
          f.current = Sleeper{};
          f.index = i;
          f.preemption = costs_preemption(f.kind, f.first_is_current, i);
          return;
        }
      } else if (f.index + 1 < f.candidates) {
        if (allowed(f, f.index + 1)) {
          ++f.index;
          f.preemption = costs_preemption(f.kind, f.first_is_current, f.index);
          resume_ = f.following;  // the tree followed when this decision was first reached
          return;
        }
        bound_refused_ = true;
      }
    }
    stack_.pop_back();
  }
  exhausted_ = true;
}

// Whether backtrack() would move `frame` to another branch.
bool Dpor::branch_left(const Frame& frame) const {
  if (frame.closed) return false;
  if (frame.kind != DecisionKind::schedule)
    return frame.index + 1 < frame.candidates && allowed(frame, frame.index + 1);
  if (wakeup())
    return std::any_of(frame.wakeup.begin(), frame.wakeup.end(), [&](const WakeupNode& n) {
      const auto it = std::find(frame.tasks.begin(), frame.tasks.end(), n.step.task);
      const auto i = static_cast<std::uint32_t>(it - frame.tasks.begin());
      return it != frame.tasks.end() && frame.todo[i] != 2 && !asleep(frame, i);
    });
  for (std::uint32_t i = 0; i < frame.candidates; ++i)
    if (frame.todo[i] == 1 && allowed(frame, i) && !asleep(frame, i)) return true;
  return false;
}

// Whether backtrack(), leaving `frame` (no branch left there), would find a branch the preemption
// bound refuses.
bool Dpor::refuses(const Frame& frame) const {
  if (frame.closed) return false;
  if (frame.kind != DecisionKind::schedule)
    return frame.index + 1 < frame.candidates && !allowed(frame, frame.index + 1);
  for (std::uint32_t i = 0; i < frame.candidates; ++i)
    if (frame.todo[i] == 1 && !allowed(frame, i)) return true;
  return false;
}

// Whether schedule decision `d`'s recorded current step is the one backtrack() will put among its
// explored branches: the decisions its steps run through (up to the next schedule or shutdown
// decision, or the end of the execution) have run, with no answer left to try.
bool Dpor::current_step_final(std::size_t d) const {
  for (std::size_t j = d + 1;; ++j) {
    if (j == stack_.size()) return false;  // d is the deepest: re-answered, not run
    const Frame& f = stack_[j];
    if (f.kind == DecisionKind::schedule || f.kind == DecisionKind::shutdown) return true;
    if (j + 1 == stack_.size() || branch_left(f)) return false;
  }
}

// Gives away the later branches of the shallowest decision that has any, when no race can add a
// branch to it or above it (every schedule decision down to it is full): the part given runs
// them as this search would have after its current branch, with the same sleep sets, and this
// search ends with its current branch there. Both parts together run what this search alone
// would, in the same order (docs/dpor.md, "Parallel search").
std::unique_ptr<Strategy> Dpor::split() {
  if (in_execution_ || exhausted_ || nondeterminism_) return nullptr;
  for (std::size_t d = floor_; d < stack_.size(); ++d) {
    const Frame& f = stack_[d];
    if (f.kind == DecisionKind::schedule && !f.full && !f.closed) return nullptr;
    if (!branch_left(f)) continue;
    // The step the current branch took (record_current_steps), which sleeps in the later
    // branches, must be the one this search will have when it moves on: it runs to the next
    // schedule or shutdown decision, so the decisions in between must have run their last
    // answer. (The deepest decision was re-answered by the last backtrack() and has not run.)
    if (f.kind == DecisionKind::schedule && !current_step_final(d)) return nullptr;
    // Neither part backtracks the decisions above d again: a branch the bound refuses there
    // (which backtrack() would count when it left them) is counted now (exhaustive's bounded
    // passes go on only if some part of the pass refused one).
    for (std::size_t j = floor_; j < d && !bound_refused_; ++j) bound_refused_ = refuses(stack_[j]);
    auto part = std::make_unique<Dpor>(options_);
    part->stack_.assign(stack_.begin(), stack_.begin() + static_cast<std::ptrdiff_t>(d) + 1);
    part->floor_ = d;
    part->backtrack();  // to the next branch, as this search would after its current one
    floor_ = d + 1;
    return part;
  }
  return nullptr;
}

nlohmann::json Dpor::parameters() const {
  nlohmann::json j{{"max_executions", options_.max_executions}};
  if (bounded()) j["preemption_bound"] = options_.preemption_bound;
  if (options_.split_depth != 0) j["split_depth"] = options_.split_depth;  // 0 when absent
  return j;
}

std::unique_ptr<Strategy> Dpor::clone() const { return std::make_unique<Dpor>(options_); }

namespace {
constexpr std::int32_t kMaxSplitDepth = 64;

std::int32_t split_depth_of(const ExploreOptions& o) {
  if (o.split_depth >= 0) return o.split_depth;
  return o.jobs > 1 ? static_cast<std::int32_t>(DporOptions::kJobsSplitDepth) : 0;
}

void read_common(ParameterReader& p, DporOptions& options) {
  read_split_depth(p, options.split_depth);
  p.integer("max_executions", options.max_executions, 0, std::numeric_limits<std::int64_t>::max());
}

// dpor and dpor-source: no preemption bound, with or without wake-up trees.
std::unique_ptr<Strategy> make_unbounded_dpor(ParameterReader& p, bool wakeup_trees) {
  DporOptions options;
  options.wakeup_trees = wakeup_trees;
  read_common(p, options);
  return std::make_unique<Dpor>(options);
}
}  // namespace

OptionRow split_depth_row() {
  static_assert(DporOptions::kJobsSplitDepth == 4, "the help below names it");
  OptionRow row = member_row<&ExploreOptions::split_depth>(
      "split-depth", "WEFT_SPLIT_DEPTH",
      "dpor, dpor-source, dpor-bounded, exhaustive's unbounded pass: the first this many schedule "
      "decisions of each execution explore every candidate, so that --jobs can split the search "
      "there (-1: 0 on one thread, 4 with --jobs 2 or more; one value gives one result for any "
      "--jobs)",
      "split_depth", "split depth", "");
  // In trace names as the depth in effect, and only when it is not 0 (plain DPOR's names stay).
  row.tag_text = [](const ExploreOptions& o) {
    const std::int32_t depth = split_depth_of(o);
    return depth == 0 ? std::string() : "s" + std::to_string(depth);
  };
  return row;
}

void validate_split_depth(const ExploreOptions& o) {
  if (o.split_depth < -1 || o.split_depth > kMaxSplitDepth)
    throw OptionError("--split-depth: -1 to " + std::to_string(kMaxSplitDepth));
}

void read_split_depth(ParameterReader& p, std::uint32_t& depth) {
  p.integer("split_depth", depth, 0, static_cast<std::uint32_t>(kMaxSplitDepth));
}

// Recorded only when not 0, so that plain DPOR's traces and reports read as before.
nlohmann::json split_depth_parameters(const ExploreOptions& o, const ExplorationProbe&) {
  nlohmann::json j = nlohmann::json::object();
  if (const std::int32_t depth = split_depth_of(o); depth != 0) j["split_depth"] = depth;
  return j;
}

const StrategyEntry& dpor_entry() {
  static const StrategyEntry entry{
      .name = "dpor",
      .help =
          "optimal DPOR (source sets, wake-up trees, sleep sets) over the documented dependence "
          "relation: every class of executions once (docs/dpor.md)",
      .records = "split_depth and max_executions",
      .options = {split_depth_row()},
      .seeded = false,
      .selectable = true,
      .measured = true,
      .parameters = split_depth_parameters,
      .make = [](ParameterReader& p) { return make_unbounded_dpor(p, true); },
      .validate = validate_split_depth,
  };
  return entry;
}

const StrategyEntry& dpor_source_entry() {
  static const StrategyEntry entry{
      .name = "dpor-source",
      .help = "source-DPOR with sleep sets, without wake-up trees (for comparison with dpor)",
      .records = "split_depth and max_executions",
      .options = {split_depth_row()},
      .seeded = false,
      .selectable = true,
      .measured = false,
      .parameters = split_depth_parameters,
      .make = [](ParameterReader& p) { return make_unbounded_dpor(p, false); },
      .validate = validate_split_depth,
  };
  return entry;
}

const StrategyEntry& dpor_bounded_entry() {
  static const StrategyEntry entry{
      .name = "dpor-bounded",
      .help =
          "preemption-bounded DPOR (Coons et al. 2013): every class of the schedules within "
          "--preemption-bound, with fewer executions than dfs with the same bound",
      .records = "preemption_bound, split_depth and max_executions",
      .options = {preemption_bound_row(), split_depth_row()},
      .seeded = false,
      .selectable = true,
      .measured = false,
      .parameters =
          [](const ExploreOptions& o, const ExplorationProbe& probe) {
            nlohmann::json j = preemption_bound_parameters(o, probe);
            j.update(split_depth_parameters(o, probe));
            return j;
          },
      .make = [](ParameterReader& p) -> std::unique_ptr<Strategy> {
        DporOptions options;
        options.preemption_bound = 0;
        p.integer("preemption_bound", options.preemption_bound, -1,
                  std::numeric_limits<int>::max());
        read_common(p, options);
        return std::make_unique<Dpor>(options);
      },
      .validate = validate_split_depth,
  };
  return entry;
}

}  // namespace weft
