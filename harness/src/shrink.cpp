// Shrinking a failing trace: replays of smaller decision lists that keep the failure's signature,
// in three passes (delta debugging, a bounded search for fewer preemptions, then single answers
// and the tail), each bounded by a replay budget and the time budget.
#include <algorithm>

#include "crash_guard.hpp"
#include "execution.hpp"
#include "isolation.hpp"
#include "weft/harness/detectors.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {
namespace {

using detail::Clock;
using detail::ExecutionResult;

constexpr std::size_t kMaxAttempts = 20000;
// The bounded search: 0, 1, 2 preemptions, each bound a few thousand executions at most.
constexpr std::size_t kSearchBounds = 3;
constexpr std::uint64_t kSearchPerBound = 2000;

std::size_t deviations(const std::vector<Decision>& d) {
  return static_cast<std::size_t>(
      std::count_if(d.begin(), d.end(), [](const Decision& x) { return x.index != 0; }));
}

// Smaller: fewer preemptions, then fewer non-default answers, then fewer decisions.
bool smaller(const std::vector<Decision>& a, const std::vector<Decision>& b) {
  const std::size_t pa = count_preemptions(a), pb = count_preemptions(b);
  if (pa != pb) return pa < pb;
  const std::size_t da = deviations(a), db = deviations(b);
  if (da != db) return da < db;
  return a.size() < b.size();
}

// `decisions` with the answer at `i` turned into the default one; the decisions after it keep
// their tasks where they can.
void make_default(std::vector<Decision>& decisions, std::size_t i) {
  decisions[i].index = 0;
  decisions[i].task = kNoTask;
}

class Shrinker {
 public:
  // `options`: the trace's (detail::options_for_trace); `base` gives the time budget.
  Shrinker(const Trace& input, const ExploreTarget& target, const ExploreOptions& base,
           ExploreOptions options, const ShrinkProgressFn& progress)
      : input_(input),
        target_(target),
        base_(base),
        progress_(progress),
        started_(Clock::now()),
        options_(std::move(options)),
        signature_(input.failure->signature()),
        detectors_(make_detectors(options_, DetectorMode::find)),
        last_progress_(started_) {
    if (detail::replays_in_child(input, options_)) {
      guard_.emplace(detail::replay_context(input, options_), 1);
      thread_guard_.emplace(guard_->slot(0));
    }
  }
  ShrinkResult run();

 private:
  bool out_of_budget() const {
    return out_.attempts >= kMaxAttempts ||
           (base_.time_budget > 0 && detail::seconds_since(started_) >= base_.time_budget);
  }
  void report_progress();
  std::optional<std::vector<Decision>> attempt(const std::vector<Decision>& decisions,
                                               std::uint64_t* steps);
  bool try_candidate(const std::vector<Decision>& candidate);
  void delta_debug();
  bool search_with_bound(std::size_t bound);
  bool single_answers();
  bool drop_tail();
  std::optional<detail::ChildOutcome> crashed_in_child(Chooser& chooser);

  const Trace& input_;
  const ExploreTarget& target_;
  const ExploreOptions& base_;
  const ShrinkProgressFn& progress_;
  const Clock::time_point started_;
  const ExploreOptions options_;
  const std::string signature_;
  std::vector<std::unique_ptr<Detector>> detectors_;
  ShrinkResult out_;
  // A trace whose execution ended its process: each attempt runs in a child process first.
  std::optional<detail::ExplorationGuard> guard_;
  std::optional<detail::ThreadGuard> thread_guard_;
  std::vector<Decision> best_;  // the smallest failing schedule so far
  std::uint64_t steps_ = 0;     // its steps
  Clock::time_point last_progress_;
};

void Shrinker::report_progress() {
  if (!progress_) return;
  const auto now = Clock::now();
  if (now - last_progress_ < std::chrono::milliseconds(250)) return;
  last_progress_ = now;
  progress_(ShrinkProgress{out_.attempts, count_preemptions(best_), best_.size(),
                           detail::seconds_since(started_)});
}

// When attempts run in a child process: how the execution under `chooser` ended the child, or
// nullopt when it survived (it then runs in this process, on the chooser's own state).
std::optional<detail::ChildOutcome> Shrinker::crashed_in_child(Chooser& chooser) {
  if (!guard_) return std::nullopt;
  detail::ChildOutcome child = detail::run_in_child(guard_->slot(0), [&] {
    thread_guard_->begin_execution(input_.execution, input_.seed);
    detail::run_once(target_, options_, &chooser, detectors_, nullptr);
  });
  if (child.survived) return std::nullopt;
  return child;
}

// Runs a candidate list (missing decisions default to 0); on the same failure returns the
// decisions actually taken, without trailing defaults.
std::optional<std::vector<Decision>> Shrinker::attempt(const std::vector<Decision>& decisions,
                                                       std::uint64_t* steps) {
  ++out_.attempts;
  report_progress();
  Replay chooser(decisions, true);
  chooser.begin_execution(0, input_.seed);
  if (std::optional<detail::ChildOutcome> child = crashed_in_child(chooser)) {
    if (child->failure.signature() != signature_) return std::nullopt;
    if (steps) *steps = child->failure.step;
    return detail::trim_defaults(std::move(child->decisions));
  }
  ExecutionResult r = detail::run_once(target_, options_, &chooser, detectors_, nullptr);
  if (r.failures.empty() || r.failures.front().signature() != signature_) return std::nullopt;
  if (steps) *steps = r.steps;
  return detail::trim_defaults(r.decisions);
}

// Keeps what `candidate` ran into when it fails the same way and is smaller than the best.
bool Shrinker::try_candidate(const std::vector<Decision>& candidate) {
  std::uint64_t s = 0;
  auto kept = attempt(candidate, &s);
  if (!kept || !smaller(*kept, best_)) return false;
  best_ = std::move(*kept);
  steps_ = s;
  return true;
}

// 1. Delta debugging (Zeller, Hildebrandt 2002) over the non-default answers: turn chunks of
// them into the default answer, halving the chunks when none can go. A deep trace with dozens
// of preemptions loses most of them in a few hundred replays, where trying one at a time (or a
// bounded search per preemption count) costs a replay per answer per pass.
void Shrinker::delta_debug() {
  for (std::size_t parts = 2; !out_of_budget();) {
    std::vector<std::size_t> answers;
    for (std::size_t i = 0; i < best_.size(); ++i)
      if (best_[i].index != 0) answers.push_back(i);
    if (answers.empty()) break;
    parts = std::min(parts, answers.size());
    const std::size_t chunk = (answers.size() + parts - 1) / parts;
    bool reduced = false;
    // Latest chunks first: the end of a schedule is where the failure is made.
    for (std::size_t end = answers.size(); end > 0 && !out_of_budget();) {
      const std::size_t begin = end > chunk ? end - chunk : 0;
      std::vector<Decision> candidate = best_;
      for (std::size_t k = begin; k < end; ++k) make_default(candidate, answers[k]);
      if (try_candidate(candidate)) {
        reduced = true;
        break;
      }
      end = begin;
    }
    if (reduced) {
      parts = std::max<std::size_t>(parts - 1, 2);
    } else if (parts >= answers.size()) {
      break;
    } else {
      parts = std::min(parts * 2, answers.size());
    }
  }
}

// 2. Fewest preemptions by iterative context bounding (CHESS): a bounded search for the same
// failure with at most `bound` preemptions. True when it found the failure (smaller or not).
bool Shrinker::search_with_bound(std::size_t bound) {
  Dfs dfs(DfsOptions{static_cast<int>(bound), kSearchPerBound, false});
  for (std::uint64_t i = 0; !out_of_budget() && dfs.begin_execution(i, input_.seed); ++i) {
    if (std::optional<detail::ChildOutcome> child = crashed_in_child(dfs)) {
      // The search never saw this execution's choices: it ends here, with it or without.
      ++out_.attempts;
      if (child->failure.signature() != signature_) return false;
      std::vector<Decision> found = detail::trim_defaults(std::move(child->decisions));
      if (smaller(found, best_)) {
        best_ = std::move(found);
        steps_ = child->failure.step;
      }
      return true;
    }
    ExecutionResult r = detail::run_once(target_, options_, &dfs, detectors_, nullptr);
    dfs.end_execution(ExecutionSummary{r.steps, r.decisions.size(), !r.failures.empty()});
    ++out_.attempts;
    report_progress();
    if (r.failures.empty() || r.failures.front().signature() != signature_) continue;
    std::vector<Decision> found = detail::trim_defaults(r.decisions);
    if (smaller(found, best_)) {
      best_ = std::move(found);
      steps_ = r.steps;
    }
    return true;
  }
  return false;
}

// 3a. Fewer preemptions and deviations: turn choices into the default one, latest first.
bool Shrinker::single_answers() {
  bool changed = false;
  for (std::size_t i = best_.size(); i-- > 0 && !out_of_budget();) {
    if (i >= best_.size() || best_[i].index == 0) continue;
    std::vector<Decision> candidate = best_;
    make_default(candidate, i);
    changed |= try_candidate(candidate);
  }
  return changed;
}

// 3b. Fewer decisions: drop the tail in halving chunks.
bool Shrinker::drop_tail() {
  bool changed = false;
  for (std::size_t chunk = best_.size() / 2; chunk > 0 && !out_of_budget();) {
    std::vector<Decision> candidate(best_.begin(),
                                    best_.end() - static_cast<std::ptrdiff_t>(chunk));
    if (try_candidate(candidate)) {
      changed = true;
      chunk = std::min(chunk, best_.size() / 2);
    } else {
      chunk /= 2;
    }
  }
  return changed;
}

ShrinkResult Shrinker::run() {
  std::uint64_t steps = 0;
  auto start = attempt(input_.decisions, &steps);
  if (!start) throw TraceError("the trace does not reproduce its failure (" + signature_ + ")");
  best_ = *start;
  steps_ = steps;
  out_.decisions_before = input_.decisions.size();
  out_.preemptions_before = count_preemptions(input_.decisions);
  out_.steps_before = steps;

  delta_debug();
  for (std::size_t bound = 0;
       bound < std::min(count_preemptions(best_), kSearchBounds) && !out_of_budget(); ++bound)
    if (search_with_bound(bound)) break;
  // 3. Single answers and the tail, until nothing changes.
  for (bool changed = true; changed && !out_of_budget();) {
    changed = single_answers();
    changed = drop_tail() || changed;
  }

  Trace shrunk = input_;
  shrunk.decisions = best_;
  ReplayResult final_run = replay(shrunk, target_, options_);
  out_.trace = std::move(final_run.trace);
  out_.decisions_after = best_.size();
  out_.preemptions_after = count_preemptions(best_);
  out_.steps_after = steps_;
  return std::move(out_);
}

}  // namespace

ShrinkResult shrink(const Trace& input, const ExploreTarget& target, const ExploreOptions& base,
                    const ShrinkProgressFn& progress) {
  if (!input.failure) throw TraceError("the trace records no failure to shrink");
  ExploreOptions options = detail::options_for_trace(input, base);
  detail::apply_source_root(options);
  return Shrinker(input, target, base, std::move(options), progress).run();
}

}  // namespace weft
