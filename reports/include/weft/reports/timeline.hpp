// Renders a trace as a plain-text timeline: one line per event, task names resolved, the
// failure first in plain words.
#pragma once
#include <cstddef>
#include <string>

#include "weft/harness/trace.hpp"
#include "weft/reports/trace_objects.hpp"

namespace weft {

struct TimelineOptions {
  // Only lifecycle events (spawn, drop, cancel, panic, shutdown, deadlock...), the failing
  // task's operations and other tasks' operations on the objects it operated on (the store its
  // failed check read): the story of the failure without every scheduling step. A full timeline
  // (false) also lists the trace's objects with their names and creation sites first.
  bool key_events_only = false;
  std::size_t max_lines = 0;    // 0: all
  std::size_t last_lines = 0;   // keep only the last N lines (the end of the story); 0: all
  bool include_failure = true;  // the failure's description before the timeline
};

std::string render_timeline(const Trace& trace, const TimelineOptions& options = {});
// One event in words, e.g. "12.000ms step 40  'producer' (#2)  recv mpsc 'jobs' #2 at file:12";
// objects are named as the trace's object_created events name them.
std::string describe(const TraceEvent& event, const Trace& trace, const TraceObjects& objects);
// The same, reading the objects from the whole trace on each call (for one event; renderers of
// many events build TraceObjects once).
std::string describe(const TraceEvent& event, const Trace& trace);

}  // namespace weft
