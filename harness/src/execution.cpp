// One execution: the body run once under a recording chooser with the detectors observing it, and
// what builds on that alone (a replay of a trace, the fuzz target's execution, a trace's header).
#include "execution.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "crash_guard.hpp"
#include "isolation.hpp"
#include "weft/check.hpp"
#include "weft/detail/scheduler_api.hpp"
#include "weft/harness/decision.hpp"
#include "weft/harness/detectors.hpp"
#include "weft/harness/strategies.hpp"
#include "weft/task.hpp"

namespace weft {
namespace detail {
namespace {

// Steps of the execution so far. Every block_on ends with shutdown_end, its runtime's last and
// highest step, so that event is enough.
class StepCounter final : public Observer {
 public:
  void on_event(const Event& e) override { steps = std::max(steps, e.step); }
  EventMask interests() const override { return event_bit(EventKind::shutdown_end); }
  std::uint64_t steps = 0;
};

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
  JoinedCause cause{error.task(), error.task_name(), "panicked", Location::from(error.where())};
  std::exception_ptr inner = error.panic();
  for (int depth = 0; inner && depth < 64; ++depth) {
    std::exception_ptr next;
    try {
      std::rethrow_exception(inner);
    } catch (const JoinError& e) {  // it failed because a task it joined did
      if (e.is_panic()) {
        cause.task = e.task();
        cause.name = e.task_name();
        cause.where = Location::from(e.where());
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

// A body_failure at the step the execution has reached.
Failure body_failure(std::string message, Location where, std::uint64_t step) {
  Failure f;
  f.kind = FailureKind::body_failure;
  f.message = "the test body failed: " + std::move(message);
  f.where = std::move(where);
  f.step = step;
  return f;
}

// The body, under the exploration hooks already installed. A body that is plain code (no
// weft::Runtime of its own) meets its first operation outside a task: it runs again from the start
// as the root task ("main") of a runtime.
void run_body(const ExploreTarget& target) {
  bool implicit_root = false;
  try {
    target.body();
  } catch (const ImplicitRootNeeded&) {
    implicit_root = true;
  }
  if (implicit_root) {
    Runtime rt;
    rt.block_on(target.body, SourceLocation{});
  }
}

// Runs the body and turns what it threw into the outcome the detectors are told. `counter` gives
// the step a failure happened at.
BodyOutcome run_body_caught(const ExploreTarget& target, const StepCounter& counter) {
  BodyOutcome outcome;
  try {
    run_body(target);
  } catch (const ExecutionStopped&) {
    // The stop detector explains deadlocks and hangs with the runtime's state at the time.
  } catch (const CheckFailure& e) {
    outcome.failure = body_failure(e.what(), Location::from(e.where()), counter.steps);
  } catch (const JoinError& e) {
    if (e.is_panic()) {
      JoinedCause cause = joined_cause(e);
      outcome.failure =
          body_failure("task '" + cause.name + "' (#" + std::to_string(cause.task) + ") " +
                           cause.message + ", and joining it rethrew that failure",
                       std::move(cause.where), counter.steps);
      outcome.failure->task = cause.task;
      outcome.failure->task_name = std::move(cause.name);
    } else {
      outcome.failure = body_failure(e.what(), Location{}, counter.steps);
    }
  } catch (const std::exception& e) {
    outcome.failure = body_failure(e.what(), Location{}, counter.steps);
  } catch (...) {
    outcome.failure = body_failure(detail::caught_exception_type(), Location{}, counter.steps);
  }
  return outcome;
}

ExplorationHooks hooks_for(const ExploreTarget& target, const ExploreOptions& options,
                           Chooser* chooser, Observer* observer) {
  ExplorationHooks hooks;
  hooks.chooser = chooser;
  hooks.observer = observer;
  hooks.flavor = effective_flavor(options, target);
  hooks.max_steps = options.max_steps;
  hooks.max_virtual_time = std::chrono::milliseconds(options.max_virtual_time_ms);
  hooks.leak_grace = leak_grace(options);
  hooks.long_poll = std::chrono::milliseconds(options.long_poll_ms);  // for the long-poll detector
  hooks.spurious_wakeups = options.spurious_wakeups;
  return hooks;
}

// What the detectors found at the end, and the body's own failure unless a detector already
// reported it; failures and warnings by step.
void collect_findings(std::vector<std::unique_ptr<Detector>>& detectors, const BodyOutcome& outcome,
                      ExecutionResult& result) {
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
}

// Another OS thread used the runtime's objects: whatever the execution reports (a deadlock, a
// nondeterministic replay) likely comes from what weft could not see.
void add_foreign_thread_hint(const ForeignThreadUse& use, ExecutionResult& result) {
  const std::string hint =
      std::string(kForeignThreadHint) + ": it called " + std::string(to_string(use.op)) + " at " +
      Location::from(use.where).to_string() +
      "; weft neither schedules that thread nor wakes tasks for what it does, so run that code in "
      "a weft task (weft::spawn)";
  for (Failure& f : result.failures) f.details.push_back(hint);
  for (Failure& f : result.warnings) f.details.push_back(hint);
}

// What identifies the program a trace comes from, in a way that neither the schedule nor the
// edits that fix a bug (lines move, checks change) affect: the first task's first events (before
// any other task runs, no decision has been taken), as kind, operation, task name and source file
// without its line. A trace given to another program (copied to another scenario's name, or
// replayed by the wrong test) starts with other tasks, operations or files.
constexpr std::size_t kIdentityEvents = 16;

std::vector<std::string> leading_events(const Trace& trace) {
  std::map<TaskId, std::string> names;
  for (const TraceTask& t : trace.tasks) names[t.id] = t.name;
  std::vector<std::string> out;
  // A spawn event belongs to the new task; the task that spawned it is its `other`.
  auto actor = [](const TraceEvent& e) { return e.kind == EventKind::spawn ? e.other : e.task; };
  auto first_event = std::find_if(trace.events.begin(), trace.events.end(),
                                  [](const TraceEvent& e) { return e.task != kNoTask; });
  if (first_event == trace.events.end()) return out;
  const TaskId first = first_event->task;
  for (const TraceEvent& e : trace.events) {
    const TaskId by = actor(e) == kNoTask ? e.task : actor(e);
    if (out.size() == kIdentityEvents || (by != kNoTask && by != first)) break;
    if (by != first) continue;  // the runtime's own (a clock advance)
    // What weft says of an object on its first use, not something the program did (and weft
    // describes more objects as it learns to: traces of older versions have fewer).
    if (e.kind == EventKind::object_created) continue;
    std::string text(to_string(e.kind));
    if (e.op != Op::none) text += " " + std::string(to_string(e.op));
    if (!e.text.empty()) text += " '" + e.text + "'";  // the name a spawn gave
    text += " by '" + names[first] + "'";
    if (e.where.known()) text += " in " + std::filesystem::path(e.where.file).filename().string();
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace

std::optional<std::string> different_program(const Trace& recorded, const Trace& replayed) {
  const std::vector<std::string> was = leading_events(recorded), is = leading_events(replayed);
  const std::size_t n = std::min(was.size(), is.size());
  for (std::size_t i = 0; i < n; ++i)
    if (was[i] != is[i])
      return "the trace was recorded from another program: its event " + std::to_string(i + 1) +
             " is " + was[i] + ", this program's is " + is[i] +
             " (is it the right scenario or test?)";
  return std::nullopt;  // a trace without events (a crash's) has nothing to compare
}

ExecutionResult run_once(const ExploreTarget& target, const ExploreOptions& options,
                         Chooser* chooser, std::vector<std::unique_ptr<Detector>>& detectors,
                         EventLog* log, Observer* extra) {
  std::optional<RecordingChooser> recorder;
  if (chooser) recorder.emplace(*chooser, 64);
  // A hang or crash report writes the decisions so far.
  watch_decisions(recorder ? &recorder->decisions() : nullptr);
  StepCounter counter;
  ObserverFanout fanout;
  fanout.add(&counter);
  for (auto& d : detectors) {
    d->begin_execution();
    fanout.add(d.get());
  }
  if (log) fanout.add(log);
  if (extra) fanout.add(extra);

  (void)take_foreign_thread_use();  // an earlier execution's, on this thread
  const ExplorationHooks hooks =
      hooks_for(target, options, recorder ? &*recorder : nullptr, &fanout);
  BodyOutcome outcome;
  const std::uint64_t runtimes_before = runtimes_created();
  {
    ScopedExplorationHooks scope(hooks);
    outcome = run_body_caught(target, counter);
  }
  ExecutionResult result;
  result.ran_runtime = runtimes_created() != runtimes_before;
  collect_findings(detectors, outcome, result);
  if (const std::optional<ForeignThreadUse> use = take_foreign_thread_use())
    add_foreign_thread_hint(*use, result);
  watch_decisions(nullptr);
  if (recorder) result.decisions = recorder->take();
  result.steps = counter.steps;
  if (log) result.fingerprint = log->fingerprint();
  return result;
}

Flavor effective_flavor(const ExploreOptions& options, const ExploreTarget& target) {
  return options.flavor.value_or(target.flavor);
}

ExploreOptions options_for_trace(const Trace& trace, const ExploreOptions& base) {
  ExploreOptions o = base;
  o.flavor = trace.flavor;
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

void apply_source_root(const ExploreOptions& options) {
  if (!options.source_root.empty()) set_source_root(options.source_root);
}

bool replays_in_child(const Trace& trace, const ExploreOptions& options) {
  if (options.isolate) return true;
  return trace.failure && (trace.failure->kind == FailureKind::crash ||
                           trace.failure->kind == FailureKind::throwing_destructor);
}

ExplorationContext replay_context(const Trace& trace, const ExploreOptions& options) {
  ExplorationContext context;
  context.scenario = trace.scenario;
  context.strategy = trace.strategy;
  context.replaying = "a trace";  // replay() has no file name; the CLI printed it
  context.write_traces = false;
  context.watchdog_seconds = options.watchdog;
  return context;
}

std::vector<Decision> trim_defaults(std::vector<Decision> decisions) {
  while (!decisions.empty() && decisions.back().index == 0) decisions.pop_back();
  return decisions;
}

}  // namespace detail

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
  t.flavor = detail::effective_flavor(options, target);
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
  detail::apply_source_root(options);
  auto detectors = make_detectors(options);
  detail::ExecutionResult r =
      detail::run_once(target, options, &chooser, detectors, nullptr, extra);
  return ExecutionRecord{std::move(r.failures), std::move(r.decisions), r.steps};
}

ReplayResult replay(const Trace& trace, const ExploreTarget& target, const ExploreOptions& base) {
  ExploreOptions options = detail::options_for_trace(trace, base);
  detail::apply_source_root(options);
  Replay chooser(trace.decisions);
  chooser.begin_execution(0, trace.seed);
  auto detectors = make_detectors(options);
  EventLog log;
  detail::ExplorationGuard guard(detail::replay_context(trace, options), 1);
  detail::ThreadGuard thread_guard(guard.slot(0));
  auto execute = [&] {
    thread_guard.begin_execution(trace.execution, trace.seed);
    return detail::run_once(target, options, &chooser, detectors, &log);
  };
  ReplayResult out;
  if (detail::replays_in_child(trace, options)) {
    detail::ChildOutcome child = detail::run_in_child(guard.slot(0), [&] { execute(); });
    if (!child.survived) {
      out.failures.push_back(std::move(child.failure));
      out.trace = trace;
      out.trace.failure = out.failures.front();
      out.trace.events.clear();  // the child's events died with it
      out.trace.tasks.clear();
      return out;
    }
  }
  detail::ExecutionResult r = execute();
  thread_guard.end_execution();
  out.failures = std::move(r.failures);
  out.mismatch = chooser.mismatch();
  if (!out.mismatch && chooser.position() < trace.decisions.size())
    // Its trailing default answers may be left out of a list, but a decision never asked is not
    // this execution's.
    out.mismatch = "the execution ended after " + std::to_string(chooser.position()) +
                   " decisions, but the trace holds " + std::to_string(trace.decisions.size()) +
                   ": it does not fit this program";
  out.trace = trace;
  out.trace.failure = out.failures.empty() ? std::nullopt : std::optional(out.failures.front());
  out.trace.events = log.events();
  out.trace.tasks = log.tasks();
  out.trace.events_truncated = log.truncated();
  if (!out.mismatch) out.mismatch = detail::different_program(trace, out.trace);
  return out;
}

}  // namespace weft
