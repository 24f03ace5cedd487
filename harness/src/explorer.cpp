// The exploration loop, replay and shrinking. Executions are independent runs of the body under
// a recording chooser; the first failing one (lowest index, whatever --jobs) becomes the trace.
#include "weft/harness/explorer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "crash_guard.hpp"
#include "stop_signals.hpp"
#include "weft/check.hpp"
#include "weft/detail/scheduler_api.hpp"
#include "weft/harness/decision.hpp"
#include "weft/harness/detectors.hpp"
#include "weft/harness/event_log.hpp"
#include "weft/harness/random.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"
#include "weft/task.hpp"

namespace weft {
namespace {

using Clock = std::chrono::steady_clock;  // wall time for budgets and reports only

// Steps of the execution so far. Every block_on ends with shutdown_end, its runtime's last and
// highest step, so that event is enough.
class StepCounter final : public Observer {
 public:
  void on_event(const Event& e) override { steps = std::max(steps, e.step); }
  EventMask interests() const override { return event_bit(EventKind::shutdown_end); }
  std::uint64_t steps = 0;
};

struct ExecutionResult {
  std::vector<Failure> failures;
  std::vector<Failure> warnings;
  std::vector<ExecutionFact> facts;
  std::vector<Decision> decisions;
  std::uint64_t steps = 0;
  std::uint64_t fingerprint = 0;
};

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

// Everything one thread needs to run executions, and what its executions gave. Each worker
// keeps its own results, merged by execution index at the end, so that an execution costs no
// lock and no shared map insertion.
struct Worker {
  std::unique_ptr<Strategy> strategy;
  std::vector<std::unique_ptr<Detector>> detectors;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> hashes;  // (index, schedule hash)
  // Failing executions: every index, but only the lowest one's result (all a report uses), so
  // that a long --all-failures campaign does not keep every failing schedule.
  std::vector<std::uint64_t> failed_indices;
  std::optional<std::pair<std::uint64_t, ExecutionResult>> first_failed;
  FirstSeen<std::string, Failure> warnings;  // by signature
  FirstSeenFacts facts;                      // by (detector, key)
  // Failing executions by their first failure's signature: the lowest one's failure and every
  // index (to count only those a one-thread run would have run).
  FirstSeen<std::string, Failure> failure_signatures;
  std::map<std::string, std::vector<std::uint64_t>> failing_by_signature;
};

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

Flavor effective_flavor(const ExploreOptions& options, const ExploreTarget& target) {
  if (!options.flavor.empty())
    if (auto f = parse_flavor(options.flavor)) return *f;
  return target.flavor;
}

// The body failed because a join rethrew a task's panic (perhaps through several joins): the cause
// is that task's failure, so the report names it, its message and, for a failed check, its site,
// and the signature is the cause's rather than a bare body_failure||?.
struct JoinedCause {
  TaskId task = kNoTask;
  std::string name;
  std::string message;
  Location where;
};

JoinedCause joined_cause(const JoinError& error) {
  JoinedCause cause{error.task(), error.task_name(), "panicked", Location{}};
  std::exception_ptr inner = error.panic();
  for (int depth = 0; inner && depth < 64; ++depth) {
    std::exception_ptr next;
    try {
      std::rethrow_exception(inner);
    } catch (const JoinError& e) {  // it failed because a task it joined did
      if (e.is_panic()) {
        cause.task = e.task();
        cause.name = e.task_name();
        next = e.panic();
      } else {
        cause.message = std::string("panicked: ") + e.what();
      }
    } catch (const CheckFailure& e) {
      cause.message = std::string("failed a check: ") + e.what();
      cause.where = Location::from(e.where());
    } catch (const std::exception& e) {
      cause.message = std::string("panicked: ") + e.what();
    } catch (...) {
    }
    inner = next;
  }
  return cause;
}

ExecutionResult run_once(const ExploreTarget& target, const ExploreOptions& options,
                         Chooser* chooser, std::vector<std::unique_ptr<Detector>>& detectors,
                         EventLog* log, Observer* extra = nullptr) {
  ExecutionResult result;
  std::optional<RecordingChooser> recorder;
  if (chooser) recorder.emplace(*chooser, 64);
  // A hang or crash report writes the decisions so far.
  detail::watch_decisions(recorder ? &recorder->decisions() : nullptr);
  StepCounter counter;
  ObserverFanout fanout;
  fanout.add(&counter);
  for (auto& d : detectors) {
    d->begin_execution();
    fanout.add(d.get());
  }
  if (log) fanout.add(log);
  if (extra) fanout.add(extra);

  detail::ExplorationHooks hooks;
  hooks.chooser = recorder ? &*recorder : nullptr;
  hooks.observer = &fanout;
  hooks.flavor = effective_flavor(options, target);
  hooks.max_steps = options.max_steps;
  hooks.max_virtual_time = std::chrono::milliseconds(options.max_virtual_time_ms);
  hooks.leak_grace = leak_grace(options);
  hooks.long_poll = std::chrono::milliseconds(options.long_poll_ms);  // for the long-poll detector
  hooks.spurious_wakeups = options.spurious_wakeups;

  BodyOutcome outcome;
  auto body_failure = [&](std::string message, Location where) {
    Failure f;
    f.kind = FailureKind::body_failure;
    f.message = "the test body failed: " + std::move(message);
    f.where = std::move(where);
    f.step = counter.steps;
    outcome.failure = std::move(f);
  };
  {
    detail::ScopedExplorationHooks scope(hooks);
    try {
      // A body that is plain code (no weft::Runtime of its own) meets its first operation
      // outside a task: it runs again from the start as the root task ("main") of a runtime.
      bool implicit_root = false;
      try {
        target.body();
      } catch (const detail::ImplicitRootNeeded&) {
        implicit_root = true;
      }
      if (implicit_root) {
        Runtime rt;
        rt.block_on(target.body, SourceLocation{});
      }
    } catch (const ExecutionStopped&) {
      // The stop detector explains deadlocks and hangs with the runtime's state at the time.
    } catch (const CheckFailure& e) {
      body_failure(e.what(), Location::from(e.where()));
    } catch (const JoinError& e) {
      if (e.is_panic()) {
        JoinedCause cause = joined_cause(e);
        body_failure("task '" + cause.name + "' (#" + std::to_string(cause.task) + ") " +
                         cause.message + ", and joining it rethrew that failure",
                     std::move(cause.where));
        outcome.failure->task = cause.task;
        outcome.failure->task_name = std::move(cause.name);
      } else {
        body_failure(e.what(), Location{});
      }
    } catch (const std::exception& e) {
      body_failure(e.what(), Location{});
    } catch (...) {
      body_failure("unknown exception", Location{});
    }
  }
  Findings findings;
  for (auto& d : detectors) d->end_execution(outcome, findings);
  result.failures = std::move(findings.failures);
  result.warnings = std::move(findings.warnings);
  result.facts = std::move(findings.facts);
  const bool root_reported =
      std::any_of(result.failures.begin(), result.failures.end(),
                  [](const Failure& f) { return f.kind == FailureKind::body_failure; });
  if (outcome.failure && !root_reported) result.failures.push_back(*outcome.failure);
  auto by_step = [](const Failure& a, const Failure& b) { return a.step < b.step; };
  std::stable_sort(result.failures.begin(), result.failures.end(), by_step);
  std::stable_sort(result.warnings.begin(), result.warnings.end(), by_step);
  detail::watch_decisions(nullptr);
  if (recorder) result.decisions = recorder->take();
  result.steps = counter.steps;
  if (log) result.fingerprint = log->fingerprint();
  return result;
}

ExploreOptions options_for_trace(const Trace& trace, const ExploreOptions& base) {
  ExploreOptions o = base;
  o.flavor = std::string(to_string(trace.flavor));
  if (trace.max_steps) o.max_steps = trace.max_steps;
  o.spurious_wakeups = trace.spurious_wakeups.value_or(UINT32_MAX);  // older traces: no limit
  o.max_virtual_time_ms = static_cast<std::uint64_t>(trace.max_virtual_time_ns / 1000000);
  if (const auto& d = trace.detectors) {
    o.lock_order = d->lock_order;
    o.leaks = d->leaks;
    o.leak_grace_ms = d->leak_grace_ms;
    o.long_poll_ms = d->long_poll_ms;
  }
  return o;
}

// The user's source root, when the options name one, applies to every failure located from now on.
void apply_source_root(const ExploreOptions& options) {
  if (!options.source_root.empty()) set_source_root(options.source_root);
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
  const ExecutionResult again = run_once(target, options, &chooser, detectors, nullptr);
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
  c.rerun = rerun_hint(reporting.explore_command, target.name,
                       to_string(effective_flavor(options, target)), entry, parameters);
  return c;
}

// The parameters of the selected strategy for this exploration, from its entry; runs that the
// entry asks for (PCT's calibration) run inside a crash guard of their own, so that a crash in
// one is reported like one in an execution (the rerun command reruns the calibration too).
nlohmann::json strategy_parameters(const ExploreOptions& options, const ExploreTarget& target,
                                   const StrategyEntry& entry) {
  if (!entry.parameters) return nlohmann::json::object();
  // The options as given (pct: --pct-steps 0, measured): the rerun command calibrates again.
  nlohmann::json given = nlohmann::json::object();
  for (const OptionRow& row : entry.options)
    if (!row.parameter.empty())
      given[std::string(row.parameter)] = nlohmann::json::parse(row.get(options), nullptr, false);
  detail::ExplorationContext context = crash_context(options, target, entry, given, nullptr);
  context.strategy += ", calibration run";
  detail::ExplorationGuard guard(std::move(context), 1);
  detail::ThreadGuard thread_guard(guard.slot(0));
  std::vector<std::unique_ptr<Detector>> none;
  std::uint64_t run = 0;
  ExplorationProbe probe;
  probe.schedule_decisions = [&](Chooser& chooser) {
    thread_guard.begin_execution(run++, options.seed);
    ExecutionResult r = run_once(target, options, &chooser, none, nullptr);
    thread_guard.end_execution();
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

std::vector<Decision> trim_defaults(std::vector<Decision> decisions) {
  while (!decisions.empty() && decisions.back().index == 0) decisions.pop_back();
  return decisions;
}

}  // namespace

Trace base_trace(const ExploreOptions& options, const ExploreTarget& target,
                 const Strategy& strategy) {
  Trace t = base_trace(options, target);
  t.strategy = strategy.name();
  t.strategy_parameters = strategy.parameters();
  return t;
}

Trace base_trace(const ExploreOptions& options, const ExploreTarget& target) {
  Trace t;
  t.scenario = target.name;
  t.flavor = effective_flavor(options, target);
  t.max_steps = options.max_steps;
  t.spurious_wakeups = options.spurious_wakeups;
  t.max_virtual_time_ns =
      std::chrono::nanoseconds(std::chrono::milliseconds(options.max_virtual_time_ms)).count();
  t.detectors = TraceDetectors{options.lock_order, options.leaks, options.leak_grace_ms,
                               options.long_poll_ms};
  return t;
}

std::size_t count_preemptions(const std::vector<Decision>& decisions) {
  return static_cast<std::size_t>(std::count_if(decisions.begin(), decisions.end(),
                                                [](const Decision& d) { return d.preemption; }));
}

ExecutionRecord run_execution(const ExploreOptions& options, const ExploreTarget& target,
                              Chooser& chooser, Observer* extra) {
  apply_source_root(options);
  auto detectors = make_detectors(options);
  ExecutionResult r = run_once(target, options, &chooser, detectors, nullptr, extra);
  return ExecutionRecord{std::move(r.failures), std::move(r.decisions), r.steps};
}

ReplayResult replay(const Trace& trace, const ExploreTarget& target, const ExploreOptions& base) {
  ExploreOptions options = options_for_trace(trace, base);
  apply_source_root(options);
  Replay chooser(trace.decisions);
  chooser.begin_execution(0, trace.seed);
  auto detectors = make_detectors(options);
  EventLog log;
  detail::ExplorationContext context;
  context.scenario = trace.scenario;
  context.strategy = trace.strategy;
  context.replaying = "a trace";  // replay() has no file name; the CLI printed it
  context.write_traces = false;
  context.watchdog_seconds = options.watchdog;
  detail::ExplorationGuard guard(std::move(context), 1);
  detail::ThreadGuard thread_guard(guard.slot(0));
  thread_guard.begin_execution(trace.execution, trace.seed);
  ExecutionResult r = run_once(target, options, &chooser, detectors, &log);
  thread_guard.end_execution();
  ReplayResult out;
  out.failures = std::move(r.failures);
  out.mismatch = chooser.mismatch();
  out.trace = trace;
  out.trace.failure = out.failures.empty() ? std::nullopt : std::optional(out.failures.front());
  out.trace.events = log.events();
  out.trace.tasks = log.tasks();
  out.trace.events_truncated = log.truncated();
  return out;
}

ExploreReport explore(const ExploreOptions& options, const ExploreTarget& target,
                      const ProgressFn& progress) {
  validate(options);
  apply_source_root(options);
  const auto started = Clock::now();
  const Shard shard = parse_shard(options.shard);
  ExploreReport report;
  const StrategyEntry& entry = selected_strategy(options);
  const nlohmann::json params = strategy_parameters(options, target, entry);
  report.strategy = strategy_description(entry, params);
  report.pct_steps = params.is_object() ? params.value("steps", std::uint64_t{0}) : 0;
  auto prototype = build_strategy(entry, params);
  const bool parallel = options.jobs > 1 && prototype->independent_executions();
  const unsigned jobs = parallel ? options.jobs : 1;

  auto over_budget = [&] {
    return options.time_budget > 0 &&
           std::chrono::duration<double>(Clock::now() - started).count() >= options.time_budget;
  };

  std::mutex progress_mutex;
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> failures_seen{0};
  std::atomic<std::uint64_t> first_failure{UINT64_MAX};
  std::atomic<bool> exhausted{false};
  std::atomic<bool> budget_hit{false};
  std::atomic<std::uint64_t> done{0};
  auto last_progress = started;

  std::vector<Worker> workers(jobs);
  detail::StopSignals stop_signals;
  detail::ExplorationGuard guard(crash_context(options, target, entry, params, prototype.get()),
                                 jobs);
  auto work = [&](Worker& worker) {
    detail::ThreadGuard thread_guard(guard.slot(static_cast<unsigned>(&worker - workers.data())));
    for (;;) {
      const std::uint64_t j = next.fetch_add(1);
      if (j >= options.iterations) return;
      const std::uint64_t index = shard.index + j * shard.count;
      if (!options.all_failures && index > first_failure.load()) return;
      if (over_budget()) {
        budget_hit = true;
        return;
      }
      if (detail::StopSignals::requested() != 0) return;
      const std::uint64_t seed = execution_seed(options.seed, index);
      if (!worker.strategy->begin_execution(index, seed)) {
        exhausted = true;
        return;
      }
      thread_guard.begin_execution(index, seed);
      ExecutionResult r = run_once(target, options, worker.strategy.get(), worker.detectors,
                                   nullptr, worker.strategy->step_observer());
      confirm_long_polls(target, options, seed, r, worker.detectors);
      thread_guard.end_execution();
      worker.strategy->end_execution(
          ExecutionSummary{r.steps, r.decisions.size(), !r.failures.empty()});
      const std::uint64_t finished = done.fetch_add(1) + 1;
      if (progress && &worker == &workers.front() && (finished & 255) == 0) {
        std::lock_guard lock(progress_mutex);
        auto now = Clock::now();
        if (now - last_progress > std::chrono::milliseconds(250)) {
          last_progress = now;
          progress(Progress{finished, failures_seen.load(),
                            std::chrono::duration<double>(now - started).count()});
        }
      }
      worker.hashes.emplace_back(index, hash_decisions(r.decisions));
      for (Failure& w : r.warnings)
        keep_lowest(worker.warnings, w.signature(), index, std::move(w));
      for (ExecutionFact& f : r.facts)
        keep_lowest(worker.facts, {f.detector, std::move(f.key)}, index, std::move(f.value));
      if (!r.failures.empty()) {
        std::uint64_t current = first_failure.load();
        while (index < current && !first_failure.compare_exchange_weak(current, index)) {
        }
        failures_seen.fetch_add(1);
        worker.failed_indices.push_back(index);
        std::string signature = r.failures.front().signature();
        worker.failing_by_signature[signature].push_back(index);
        keep_lowest(worker.failure_signatures, std::move(signature), index,
                    Failure(r.failures.front()));
        if (!worker.first_failed || index < worker.first_failed->first)
          worker.first_failed.emplace(index, std::move(r));
      }
      if (worker.strategy->exhausted()) {
        exhausted = true;
        return;
      }
    }
  };

  for (unsigned w = 0; w < jobs; ++w) {
    workers[w].strategy = w == 0 ? std::move(prototype) : workers[0].strategy->clone();
    workers[w].detectors = make_detectors(options, DetectorMode::find);
  }
  if (jobs == 1) {
    work(workers[0]);
  } else {
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < jobs; ++w) threads.emplace_back(work, std::ref(workers[w]));
    for (auto& t : threads) t.join();
  }
  report.exhausted = exhausted && !budget_hit;
  report.covered_bound = workers[0].strategy->covered_bound();
  report.cut_by_time_budget = budget_hit;
  report.stopped_by_signal = detail::StopSignals::requested();

  // Merge what the workers found, by execution index.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> hashes;
  std::vector<std::uint64_t> failed_indices;
  std::optional<std::pair<std::uint64_t, ExecutionResult>> first_failed;
  FirstSeen<std::string, Failure> warnings;
  FirstSeenFacts facts;
  FirstSeen<std::string, Failure> failure_signatures;
  std::map<std::string, std::vector<std::uint64_t>> failing_by_signature;
  for (Worker& w : workers) {
    for (auto& [signature, first] : w.failure_signatures)
      keep_lowest(failure_signatures, signature, first.first, std::move(first.second));
    for (auto& [signature, indices] : w.failing_by_signature) {
      auto& all = failing_by_signature[signature];
      all.insert(all.end(), indices.begin(), indices.end());
    }
    hashes.insert(hashes.end(), w.hashes.begin(), w.hashes.end());
    failed_indices.insert(failed_indices.end(), w.failed_indices.begin(), w.failed_indices.end());
    if (w.first_failed && (!first_failed || w.first_failed->first < first_failed->first))
      first_failed = std::move(w.first_failed);
    for (auto& [signature, first] : w.warnings)
      keep_lowest(warnings, signature, first.first, std::move(first.second));
    for (auto& [key, first] : w.facts)
      keep_lowest(facts, key, first.first, std::move(first.second));
  }
  std::sort(hashes.begin(), hashes.end());

  // Count what a one-thread run would have counted: executions up to the first failure.
  const std::uint64_t last = options.all_failures ? UINT64_MAX : first_failure.load();
  std::vector<std::uint64_t> distinct;
  for (auto& [index, hash] : hashes) {
    if (index > last) break;
    ++report.executions;
    distinct.push_back(hash);
  }
  std::sort(distinct.begin(), distinct.end());
  report.distinct_schedules =
      static_cast<std::uint64_t>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
  std::vector<std::pair<std::uint64_t, Failure>> kept;
  for (auto& [signature, warning] : warnings)
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
  if (!first_failed)
    for (Failure& warning : across_executions(options, facts, last)) {
      report.notes.push_back("warning (not a failure): " + warning.describe());
      report.warnings.push_back(std::move(warning));
    }
  // Counted up to the first failure, like executions (other threads may have gone past it).
  report.failing_executions =
      static_cast<std::uint64_t>(std::count_if(failed_indices.begin(), failed_indices.end(),
                                               [&](std::uint64_t index) { return index <= last; }));
  for (auto& [signature, first] : failure_signatures) {
    if (first.first > last) continue;
    const auto& indices = failing_by_signature[signature];
    report.signatures.push_back(FailureSignature{
        std::move(first.second),
        static_cast<std::uint64_t>(std::count_if(indices.begin(), indices.end(),
                                                 [&](std::uint64_t i) { return i <= last; })),
        first.first, execution_seed(options.seed, first.first)});
  }
  std::sort(report.signatures.begin(), report.signatures.end(),
            [](const auto& a, const auto& b) { return a.lowest_execution < b.lowest_execution; });
  if (first_failed) {
    auto& [index, result] = *first_failed;
    report.failing_execution = index;
    report.failing_seed = execution_seed(options.seed, index);
    Trace trace = base_trace(options, target, *workers[0].strategy);
    trace.seed = report.failing_seed;
    trace.execution = index;
    trace.decisions = result.decisions;
    // The exploration found the failure; the replay, with explaining detectors, explains it.
    ReplayResult replayed = replay(trace, target, options);
    // A long poll is wall time: its absence from this replay says nothing about determinism (the
    // exploration confirmed it by a replay of its own).
    const bool same =
        scheduled_signature(replayed.failures) == scheduled_signature(result.failures);
    report.failures = same && !replayed.failures.empty() ? replayed.failures : result.failures;
    report.trace = std::move(replayed.trace);
    if (!report.trace->failure) report.trace->failure = report.failures.front();
    bool deterministic = same && !replayed.mismatch;
    std::string difference = replayed.mismatch ? *replayed.mismatch
                                               : "replaying the same decisions gave a different "
                                                 "failure";
    if (deterministic && options.check_determinism) {
      ReplayResult again = replay(trace, target, options);
      if (scheduled_events(again.trace.events) != scheduled_events(report.trace->events) ||
          again.mismatch) {
        deterministic = false;
        difference = "replaying the same decisions twice gave different events";
      }
    }
    if (!deterministic) {
      Failure f;
      f.kind = FailureKind::nondeterminism;
      f.message = "the code under test is not deterministic: " + difference +
                  " (it may read the real clock, use an unseeded random source, or share state "
                  "between executions)";
      f.task = result.failures.front().task;
      f.task_name = result.failures.front().task_name;
      f.where = result.failures.front().where;
      f.step = result.failures.front().step;
      report.failures.insert(report.failures.begin(), f);
      report.trace->failure = f;
    }
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return report;
}

ShrinkResult shrink(const Trace& input, const ExploreTarget& target, const ExploreOptions& base,
                    const ShrinkProgressFn& progress) {
  if (!input.failure) throw TraceError("the trace records no failure to shrink");
  const auto started = Clock::now();
  const ExploreOptions options = options_for_trace(input, base);
  apply_source_root(options);
  const std::string signature = input.failure->signature();
  ShrinkResult out;
  auto detectors = make_detectors(options, DetectorMode::find);
  constexpr std::size_t kMaxAttempts = 20000;
  auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  auto out_of_budget = [&] {
    return out.attempts >= kMaxAttempts || (base.time_budget > 0 && seconds() >= base.time_budget);
  };
  std::vector<Decision> best;
  auto last_progress = started;
  auto report_progress = [&] {
    if (!progress) return;
    const auto now = Clock::now();
    if (now - last_progress < std::chrono::milliseconds(250)) return;
    last_progress = now;
    progress(ShrinkProgress{out.attempts, count_preemptions(best), best.size(), seconds()});
  };

  // Runs a candidate list (missing decisions default to 0); on the same failure returns the
  // decisions actually taken, without trailing defaults.
  auto attempt = [&](const std::vector<Decision>& decisions,
                     std::uint64_t* steps) -> std::optional<std::vector<Decision>> {
    ++out.attempts;
    report_progress();
    Replay chooser(decisions, true);
    chooser.begin_execution(0, input.seed);
    ExecutionResult r = run_once(target, options, &chooser, detectors, nullptr);
    if (r.failures.empty() || r.failures.front().signature() != signature) return std::nullopt;
    if (steps) *steps = r.steps;
    return trim_defaults(r.decisions);
  };
  auto deviations = [](const std::vector<Decision>& d) {
    return static_cast<std::size_t>(
        std::count_if(d.begin(), d.end(), [](const Decision& x) { return x.index != 0; }));
  };
  // Smaller: fewer preemptions, then fewer non-default answers, then fewer decisions.
  auto smaller = [&](const std::vector<Decision>& a, const std::vector<Decision>& b) {
    const std::size_t pa = count_preemptions(a), pb = count_preemptions(b);
    if (pa != pb) return pa < pb;
    const std::size_t da = deviations(a), db = deviations(b);
    if (da != db) return da < db;
    return a.size() < b.size();
  };

  std::uint64_t steps = 0;
  auto start = attempt(input.decisions, &steps);
  if (!start) throw TraceError("the trace does not reproduce its failure (" + signature + ")");
  best = *start;
  out.decisions_before = input.decisions.size();
  out.preemptions_before = count_preemptions(input.decisions);
  out.steps_before = steps;

  // 1. Delta debugging (Zeller, Hildebrandt 2002) over the non-default answers: turn chunks of
  // them into the default answer, halving the chunks when none can go. A deep trace with dozens
  // of preemptions loses most of them in a few hundred replays, where trying one at a time (or a
  // bounded search per preemption count) costs a replay per answer per pass.
  for (std::size_t parts = 2; !out_of_budget();) {
    std::vector<std::size_t> answers;
    for (std::size_t i = 0; i < best.size(); ++i)
      if (best[i].index != 0) answers.push_back(i);
    if (answers.empty()) break;
    parts = std::min(parts, answers.size());
    const std::size_t chunk = (answers.size() + parts - 1) / parts;
    bool reduced = false;
    // Latest chunks first: the end of a schedule is where the failure is made.
    for (std::size_t end = answers.size(); end > 0 && !out_of_budget();) {
      const std::size_t begin = end > chunk ? end - chunk : 0;
      std::vector<Decision> candidate = best;
      for (std::size_t k = begin; k < end; ++k) {
        candidate[answers[k]].index = 0;
        candidate[answers[k]].task = kNoTask;
      }
      std::uint64_t s = 0;
      if (auto kept = attempt(candidate, &s); kept && smaller(*kept, best)) {
        best = std::move(*kept);
        steps = s;
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

  // 2. Fewest preemptions by iterative context bounding (CHESS): a bounded search for the same
  // failure with 0, 1, 2 preemptions, when the schedule still has more (each bound a few
  // thousand executions at most).
  constexpr std::size_t kSearchBounds = 3;
  constexpr std::uint64_t kSearchPerBound = 2000;
  for (std::size_t bound = 0;
       bound < std::min(count_preemptions(best), kSearchBounds) && !out_of_budget(); ++bound) {
    Dfs dfs(DfsOptions{static_cast<int>(bound), kSearchPerBound, false});
    bool found = false;
    for (std::uint64_t i = 0; !out_of_budget() && dfs.begin_execution(i, input.seed); ++i) {
      ExecutionResult r = run_once(target, options, &dfs, detectors, nullptr);
      dfs.end_execution(ExecutionSummary{r.steps, r.decisions.size(), !r.failures.empty()});
      ++out.attempts;
      report_progress();
      if (!r.failures.empty() && r.failures.front().signature() == signature) {
        std::vector<Decision> found_decisions = trim_defaults(r.decisions);
        if (smaller(found_decisions, best)) {
          best = std::move(found_decisions);
          steps = r.steps;
        }
        found = true;
        break;
      }
    }
    if (found) break;
  }

  // 3. Single answers and the tail, until nothing changes.
  bool changed = true;
  while (changed && !out_of_budget()) {
    changed = false;
    // Fewer preemptions and deviations: turn choices into the default one, latest first.
    for (std::size_t i = best.size(); i-- > 0 && !out_of_budget();) {
      if (i >= best.size() || best[i].index == 0) continue;
      std::vector<Decision> candidate = best;
      // The default answer here; the decisions after it keep their tasks where they can.
      candidate[i].index = 0;
      candidate[i].task = kNoTask;
      std::uint64_t s = 0;
      if (auto kept = attempt(candidate, &s); kept && smaller(*kept, best)) {
        best = std::move(*kept);
        steps = s;
        changed = true;
      }
    }
    // Fewer decisions: drop the tail in halving chunks.
    for (std::size_t chunk = best.size() / 2; chunk > 0 && !out_of_budget();) {
      std::vector<Decision> candidate(best.begin(),
                                      best.end() - static_cast<std::ptrdiff_t>(chunk));
      std::uint64_t s = 0;
      auto kept = attempt(candidate, &s);
      if (kept && smaller(*kept, best)) {
        best = std::move(*kept);
        steps = s;
        changed = true;
        chunk = std::min(chunk, best.size() / 2);
      } else {
        chunk /= 2;
      }
    }
  }

  Trace shrunk = input;
  shrunk.decisions = best;
  ReplayResult final_run = replay(shrunk, target, options);
  out.trace = std::move(final_run.trace);
  out.decisions_after = best.size();
  out.preemptions_after = count_preemptions(best);
  out.steps_after = steps;
  return out;
}

}  // namespace weft
