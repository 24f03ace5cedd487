// The exploration: executions are independent runs of the body under a recording chooser, spread
// over worker threads; what the workers found is merged by execution index, so that the first
// failing one (lowest index, whatever --jobs) becomes the trace, and a replay of it with
// explaining detectors explains it (and checks that it is deterministic).
#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "crash_guard.hpp"
#include "execution.hpp"
#include "isolation.hpp"
#include "stop_signals.hpp"
#include "tree_parts.hpp"
#include "weft/harness/decision.hpp"
#include "weft/harness/detectors.hpp"
#include "weft/harness/random.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {
namespace {

using detail::Clock;
using detail::ExecutionResult;

// What several executions found once each, with the lowest execution index that found it, so
// that the result is the same for any --jobs.
template <class Key, class Value>
using FirstSeen = std::map<Key, std::pair<std::uint64_t, Value>>;
// Facts for checks across executions, by (detector, key).
using FirstSeenFacts = FirstSeen<std::pair<std::string_view, std::string>, std::any>;

template <class Key, class Value>
void keep_lowest(FirstSeen<Key, Value>& seen, const Key& key, std::uint64_t index, Value&& value) {
  auto [it, added] = seen.try_emplace(key, index, value);
  if (!added && index < it->second.first) it->second = {index, std::forward<Value>(value)};
}

// What executions gave: one worker's (each keeps its own, so that an execution costs no lock and
// no shared map insertion), then all of them merged by execution index.
//
// Nothing here grows with the number of executions past a fixed window, so a campaign of any
// length runs in flat memory (it kept 48 bytes per execution): executions and failures are
// counted, and schedules are told apart only among the first kDistinctWindow executions. Which
// executions a one-thread run would have counted follows from the indices claimed (see
// Exploration::counted_executions), not from a list of them.
struct Found {
  // (index, schedule hash) of the executions in the distinct-schedule window.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> hashes;
  std::uint64_t executions = 0;
  std::uint64_t failures = 0;
  // Only the lowest failing execution's result (all a report uses).
  std::optional<std::pair<std::uint64_t, ExecutionResult>> first_failed;
  FirstSeen<std::string, Failure> warnings;  // by signature
  FirstSeenFacts facts;                      // by (detector, key)
  // Failing executions by their first failure's signature: the lowest one's failure, and how many.
  FirstSeen<std::string, Failure> failure_signatures;
  std::map<std::string, std::uint64_t> failing_by_signature;
  // Only in a part of a tree search: (index, signature) of every failing execution, so that the
  // counts can leave out the executions past the budget once the part's place is known.
  std::vector<std::pair<std::uint64_t, std::string>> failing;
};

// Everything one thread needs to run executions, and what its executions gave.
struct Worker {
  std::unique_ptr<Strategy> strategy;
  std::vector<std::unique_ptr<Detector>> detectors;
  Found found;
};

// Adds one worker's findings to `all`.
void merge_into(Found& all, Found& w) {
  for (auto& [signature, first] : w.failure_signatures)
    keep_lowest(all.failure_signatures, signature, first.first, std::move(first.second));
  for (auto& [signature, count] : w.failing_by_signature)
    all.failing_by_signature[signature] += count;
  all.hashes.insert(all.hashes.end(), w.hashes.begin(), w.hashes.end());
  all.executions += w.executions;
  all.failures += w.failures;
  if (w.first_failed && (!all.first_failed || w.first_failed->first < all.first_failed->first))
    all.first_failed = std::move(w.first_failed);
  for (auto& [signature, first] : w.warnings)
    keep_lowest(all.warnings, signature, first.first, std::move(first.second));
  for (auto& [key, first] : w.facts)
    keep_lowest(all.facts, key, first.first, std::move(first.second));
}

// The warnings that only the executions together show: each detector's check across
// executions, over the facts of the executions counted (up to `last`), in key order.
std::vector<Failure> across_executions(const ExploreOptions& options, const FirstSeenFacts& seen,
                                       std::uint64_t last) {
  std::vector<Failure> found;
  for (const DetectorEntry* entry : detector_entries()) {
    if (!entry->across || !entry->enabled(options)) continue;
    std::vector<SeenFact> facts;
    for (const auto& [key, first] : seen)
      if (key.first == entry->name && first.first <= last)
        facts.push_back(SeenFact{first.first, &first.second});
    if (std::optional<Failure> f = entry->across(facts)) found.push_back(std::move(*f));
  }
  return found;
}

// Identifies a schedule for counting distinct ones (never stored: any good 64-bit mix will do).
std::uint64_t hash_decisions(const std::vector<Decision>& decisions) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ decisions.size();
  for (const Decision& d : decisions) {
    const std::uint64_t v = static_cast<std::uint64_t>(d.kind) << 56 ^
                            static_cast<std::uint64_t>(d.candidates) << 28 ^ d.index;
    h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
  }
  return h;
}

// Long polls are measured in wall time, which no schedule fixes: a loaded machine can stretch any
// step. Such a finding stands only if the replay of the execution's decisions shows it again
// (same signature); otherwise it is dropped. The other findings are the execution's own.
void confirm_long_polls(const ExploreTarget& target, const ExploreOptions& options,
                        std::uint64_t seed, ExecutionResult& result,
                        std::vector<std::unique_ptr<Detector>>& detectors) {
  auto timed = [](const Failure& f) { return f.kind == FailureKind::long_poll; };
  if (std::none_of(result.failures.begin(), result.failures.end(), timed)) return;
  Replay chooser(result.decisions);
  chooser.begin_execution(0, seed);
  const ExecutionResult again = detail::run_once(target, options, &chooser, detectors, nullptr);
  std::erase_if(result.failures, [&](const Failure& f) {
    return timed(f) &&
           std::none_of(again.failures.begin(), again.failures.end(), [&](const Failure& g) {
             return timed(g) && g.signature() == f.signature();
           });
  });
}

// The first failure that the decisions determine (wall-time findings excluded), "" for none:
// what a replay must reproduce.
std::string scheduled_signature(const std::vector<Failure>& failures) {
  for (const Failure& f : failures)
    if (f.kind != FailureKind::long_poll) return f.signature();
  return {};
}

// The events a replay must reproduce: all but the wall-time ones.
std::vector<TraceEvent> scheduled_events(const std::vector<TraceEvent>& events) {
  std::vector<TraceEvent> out;
  out.reserve(events.size());
  for (const TraceEvent& e : events)
    if (e.kind != EventKind::long_poll) out.push_back(e);
  return out;
}

// What crash and hang reports of this exploration (or its calibration runs) say and write.
// `strategy` is null for the calibration runs (before there is one).
detail::ExplorationContext crash_context(const ExploreOptions& options, const ExploreTarget& target,
                                         const StrategyEntry& entry,
                                         const nlohmann::json& parameters,
                                         const Strategy* strategy) {
  detail::ExplorationContext c;
  c.scenario = target.name;
  c.strategy = strategy_description(entry, parameters);
  c.base = strategy ? base_trace(options, target, *strategy) : base_trace(options, target);
  if (!strategy) {
    c.base.strategy = std::string(entry.name);
    c.base.strategy_parameters = parameters;
  }
  c.watchdog_seconds = options.watchdog;
  c.options = options;
  const CrashReporting reporting = crash_reporting();
  c.trace_path = reporting.trace_path;
  c.replay_command = reporting.replay_command;
  c.rerun = rerun_hint(reporting.explore_command, target.name,
                       to_string(detail::effective_flavor(options, target)), entry, parameters);
  return c;
}

// The options as given (pct: --pct-steps 0, measured), as parameters: a calibration run's rerun
// command calibrates again.
nlohmann::json given_parameters(const ExploreOptions& options, const StrategyEntry& entry) {
  nlohmann::json given = nlohmann::json::object();
  for (const OptionRow& row : entry.options)
    if (!row.parameter.empty())
      given[std::string(row.parameter)] = nlohmann::json::parse(row.get(options), nullptr, false);
  return given;
}

// The parameters of the selected strategy for this exploration, from its entry; runs that the
// entry asks for (PCT's calibration) run inside a crash guard of their own, so that a crash in
// one is reported like one in an execution (the rerun command reruns the calibration too).
nlohmann::json strategy_parameters(const ExploreOptions& options, const ExploreTarget& target,
                                   const StrategyEntry& entry) {
  if (!entry.parameters) return nlohmann::json::object();
  // The guard is set up by the first calibration run: most entries run none, and its reports'
  // context (rerun command, base trace) costs more than a small exploration's executions.
  std::optional<detail::ExplorationGuard> guard;
  std::optional<detail::ThreadGuard> thread_guard;
  std::vector<std::unique_ptr<Detector>> none;
  std::uint64_t run = 0;
  ExplorationProbe probe;
  probe.schedule_decisions = [&](Chooser& chooser) {
    if (!guard) {
      detail::ExplorationContext context =
          crash_context(options, target, entry, given_parameters(options, entry), nullptr);
      context.strategy += ", calibration run";
      guard.emplace(std::move(context), 1);
      thread_guard.emplace(guard->slot(0));
    }
    thread_guard->begin_execution(run++, options.seed);
    ExecutionResult r = detail::run_once(target, options, &chooser, none, nullptr);
    thread_guard->end_execution();
    return static_cast<std::uint64_t>(
        std::count_if(r.decisions.begin(), r.decisions.end(),
                      [](const Decision& d) { return d.kind == DecisionKind::schedule; }));
  };
  return entry.parameters(options, probe);
}

std::unique_ptr<Strategy> build_strategy(const StrategyEntry& entry, const nlohmann::json& params) {
  std::string error;
  auto strategy = make_strategy(entry.name, params, &error);
  if (!strategy)
    throw OptionError(error.empty() ? "cannot make strategy " + std::string(entry.name) : error);
  return strategy;
}

// The failure a replay that disagrees with its execution reports, in place of that execution's
// first failure (same task, site and step).
Failure nondeterminism_failure(const Failure& first, const std::string& difference) {
  Failure f;
  f.kind = FailureKind::nondeterminism;
  f.message = "the code under test is not deterministic: " + difference +
              " (it may read the real clock, use an unseeded random source, or share state "
              "between executions)";
  f.task = first.task;
  f.task_name = first.task_name;
  f.where = first.where;
  f.step = first.step;
  for (const std::string& d : first.details)  // the likely cause
    if (d.starts_with(detail::kForeignThreadHint)) f.details.push_back(d);
  return f;
}

// Why an exploration with --jobs ran on one thread. Every tree search of weft splits (the first
// reason is for a strategy that cannot).
std::string one_thread_reason(const Strategy& strategy, const ExploreOptions& options) {
  if (!strategy.splittable())
    return "each of its executions depends on what the earlier ones found, so they run in order";
  if (options.isolate) return "--isolate runs a tree search's executions one at a time";
  return "--shard splits a tree search by execution index, which it cannot run out of order";
}

// One exploration: the state its workers share while they run, then the report made from what
// they found.
class Exploration {
 public:
  Exploration(const ExploreOptions& options, const ExploreTarget& target,
              const ProgressFn& progress)
      : options_(options),
        target_(target),
        progress_(progress),
        started_(Clock::now()),
        shard_(parse_shard(options.shard)),
        last_progress_(started_) {}
  ExploreReport run();

 private:
  void run_workers(std::unique_ptr<Strategy> prototype, unsigned jobs,
                   detail::ExplorationGuard& guard);
  void work(Worker& worker, detail::ThreadSlot& slot);
  void work_isolated(Worker& worker, detail::ThreadSlot& slot, detail::ThreadGuard& thread_guard);
  bool run_here(Worker& worker, detail::ThreadGuard& thread_guard, std::uint64_t index,
                std::uint64_t seed);
  ExecutionResult run_one(Strategy& strategy, Worker& worker, detail::ThreadGuard& thread_guard,
                          std::uint64_t index, std::uint64_t seed);
  void work_parts(Worker& worker, detail::ThreadSlot& slot);
  Found merge_parts();
  std::optional<std::int64_t> covered_by_parts();
  // The claim position of execution `index` (see counted_executions).
  std::uint64_t position(std::uint64_t index) const {
    return (index - shard_.index) / shard_.count;
  }
  std::optional<std::uint64_t> next_index();
  bool stop_requested();
  void report_progress(const Worker& worker);
  void record(Found& found, std::uint64_t index, ExecutionResult r);
  Found merge_workers();
  void count_executions(const Found& found, std::uint64_t last, ExploreReport& report) const;
  std::uint64_t counted_executions(const Found& found, std::uint64_t last) const;
  void skip(std::uint64_t j);
  void add_warnings(Found& found, std::uint64_t last, ExploreReport& report) const;
  void explain(std::uint64_t index, const ExecutionResult& result, ExploreReport& report) const;
  std::optional<std::string> nondeterminism(const Trace& trace, bool same,
                                            const std::optional<std::string>& mismatch,
                                            const Trace& recorded) const;

  const ExploreOptions& options_;
  const ExploreTarget& target_;
  const ProgressFn& progress_;
  const Clock::time_point started_;
  const Shard shard_;
  std::vector<Worker> workers_;
  std::atomic<std::uint64_t> next_{0};
  std::atomic<std::uint64_t> failures_seen_{0};
  std::atomic<std::uint64_t> first_failure_{UINT64_MAX};
  std::atomic<bool> exhausted_{false};
  std::atomic<bool> budget_hit_{false};
  std::atomic<bool> without_runtime_{false};   // an execution whose body ran no weft::Runtime
  std::atomic<bool> stopped_at_crash_{false};  // --isolate, a strategy that cannot go past one
  std::atomic<std::uint64_t> done_{0};
  std::mutex skipped_mutex_;
  std::vector<std::uint64_t> skipped_;  // claims (positions j) not run; at most one per worker
  std::mutex progress_mutex_;
  Clock::time_point last_progress_;  // under progress_mutex_
  // A tree search on several threads (--jobs with dfs, dfs-iterative, delay-bounded, DPOR or
  // exhaustive), else null.
  std::unique_ptr<detail::TreeParts<Found>> parts_;
};

// The next execution's index for a worker, or none when the exploration is over for it: the
// iterations are used up, an earlier execution failed (unless all failures are wanted), the time
// budget ran out, or SIGINT/SIGTERM asked to stop.
std::optional<std::uint64_t> Exploration::next_index() {
  const std::uint64_t j = next_.fetch_add(1);
  if (j >= options_.iterations) return std::nullopt;
  const std::uint64_t index = shard_.index + j * shard_.count;
  if (!options_.all_failures && index > first_failure_.load()) {
    skip(j);
    return std::nullopt;
  }
  if (stop_requested()) {
    skip(j);
    return std::nullopt;
  }
  return index;
}

// Whether the exploration must end before its next execution: the time budget ran out, or
// SIGINT/SIGTERM asked to stop, or a crash ended a search that cannot go past one.
bool Exploration::stop_requested() {
  if (options_.time_budget > 0 && detail::seconds_since(started_) >= options_.time_budget) {
    budget_hit_ = true;
    return true;
  }
  return detail::StopSignals::requested() != 0 || stopped_at_crash_;
}

void Exploration::skip(std::uint64_t j) {
  std::lock_guard lock(skipped_mutex_);
  skipped_.push_back(j);
}

// The executions with index <= last, without a list of them: every position below the highest
// claimed was claimed (one shared counter hands them out), and a claimed position runs unless its
// claim found the exploration over (skipped_). So they are the positions up to last's, less the
// skipped ones among them.
std::uint64_t Exploration::counted_executions(const Found& found, std::uint64_t last) const {
  if (last == UINT64_MAX) return found.executions;
  if (parts_) return last + 1;  // merge_parts counted the executions before the failure
  const std::uint64_t position = (last - shard_.index) / shard_.count;
  std::uint64_t skipped = 0;
  for (std::uint64_t j : skipped_) skipped += j <= position;
  return position + 1 - skipped;
}

// How the child's execution ended, as that execution's result (nothing may run it here).
ExecutionResult crash_result(detail::ChildOutcome& child) {
  detail::forward_child_output(child);
  ExecutionResult r;
  r.steps = child.failure.step;
  r.failures.push_back(std::move(child.failure));
  r.decisions = std::move(child.decisions);
  r.ended_process = true;
  return r;
}

// One execution in this process, its strategy told of its end, and what it found recorded.
// False when the strategy covered its space.
bool Exploration::run_here(Worker& worker, detail::ThreadGuard& thread_guard, std::uint64_t index,
                           std::uint64_t seed) {
  record(worker.found, index, run_one(*worker.strategy, worker, thread_guard, index, seed));
  return !worker.strategy->exhausted();
}

// One execution under `strategy` with the worker's detectors, the strategy told of its end.
ExecutionResult Exploration::run_one(Strategy& strategy, Worker& worker,
                                     detail::ThreadGuard& thread_guard, std::uint64_t index,
                                     std::uint64_t seed) {
  thread_guard.begin_execution(index, seed);
  ExecutionResult r = detail::run_once(target_, options_, &strategy, worker.detectors, nullptr,
                                       strategy.step_observer());
  confirm_long_polls(target_, options_, seed, r, worker.detectors);
  thread_guard.end_execution();
  strategy.end_execution(ExecutionSummary{r.steps, r.decisions.size(), !r.failures.empty()});
  report_progress(worker);
  return r;
}

// A thread of a tree search: runs parts of the tree (see tree_parts.hpp) until none is left.
// An execution's index is known only once the parts before its own are done, so the crash guard
// is given the lowest it can be (its index when those parts have ended).
void Exploration::work_parts(Worker& worker, detail::ThreadSlot& slot) {
  detail::ThreadGuard thread_guard(slot);
  while (auto* part = parts_->take()) {
    std::uint64_t at_least = 0;
    while (!stop_requested()) {
      const std::optional<std::uint64_t> local =
          parts_->begin(*part, options_.iterations, &at_least);
      if (!local || !part->strategy->begin_execution(*local, 0)) break;
      ExecutionResult r = run_one(*part->strategy, worker, thread_guard, at_least,
                                  execution_seed(options_.seed, at_least));
      const bool failed = !r.failures.empty();
      record(part->found, *local, std::move(r));
      if (failed && !options_.all_failures) {
        parts_->failed(*part);
        break;
      }
    }
    parts_->finish(*part);
  }
}

void Exploration::work(Worker& worker, detail::ThreadSlot& slot) {
  if (parts_) {
    work_parts(worker, slot);
    return;
  }
  detail::ThreadGuard thread_guard(slot);
  if (options_.isolate && worker.strategy->independent_executions()) {
    work_isolated(worker, slot, thread_guard);
    return;
  }
  while (const std::optional<std::uint64_t> index = next_index()) {
    const std::uint64_t seed = execution_seed(options_.seed, *index);
    if (!worker.strategy->begin_execution(*index, seed)) {
      exhausted_ = true;
      skip(position(*index));
      return;
    }
    if (options_.isolate) {
      // A strategy that learns from each execution (DFS, DPOR) runs one per child: the child ran
      // on a copy of its state, this process runs the same execution on the original.
      detail::ChildOutcome child = detail::run_in_child(slot, [&] {
        thread_guard.begin_execution(*index, seed);
        detail::run_once(target_, options_, worker.strategy.get(), worker.detectors, nullptr,
                         worker.strategy->step_observer());
      });
      if (!child.survived) {
        report_progress(worker);
        record(worker.found, *index, crash_result(child));
        // The strategy never saw this execution's choices, so its search cannot go on.
        stopped_at_crash_ = true;
        return;
      }
    }
    if (!run_here(worker, thread_guard, *index, seed)) {
      exhausted_ = true;
      return;
    }
  }
}

// --isolate for a seeded strategy (execution k depends only on its seed): a child runs a batch of
// executions, and those before a crash run again here; the crash is recorded and the next batch
// begins after it. One fork per batch instead of one per execution (a fork costs about 1 ms).
void Exploration::work_isolated(Worker& worker, detail::ThreadSlot& slot,
                                detail::ThreadGuard& thread_guard) {
  constexpr std::size_t kBatch = 256;
  for (;;) {
    std::vector<std::uint64_t> batch;
    while (batch.size() < kBatch) {
      const std::optional<std::uint64_t> index = next_index();
      if (!index) break;
      batch.push_back(*index);
    }
    if (batch.empty()) return;
    for (std::size_t from = 0; from < batch.size();) {
      detail::ChildOutcome child = detail::run_in_child(slot, [&] {
        for (std::size_t k = from; k < batch.size(); ++k) {
          detail::set_child_progress(slot, k);
          const std::uint64_t seed = execution_seed(options_.seed, batch[k]);
          worker.strategy->begin_execution(batch[k], seed);
          thread_guard.begin_execution(batch[k], seed);
          detail::run_once(target_, options_, worker.strategy.get(), worker.detectors, nullptr,
                           worker.strategy->step_observer());
          thread_guard.end_execution();
        }
      });
      const std::size_t crashed = child.survived ? batch.size() : child.progress;
      for (std::size_t k = from; k < crashed; ++k) {
        const std::uint64_t seed = execution_seed(options_.seed, batch[k]);
        worker.strategy->begin_execution(batch[k], seed);
        run_here(worker, thread_guard, batch[k], seed);
      }
      if (child.survived) break;
      report_progress(worker);
      record(worker.found, batch[crashed], crash_result(child));
      from = crashed + 1;
      if (options_.all_failures) continue;
      // The first failure ends the exploration: the claims after it are not run.
      for (std::size_t k = from; k < batch.size(); ++k) skip(position(batch[k]));
      return;
    }
  }
}

// Every 256 executions, from the first worker, at most four times a second.
void Exploration::report_progress(const Worker& worker) {
  const std::uint64_t finished = done_.fetch_add(1) + 1;
  if (!progress_ || &worker != &workers_.front() || (finished & 255) != 0) return;
  std::lock_guard lock(progress_mutex_);
  auto now = Clock::now();
  if (now - last_progress_ > std::chrono::milliseconds(250)) {
    last_progress_ = now;
    progress_(Progress{finished, failures_seen_.load(),
                       std::chrono::duration<double>(now - started_).count()});
  }
}

void Exploration::record(Found& found, std::uint64_t index, ExecutionResult r) {
  ++found.executions;
  if (!r.ran_runtime && !r.ended_process) without_runtime_ = true;
  if ((index - shard_.index) / shard_.count < kDistinctWindow)
    found.hashes.emplace_back(index, hash_decisions(r.decisions));
  for (Failure& w : r.warnings) keep_lowest(found.warnings, w.signature(), index, std::move(w));
  for (ExecutionFact& f : r.facts)
    keep_lowest(found.facts, {f.detector, std::move(f.key)}, index, std::move(f.value));
  if (r.failures.empty()) return;
  std::uint64_t current = first_failure_.load();
  while (index < current && !first_failure_.compare_exchange_weak(current, index)) {
  }
  failures_seen_.fetch_add(1);
  ++found.failures;
  std::string signature = r.failures.front().signature();
  if (parts_) found.failing.emplace_back(index, signature);
  ++found.failing_by_signature[signature];
  keep_lowest(found.failure_signatures, signature, index, Failure(r.failures.front()));
  if (!found.first_failed || index < found.first_failed->first)
    found.first_failed.emplace(index, std::move(r));
}

void Exploration::run_workers(std::unique_ptr<Strategy> prototype, unsigned jobs,
                              detail::ExplorationGuard& guard) {
  workers_.resize(jobs);
  for (unsigned w = 0; w < jobs; ++w) {
    workers_[w].strategy = w == 0 ? std::move(prototype) : workers_[0].strategy->clone();
    workers_[w].detectors = make_detectors(options_, DetectorMode::find);
  }
  if (jobs == 1) {
    work(workers_[0], guard.slot(0));
    return;
  }
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < jobs; ++w)
    threads.emplace_back([this, w, &guard] { work(workers_[w], guard.slot(w)); });
  for (auto& t : threads) t.join();
}

Found Exploration::merge_workers() {
  Found all;
  for (Worker& w : workers_) merge_into(all, w.found);
  std::sort(all.hashes.begin(), all.hashes.end());
  return all;
}

// What the parts of a tree search found, in the one-thread search's order and indices: the
// executions of each part follow those of the parts before it, and the executions past the
// budget, or past the first failure (unless all failures are wanted), are left out. Sets
// exhausted_ when every part was run to its end.
Found Exploration::merge_parts() {
  Found all;
  std::uint64_t base = 0;
  std::uint64_t end = options_.iterations;  // executions from here on are not counted
  bool complete = true;
  for (auto& part : parts_->parts()) {
    Found& f = part.found;
    std::uint64_t n = end > base ? std::min(part.ran, end - base) : 0;
    if (!options_.all_failures && f.first_failed && f.first_failed->first < n) {
      n = f.first_failed->first + 1;
      end = base + n;
    }
    // A part that ran past the budget (before an earlier part grew) is not complete for the
    // one-thread search, which stopped inside it.
    part.counted = n;
    complete = complete && part.counted_in_full();
    all.executions += n;
    for (const auto& [local, hash] : f.hashes)
      if (local < n && base + local < kDistinctWindow) all.hashes.emplace_back(base + local, hash);
    for (auto& [signature, first] : f.warnings)
      if (first.first < n)
        keep_lowest(all.warnings, signature, base + first.first, std::move(first.second));
    for (auto& [key, first] : f.facts)
      if (first.first < n) keep_lowest(all.facts, key, base + first.first, std::move(first.second));
    for (auto& [signature, first] : f.failure_signatures)
      if (first.first < n)
        keep_lowest(all.failure_signatures, signature, base + first.first, std::move(first.second));
    for (const auto& [local, signature] : f.failing) {
      if (local >= n) continue;
      ++all.failures;
      ++all.failing_by_signature[signature];
    }
    if (f.first_failed && f.first_failed->first < n && !all.first_failed)
      all.first_failed.emplace(base + f.first_failed->first, std::move(f.first_failed->second));
    base += part.ran;
  }
  exhausted_ = complete;
  return all;
}

// The bound a tree search covered, as the one-thread search would report it where it ended: the
// lowest of the parts it ran to their end and of the part it ended in, as that part's strategy
// stood after the executions the one-thread search ran there. (exhaustive and dfs-iterative report
// the bound of their last complete pass even when a later pass was cut; a part that does not go on
// to the next pass reports no limit once it has ended, and the part that does reports the bound.)
std::optional<std::int64_t> Exploration::covered_by_parts() {
  std::optional<std::int64_t> covered;
  for (auto& part : parts_->parts()) {
    std::optional<std::int64_t> b;
    if (part.counted == part.ran && !part.stopped) {
      b = part.strategy->covered_bound();
    } else {
      for (const auto& [ran, bound] : part.covered)
        if (ran <= part.counted) b = bound;
    }
    if (!b) return std::nullopt;
    covered = covered ? std::min(*covered, *b) : *b;
    if (!part.counted_in_full()) break;
  }
  return covered;
}

// Count what a one-thread run would have counted: executions up to the first failure (`last`),
// and the distinct schedules among those in the window.
void Exploration::count_executions(const Found& found, std::uint64_t last,
                                   ExploreReport& report) const {
  report.executions = counted_executions(found, last);
  std::vector<std::uint64_t> distinct;
  for (const auto& [index, hash] : found.hashes) {
    if (index > last) break;
    distinct.push_back(hash);
  }
  report.distinct_window = report.executions > kDistinctWindow ? kDistinctWindow : 0;
  std::sort(distinct.begin(), distinct.end());
  report.distinct_schedules =
      static_cast<std::uint64_t>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
}

// The warnings of the executions counted, in execution order, then those across executions.
void Exploration::add_warnings(Found& found, std::uint64_t last, ExploreReport& report) const {
  std::vector<std::pair<std::uint64_t, Failure>> kept;
  for (auto& [signature, warning] : found.warnings)
    if (warning.first <= last) kept.push_back(std::move(warning));
  std::stable_sort(kept.begin(), kept.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [index, warning] : kept) {
    report.notes.push_back("warning (not a failure) in execution " + std::to_string(index) + ": " +
                           warning.describe());
    report.warnings.push_back(std::move(warning));
  }
  // Only a clean exploration is worth this warning: a failing one stops at its first failure,
  // and an execution with its own cycle has already failed.
  if (found.first_failed) return;
  for (Failure& warning : across_executions(options_, found.facts, last)) {
    report.notes.push_back("warning (not a failure): " + warning.describe());
    report.warnings.push_back(std::move(warning));
  }
}

// The failing executions and distinct failures among those counted (other threads may have gone
// past the first failure), by lowest execution.
//
// Past the first failure only --all-failures counts (and then `last` is UINT64_MAX): without it
// the one counted is the lowest failing execution, `last` itself.
void count_failures(Found& found, const ExploreOptions& options, std::uint64_t last,
                    ExploreReport& report) {
  const bool all = last == UINT64_MAX;
  report.failing_executions = all ? found.failures : found.first_failed ? 1 : 0;
  for (auto& [signature, first] : found.failure_signatures) {
    if (first.first > last) continue;
    const std::uint64_t count = all ? found.failing_by_signature[signature] : 1;
    report.signatures.push_back(FailureSignature{std::move(first.second), count, first.first,
                                                 execution_seed(options.seed, first.first)});
  }
  std::sort(report.signatures.begin(), report.signatures.end(),
            [](const auto& a, const auto& b) { return a.lowest_execution < b.lowest_execution; });
}

// The exploration found the failure; the replay, with explaining detectors, explains it. A replay
// that disagrees with the execution makes the report a nondeterminism failure.
void Exploration::explain(std::uint64_t index, const ExecutionResult& result,
                          ExploreReport& report) const {
  report.failing_execution = index;
  report.failing_seed = execution_seed(options_.seed, index);
  Trace trace = base_trace(options_, target_, *workers_[0].strategy);
  trace.seed = report.failing_seed;
  trace.execution = index;
  trace.decisions = result.decisions;
  // A crash's replay runs in a child process too (replay() isolates a trace that recorded one).
  if (result.ended_process) trace.failure = result.failures.front();
  ReplayResult replayed = replay(trace, target_, options_);
  // A long poll is wall time: its absence from this replay says nothing about determinism (the
  // exploration confirmed it by a replay of its own).
  const bool same = scheduled_signature(replayed.failures) == scheduled_signature(result.failures);
  report.failures = same && !replayed.failures.empty() ? replayed.failures : result.failures;
  report.trace = std::move(replayed.trace);
  if (!report.trace->failure) report.trace->failure = report.failures.front();
  const std::optional<std::string> difference =
      nondeterminism(trace, same, replayed.mismatch, *report.trace);
  if (!difference) return;
  const Failure f = nondeterminism_failure(result.failures.front(), *difference);
  report.failures.insert(report.failures.begin(), f);
  report.trace->failure = f;
}

// Why the failing execution is not deterministic, or none: the explaining replay (`same`,
// `mismatch`) and, with --check-determinism, a second replay whose events must equal the first's
// (`recorded`).
std::optional<std::string> Exploration::nondeterminism(const Trace& trace, bool same,
                                                       const std::optional<std::string>& mismatch,
                                                       const Trace& recorded) const {
  if (mismatch) return *mismatch;
  if (!same) return "replaying the same decisions gave a different failure";
  if (!options_.check_determinism) return std::nullopt;
  ReplayResult again = replay(trace, target_, options_);
  if (scheduled_events(again.trace.events) != scheduled_events(recorded.events) || again.mismatch)
    return "replaying the same decisions twice gave different events";
  return std::nullopt;
}

ExploreReport Exploration::run() {
  ExploreReport report;
  const StrategyEntry& entry = selected_strategy(options_);
  const nlohmann::json params = strategy_parameters(options_, target_, entry);
  report.strategy = strategy_description(entry, params);
  report.pct_steps = params.is_object() ? params.value("steps", std::uint64_t{0}) : 0;
  auto prototype = build_strategy(entry, params);
  const bool parallel = options_.jobs > 1 && prototype->independent_executions();
  // A tree search splits its tree (not under --isolate, which forks each execution from the
  // strategy's state, nor --shard, which splits executions by index).
  const bool tree = options_.jobs > 1 && !parallel && prototype->splittable() &&
                    !options_.isolate && shard_.count == 1;
  const unsigned jobs = parallel || tree ? options_.jobs : 1;
  if (tree) parts_ = std::make_unique<detail::TreeParts<Found>>(prototype->clone());

  // Both live until the report is made: the explaining replay is part of the exploration.
  detail::StopSignals stop_signals;
  detail::ExplorationGuard guard(crash_context(options_, target_, entry, params, prototype.get()),
                                 jobs);
  run_workers(std::move(prototype), jobs, guard);
  Found found = parts_ ? merge_parts() : merge_workers();
  if (parts_) report.tree_parts = parts_->parts().size();
  if (options_.jobs > 1 && jobs == 1)
    report.notes.push_back("--jobs " + std::to_string(options_.jobs) + ": " + report.strategy +
                           " ran on one thread (" +
                           one_thread_reason(*workers_[0].strategy, options_) + ")");
  report.exhausted = exhausted_ && !budget_hit_;
  report.covered_bound = parts_ ? covered_by_parts() : workers_[0].strategy->covered_bound();
  report.cut_by_time_budget = budget_hit_;
  report.stopped_by_signal = detail::StopSignals::requested();
  if (without_runtime_)
    report.notes.push_back(
        "the body ran no weft::Runtime and no weft operation, so there was nothing to explore: "
        "weft explores code that runs on its runtime and types (std::thread, std::mutex and the "
        "like through weft::sim)");
  if (stopped_at_crash_ && options_.all_failures)
    report.notes.push_back(report.strategy +
                           " cannot go past an execution that ended its process: the "
                           "exploration stopped at the first crash");

  std::uint64_t last = options_.all_failures ? UINT64_MAX : first_failure_.load();
  if (parts_ && !options_.all_failures)
    last = found.first_failed ? found.first_failed->first : UINT64_MAX;
  count_executions(found, last, report);
  add_warnings(found, last, report);
  count_failures(found, options_, last, report);
  if (found.first_failed) explain(found.first_failed->first, found.first_failed->second, report);
  report.seconds = detail::seconds_since(started_);
  return report;
}

}  // namespace

ExploreReport explore(const ExploreOptions& options, const ExploreTarget& target,
                      const ProgressFn& progress) {
  validate(options);
  detail::apply_source_root(options);
  return Exploration(options, target, progress).run();
}

}  // namespace weft
