// PCT, probabilistic concurrency testing: random task priorities plus d - 1 priority change points.
//
// Source: Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with Probabilistic
// Guarantees of Finding Bugs", ASPLOS 2010. Guarantee: for a program with n tasks and k steps,
// one execution finds a bug of depth d (one that needs d specific ordering constraints) with
// probability >= 1 / (n * k^(d-1)).
//
// Algorithm, per execution (all randomness from the execution's seed, nothing from earlier runs):
// - d - 1 change points are drawn uniformly and distinct from [1, k] in begin_execution.
// - At a schedule decision the candidate with the highest priority runs.
// - Steps are counted as schedule decisions asked in this execution (1-based), not as
//   DecisionContext::step: a scheduling point with a single runnable task cannot be preempted,
//   so counting only decisions wastes no change point on it, makes k smaller and the bound
//   tighter. `steps` (k) is therefore an estimate of the schedule decisions per execution.
// - When the counter reaches change point i, the priority of the task that was running drops to
//   d - i, below every initial priority: at a decision with context.first_is_current that is
//   candidate 0 (lowered before choosing, so it is preempted right here); otherwise the running
//   task has blocked or finished and the lowered task is the one chosen now, which runs one step
//   and yields at its next scheduling point, as after the paper's step k_i.
// - Yields (weft's adaptation, as PCT implementations treat yields): a candidate that gave way
//   (Candidate::yielded: weft::yield_now, or a spin the runtime recognised) gets a priority below
//   every task that has not yielded and is not demoted (kYieldBand, lower for each later yield,
//   never raised), so the task it waits for runs first; a spin-wait cannot starve its setter. The
//   runtime's fairness rule (runtime/src/fairness.cpp) already keeps such a task out while
//   another has not run since; this keeps it low after that, so spins cost few decisions.
// - Timer ties, spurious wakeups and values are drawn uniformly from the same generator.
// - Shutdown (weft's extension; the paper has no shutdown): drop and run choices are uniform,
//   except that a task a drop has just woken runs first (highest priority first). In tokio other
//   workers poll a woken task at once, and that is how a task observes another's drop; dropping
//   it instead before it ran is indistinguishable from dropping it while it still waited (it
//   unwinds from the same point), so no observable behaviour is given up, and the shutdown
//   races weft exists for become several times likelier (the flagship: from 1 in 5 to 1 in 3).
//   "Just woken" is a run candidate among the last DecisionContext::new_runnable ones (it became
//   runnable since the previous shutdown decision), so a drop costs O(log n), not O(n).
//
// Adaptation to dynamic task creation: n is not known upfront. The paper gives the tasks a random
// permutation of the priorities d .. d+n-1; here a task receives its initial priority the first
// time it is a candidate, drawn uniformly from a 62-bit range above every change-point priority
// and redrawn until distinct. Only the relative order of priorities matters, and independent
// uniform draws put the tasks in a uniformly random order, which is what the paper's permutation
// provides, so the bound holds with n the number of tasks that become runnable.
#include <algorithm>
#include <limits>
#include <memory>

#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {
namespace {

constexpr std::uint64_t kHighBand = std::uint64_t{1} << 62;
// Yielded tasks: below kHighBand, above every change-point priority (at most depth - 1).
constexpr std::uint64_t kYieldBand = std::uint64_t{1} << 61;
// Up to this many tasks, distinctness is checked by scanning the priorities in use.
constexpr std::size_t kScanTasks = 64;

}  // namespace

Pct::Pct(PctOptions options) : options_(options) {
  if (options_.depth < 1) options_.depth = 1;
  if (options_.steps < 1) options_.steps = 1;
}

bool Pct::begin_execution(std::uint64_t, std::uint64_t seed) {
  rng_.reseed(seed);
  schedule_decisions_ = 0;
  last_shutdown_was_drop_ = false;
  priorities_.clear();
  yield_lowered_.clear();
  yields_ = 0;
  initial_in_use_.clear();
  change_points_.clear();
  change_point_index_.clear();
  const auto wanted =
      std::min<std::uint64_t>(static_cast<std::uint64_t>(options_.depth - 1), options_.steps);
  // Hashed, so a large depth costs linear time (a scan per draw made depth 200,000 take minutes);
  // the draws and their order are what a scan gave.
  change_point_index_.reserve(static_cast<std::size_t>(wanted));
  while (change_points_.size() < wanted) {
    const std::uint64_t point = 1 + rng_.below(options_.steps);
    if (change_point_index_.emplace(point, change_points_.size()).second)
      change_points_.push_back(point);
  }
  return true;
}

std::uint64_t Pct::priority_of(TaskId task) {
  if (task >= priorities_.size()) priorities_.resize(std::size_t{task} + 1, 0);
  if (priorities_[task] == 0) {
    std::uint64_t priority;
    do {
      priority = kHighBand + rng_.below(kHighBand);
    } while (priority_in_use(priority));
    priorities_[task] = priority;
  }
  return priorities_[task];
}

bool Pct::priority_in_use(std::uint64_t priority) {
  if (priorities_.size() <= kScanTasks)
    return std::find(priorities_.begin(), priorities_.end(), priority) != priorities_.end();
  if (initial_in_use_.empty())
    for (std::uint64_t p : priorities_)
      if (p >= kHighBand) initial_in_use_.insert(p);
  return !initial_in_use_.insert(priority).second;
}

std::optional<std::uint64_t> Pct::priority(TaskId task) const {
  if (task >= priorities_.size() || priorities_[task] == 0) return std::nullopt;
  return priorities_[task];
}

std::size_t Pct::choose(DecisionKind kind, const Candidates& candidates,
                        const DecisionContext& context) {
  if (candidates.size() < 2) return 0;
  if (kind == DecisionKind::shutdown) return choose_shutdown(candidates, context);
  if (kind != DecisionKind::schedule)
    return static_cast<std::size_t>(rng_.below(candidates.size()));
  return choose_schedule(candidates, context);
}

// Only the candidates that became runnable since the previous shutdown decision are looked at
// (the runtime counts them: context.new_runnable, the last ones), so a drop among n tasks costs
// O(log n) and not a pass over the n candidates.
std::size_t Pct::choose_shutdown(const Candidates& candidates, const DecisionContext& context) {
  const std::size_t n = candidates.size();
  std::optional<std::size_t> woken;
  TaskId woken_task = kNoTask;
  if (last_shutdown_was_drop_) {
    for (std::size_t i = n - std::min(context.new_runnable, n); i < n; ++i) {
      const Candidate c = candidates[i];
      if (c.op == Op::drop) continue;
      if (!woken || priority_of(c.task) > priority_of(woken_task)) {
        woken = i;
        woken_task = c.task;
      }
    }
  }
  const std::size_t pick = woken ? *woken : static_cast<std::size_t>(rng_.below(n));
  last_shutdown_was_drop_ = candidates[pick].op == Op::drop;
  return pick;
}

std::size_t Pct::choose_schedule(const Candidates& candidates, const DecisionContext& context) {
  const std::uint64_t step = ++schedule_decisions_;
  // Initial priorities are handed out in candidate order, so the draws depend only on the seed
  // and the schedule so far.
  for (const Candidate& c : candidates) {
    priority_of(c.task);
    if (c.task >= yield_lowered_.size()) yield_lowered_.resize(std::size_t{c.task} + 1, 0);
    if (!c.yielded) {
      yield_lowered_[c.task] = 0;
    } else if (!yield_lowered_[c.task]) {  // lowered once per yield
      yield_lowered_[c.task] = 1;
      priorities_[c.task] = std::min(priorities_[c.task], kYieldBand - ++yields_);
    }
  }

  std::optional<std::uint64_t> lowered;  // d - i when this decision is change point i
  if (!change_point_index_.empty())
    if (auto it = change_point_index_.find(step); it != change_point_index_.end())
      lowered = static_cast<std::uint64_t>(options_.depth) - (it->second + 1);

  // Every candidate has a priority now (assigned above).
  if (lowered && context.first_is_current) priorities_[candidates[0].task] = *lowered;
  std::size_t pick = 0;
  for (std::size_t i = 1; i < candidates.size(); ++i)
    if (priorities_[candidates[i].task] > priorities_[candidates[pick].task]) pick = i;
  if (lowered && !context.first_is_current) priorities_[candidates[pick].task] = *lowered;
  yield_lowered_[candidates[pick].task] = 0;  // it runs: its yield is over
  return pick;
}

nlohmann::json Pct::parameters() const {
  return nlohmann::json{{"depth", options_.depth}, {"steps", options_.steps}};
}

std::unique_ptr<Strategy> Pct::clone() const { return std::make_unique<Pct>(options_); }

namespace {

// PCT's k when the user gives none. The bound 1/(n k^(d-1)) holds only when k is at least the
// schedule decisions of every execution: a change point drawn past an execution's end is wasted,
// and one needed past k is never drawn. The default schedule (always keep the running task) takes
// the fewest decisions; PCT's own schedules, switching at change points and around yields, take
// more. So k is the most decisions seen in the default schedule, kCalibrationRuns random ones
// and kCalibrationRuns PCT ones (with the estimate so far), plus a quarter for the schedules not
// sampled. The runs' seeds come from the base seed alone: the same k for any --jobs.
std::uint64_t calibrate_steps(const ExploreOptions& options, const ExplorationProbe& probe) {
  constexpr std::uint64_t kCalibrationRuns = 4;
  FirstChooser first;
  std::uint64_t most = probe.schedule_decisions(first);
  for (std::uint64_t i = 0; i < kCalibrationRuns; ++i) {
    RandomWalk random;
    random.begin_execution(i, execution_seed(options.seed ^ 0x63616c6962726174ULL, i));
    most = std::max(most, probe.schedule_decisions(random));
  }
  const std::uint64_t provisional = std::max<std::uint64_t>(most, 1);
  for (std::uint64_t i = 0; i < kCalibrationRuns; ++i) {
    Pct pct(PctOptions{static_cast<int>(std::max<std::uint32_t>(options.depth, 1)), provisional});
    pct.begin_execution(i, execution_seed(options.seed ^ 0x70637463616c6962ULL, i));
    most = std::max(most, probe.schedule_decisions(pct));
  }
  return std::max<std::uint64_t>(most + (most + 3) / 4, 1);
}

}  // namespace

const StrategyEntry& pct_entry() {
  static const StrategyEntry entry{
      .name = "pct",
      .help = "PCT: random priorities with d-1 priority change points (Burckhardt et al. 2010)",
      .records = "depth (d) and steps (k, measured by calibration runs when not given)",
      .options = {member_row<&ExploreOptions::depth>("depth", "WEFT_DEPTH",
                                                     "PCT: bug depth d (d-1 priority changes)",
                                                     "depth", "depth", "d"),
                  member_row<&ExploreOptions::pct_steps>(
                      "pct-steps", "WEFT_PCT_STEPS",
                      "PCT: step estimate k (0: measured by calibration runs)", "steps", "steps",
                      "")},
      .seeded = true,
      .selectable = true,
      .measured = true,
      .parameters =
          [](const ExploreOptions& o, const ExplorationProbe& probe) {
            const std::uint64_t steps = o.pct_steps != 0 ? o.pct_steps : calibrate_steps(o, probe);
            return nlohmann::json{{"depth", o.depth}, {"steps", steps}};
          },
      .make = [](ParameterReader& p) -> std::unique_ptr<Strategy> {
        PctOptions options;
        p.integer("depth", options.depth, 1, std::numeric_limits<int>::max());
        p.integer("steps", options.steps, 1, std::numeric_limits<std::int64_t>::max());
        return std::make_unique<Pct>(options);
      },
      .validate =
          [](const ExploreOptions& o) {
            if (o.depth == 0) throw OptionError("--depth: PCT depth must be at least 1");
          },
  };
  return entry;
}

}  // namespace weft
