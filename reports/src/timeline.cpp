// Plain-text timeline of a trace.
#include "weft/reports/timeline.hpp"

#include <cstdio>
#include <set>
#include <utility>
#include <vector>

#include "weft/harness/text.hpp"

namespace weft {
namespace {

std::string task_label(const Trace& trace, TaskId id) {
  std::string label(1, '#');
  label += std::to_string(id);  // not "#" + ...: GCC 12 warns falsely on it (PR 105651)
  for (const TraceTask& t : trace.tasks) {
    if (t.id != id) continue;
    std::string named = "'";
    named.append(t.name).append("' (").append(label).append(")");
    return named;
  }
  return label;
}

std::string time_text(std::int64_t ns) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3fms", static_cast<double>(ns) / 1e6);
  return buffer;
}

// The objects the failing task operated on: another task's operations on them are part of the
// story (the write a failed check read, the lock a task held while the failing one waited).
std::set<std::pair<ObjectKind, ObjectId>> touched_by(const Trace& trace, TaskId failing) {
  std::set<std::pair<ObjectKind, ObjectId>> out;
  if (failing == kNoTask) return out;
  for (const TraceEvent& e : trace.events)
    if ((e.kind == EventKind::op || e.kind == EventKind::block) && e.task == failing &&
        e.object_kind != ObjectKind::none)
      out.emplace(e.object_kind, e.object);
  return out;
}

bool is_key(const TraceEvent& e, TaskId failing,
            const std::set<std::pair<ObjectKind, ObjectId>>& touched) {
  switch (e.kind) {
    case EventKind::spawn:
    case EventKind::panic:
    case EventKind::cancelled:
    case EventKind::swallowed_cancellation:
    case EventKind::shutdown_begin:
    case EventKind::drop:
    case EventKind::deadlock:
    case EventKind::hang:
    case EventKind::detach:
    case EventKind::finish:
    case EventKind::clock_advance:
      return true;
    case EventKind::op:
    case EventKind::block:
      if (e.task != kNoTask && touched.count({e.object_kind, e.object}) != 0) return true;
      [[fallthrough]];
    case EventKind::wake:
      return e.task == failing && failing != kNoTask;
    default:
      return false;
  }
}

}  // namespace

std::string describe(const TraceEvent& e, const Trace& trace) {
  return describe(e, trace, TraceObjects(trace));
}

std::string describe(const TraceEvent& e, const Trace& trace, const TraceObjects& objects) {
  std::string line = time_text(e.time_ns) + "  step " + std::to_string(e.step) + "  ";
  if (e.task != kNoTask) line += task_label(trace, e.task) + "  ";
  switch (e.kind) {
    case EventKind::spawn:
      line += "spawned";
      if (e.other != kNoTask) line += " by " + task_label(trace, e.other);
      break;
    case EventKind::drop:
      line += "DROPPED by the runtime (its stack unwinds)";
      break;
    case EventKind::cancelled:
      line += "cancelled (unwound)";
      break;
    case EventKind::panic:
      line += "PANICKED: " + e.text;
      break;
    case EventKind::shutdown_begin:
      line += "returned: the runtime shuts down";
      break;
    case EventKind::wake:
      line += "woken";
      if (e.other != kNoTask) line += " by " + task_label(trace, e.other);
      break;
    case EventKind::block:
      line += "blocks in " + std::string(to_string(e.op)) + " on " +
              objects.label(e.object_kind, e.object);
      break;
    case EventKind::op:
      line += std::string(to_string(e.op));
      if (e.object_kind != ObjectKind::none) line += " " + objects.label(e.object_kind, e.object);
      // An atomic's value means something when it is 0 too; other operations report 0 for none.
      if (e.value != 0 || e.op == Op::load || e.op == Op::store || e.op == Op::rmw)
        line += " value " + std::to_string(e.value);
      if (e.other != kNoTask) line += " (task " + task_label(trace, e.other) + ")";
      break;
    case EventKind::clock_advance:
      line += "clock advances to " + time_text(e.value);
      break;
    case EventKind::timer_fire:
      line += "timer fires";
      break;
    case EventKind::detach:
      line += "handle of " + task_label(trace, e.other) + " dropped without join";
      break;
    case EventKind::object_created:
      // Its `where` is the creation site, not where the task is.
      line += "first use of " + objects.label(e.object_kind, e.object);
      line += ", created " +
              TraceObjects::Object{e.object_kind, e.object, "", e.where, e.value != 0}.creation();
      return printable(line);
    default: {
      // The runtime's messages may already start with the kind ("deadlock: no task can run").
      const std::string kind(to_string(e.kind));
      if (e.text.rfind(kind, 0) == 0) {
        line += e.text;
      } else {
        line += kind;
        if (!e.text.empty()) line += ": " + e.text;
      }
      break;
    }
  }
  if (e.where.known()) line += "  at " + e.where.to_string();
  return printable(line);  // one line, whatever bytes the program put in names and messages
}

std::string render_timeline(const Trace& trace, const TimelineOptions& options) {
  std::string out;
  if (trace.failure && options.include_failure) out += trace.failure->describe() + "\n\n";
  const TraceObjects objects(trace);
  if (!options.key_events_only && !objects.all().empty()) {
    out += "objects of " + printable(trace.scenario) + ":\n";
    for (const auto& [id, o] : objects.all())
      out += "  " + printable(objects.label(o.kind, id) + " created " + o.creation()) + "\n";
    out += "\n";
  }
  out += "timeline of " + printable(trace.scenario) + " (" + std::string(to_string(trace.flavor)) +
         ", " + std::to_string(trace.decisions.size()) + " decisions):\n";
  const TaskId failing = trace.failure ? trace.failure->task : kNoTask;
  const auto touched = options.key_events_only ? touched_by(trace, failing)
                                               : std::set<std::pair<ObjectKind, ObjectId>>{};
  std::vector<std::string> lines;
  for (const TraceEvent& e : trace.events) {
    if (options.key_events_only && !is_key(e, failing, touched)) continue;
    if (options.max_lines != 0 && lines.size() == options.max_lines) {
      lines.push_back("...");
      break;
    }
    lines.push_back(describe(e, trace, objects));
  }
  std::size_t first = 0;
  if (options.last_lines != 0 && lines.size() > options.last_lines) {
    first = lines.size() - options.last_lines;
    out += "  ... (" + std::to_string(first) + " earlier lines; weft report shows all)\n";
  }
  for (std::size_t i = first; i < lines.size(); ++i) out += "  " + lines[i] + "\n";
  if (trace.events_truncated) out += "  (later events were not recorded)\n";
  return out;
}

}  // namespace weft
