// Chrome trace-event JSON (chrome://tracing, ui.perfetto.dev). The time axis is virtual time; as
// virtual time does not move while tasks run, steps break the ties: every step gets its own
// timestamp, its virtual time or 1 ns after the previous step's, whichever is later. Each task is
// a thread (tid = id + 1) whose running stretches are slices; the runtime's own events (clock,
// shutdown, deadlock...) are on thread 0; a wake-up is a flow arrow from the waker's slice to the
// woken task's next one. An event on an object names it in its args ("object": "mutex 'queue' #1",
// "object_created_at": "app.cpp:12", or "a standard-library call after app.cpp:30").
#include <algorithm>
#include <nlohmann/json.hpp>

#include "weft/harness/text.hpp"
#include "weft/reports/report_formats.hpp"
#include "weft/reports/timeline.hpp"

namespace weft {
namespace {

// Trace-event timestamps are microseconds; ours are whole nanoseconds.
double micros(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::int64_t tid_of(TaskId task) {
  return task == kNoTask ? 0 : static_cast<std::int64_t>(task) + 1;
}

}  // namespace

std::string render_chrome_trace(const Trace& trace) {
  using nlohmann::json;
  json events = json::array();
  events.push_back(json{{"ph", "M"},
                        {"name", "process_name"},
                        {"pid", 1},
                        {"args", {{"name", "weft: " + trace.scenario}}}});
  events.push_back(json{{"ph", "M"},
                        {"name", "thread_name"},
                        {"pid", 1},
                        {"tid", 0},
                        {"args", {{"name", "runtime"}}}});
  events.push_back(json{{"ph", "M"},
                        {"name", "thread_sort_index"},
                        {"pid", 1},
                        {"tid", 0},
                        {"args", {{"sort_index", 0}}}});
  for (const TraceTask& t : trace.tasks) {
    events.push_back(json{{"ph", "M"},
                          {"name", "thread_name"},
                          {"pid", 1},
                          {"tid", tid_of(t.id)},
                          {"args", {{"name", t.name + " #" + std::to_string(t.id)}}}});
    events.push_back(json{{"ph", "M"},
                          {"name", "thread_sort_index"},
                          {"pid", 1},
                          {"tid", tid_of(t.id)},
                          {"args", {{"sort_index", tid_of(t.id)}}}});
  }

  const TraceObjects objects(trace);
  // The timestamp of each step, in ns: virtual time, or 1 ns after the previous step.
  std::int64_t last_ts = -1;
  std::uint64_t last_step = 0;
  auto ts_of = [&](const TraceEvent& e) {
    if (last_ts < 0 || e.step != last_step) {
      last_ts = std::max(e.time_ns, last_ts + 1);
      last_step = e.step;
    }
    return last_ts;
  };

  TaskId running = kNoTask;
  std::int64_t since = 0;
  auto close_slice = [&](std::int64_t at) {
    if (running == kNoTask) return;
    events.push_back(json{{"ph", "X"},
                          {"name", "run"},
                          {"pid", 1},
                          {"tid", tid_of(running)},
                          {"ts", micros(since)},
                          {"dur", micros(std::max<std::int64_t>(at - since, 1))}});
    running = kNoTask;
  };
  std::uint64_t flow = 0;
  for (const TraceEvent& e : trace.events) {
    const std::int64_t ts = ts_of(e);
    if (e.kind == EventKind::run) {
      close_slice(ts);
      running = e.task;
      since = ts;
      continue;
    }
    if (e.kind == EventKind::wake && e.other != kNoTask && e.other != e.task) {
      ++flow;
      events.push_back(json{{"ph", "s"},
                            {"name", "wake"},
                            {"cat", "wake"},
                            {"id", flow},
                            {"pid", 1},
                            {"tid", tid_of(e.other)},
                            {"ts", micros(ts)}});
      events.push_back(json{{"ph", "f"},
                            {"name", "wake"},
                            {"cat", "wake"},
                            {"id", flow},
                            {"pid", 1},
                            {"tid", tid_of(e.task)},
                            {"ts", micros(ts)}});
    }
    if (e.kind == EventKind::block || e.kind == EventKind::finish ||
        e.kind == EventKind::cancelled || e.kind == EventKind::panic)
      if (e.task == running) close_slice(ts + 1);
    std::string name = std::string(to_string(e.kind));
    if (e.op != Op::none) name += " " + std::string(to_string(e.op));
    json args = {
        {"step", e.step}, {"virtual_time_ns", e.time_ns}, {"text", describe(e, trace, objects)}};
    if (e.object_kind != ObjectKind::none && e.object != kNoObject) {
      args["object"] = objects.label(e.object_kind, e.object);
      if (const TraceObjects::Object* o = objects.find(e.object_kind, e.object);
          o && (o->created.known() || o->by_library))
        args["object_created_at"] =
            o->by_library ? o->creation().substr(3) : o->created.to_string();
    }
    events.push_back(json{{"ph", "i"},
                          {"s", "t"},
                          {"name", name},
                          {"pid", 1},
                          {"tid", tid_of(e.task)},
                          {"ts", micros(ts)},
                          {"args", args}});
  }
  if (!trace.events.empty()) close_slice(last_ts + 1);
  if (trace.failure) {
    events.push_back(json{{"ph", "i"},
                          {"s", "p"},
                          {"name", "FAILURE: " + std::string(to_string(trace.failure->kind))},
                          {"pid", 1},
                          {"tid", tid_of(trace.failure->task)},
                          {"ts", micros(std::max<std::int64_t>(last_ts, 0))},
                          {"args", {{"failure", trace.failure->describe()}}}});
  }
  json out = {{"traceEvents", events},
              {"displayTimeUnit", "ns"},
              {"otherData",
               {{"scenario", trace.scenario},
                {"time_axis", "virtual time; steps at the same time 1 ns apart"},
                {"failure", trace.failure ? trace.failure->describe() : "none"}}}};
  make_valid_utf8(out);  // task names and messages are the program's bytes
  return out.dump(1) + "\n";
}

}  // namespace weft
