// Chrome trace-event JSON. Virtual time does not move while tasks run, so the time axis is the
// step number (1 step = 1 µs) and virtual time is carried in each event's args.
#include <nlohmann/json.hpp>

#include "weft/reports/report_formats.hpp"
#include "weft/reports/timeline.hpp"

namespace weft {

std::string render_chrome_trace(const Trace& trace) {
  using nlohmann::json;
  json events = json::array();
  for (const TraceTask& t : trace.tasks)
    events.push_back(json{{"ph", "M"}, {"name", "thread_name"}, {"pid", 1}, {"tid", t.id},
                          {"args", {{"name", t.name + " #" + std::to_string(t.id)}}}});
  TaskId running = kNoTask;
  std::uint64_t since = 0;
  auto close_slice = [&](std::uint64_t at) {
    if (running == kNoTask) return;
    events.push_back(json{{"ph", "X"}, {"name", "run"}, {"pid", 1}, {"tid", running},
                          {"ts", since}, {"dur", at > since ? at - since : 1}});
    running = kNoTask;
  };
  for (const TraceEvent& e : trace.events) {
    if (e.kind == EventKind::run) {
      close_slice(e.step);
      running = e.task;
      since = e.step;
      continue;
    }
    if (e.kind == EventKind::block || e.kind == EventKind::finish || e.kind == EventKind::cancelled ||
        e.kind == EventKind::panic)
      if (e.task == running) close_slice(e.step);
    std::string name = std::string(to_string(e.kind));
    if (e.op != Op::none) name += " " + std::string(to_string(e.op));
    json args = {{"virtual_time_ns", e.time_ns}, {"text", describe(e, trace)}};
    events.push_back(json{{"ph", "i"}, {"s", "t"}, {"name", name}, {"pid", 1},
                          {"tid", e.task == kNoTask ? 0 : e.task}, {"ts", e.step},
                          {"args", args}});
  }
  if (!trace.events.empty()) close_slice(trace.events.back().step + 1);
  json out = {{"traceEvents", events}, {"displayTimeUnit", "ns"},
              {"otherData", {{"scenario", trace.scenario},
                             {"failure", trace.failure ? trace.failure->describe() : "none"}}}};
  return out.dump(1) + "\n";
}

}  // namespace weft
