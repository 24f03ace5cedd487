// Renders a trace as a plain-text timeline: one line per event, task names resolved, the
// failure first in plain words.
#pragma once
#include <cstddef>
#include <string>

#include "weft/harness/trace.hpp"

namespace weft {

struct TimelineOptions {
  // Only lifecycle events (spawn, drop, cancel, panic, shutdown, deadlock...) and the failing
  // task's operations: the story of the failure without every scheduling step.
  bool key_events_only = false;
  std::size_t max_lines = 0;    // 0: all
  std::size_t last_lines = 0;   // keep only the last N lines (the end of the story); 0: all
  bool include_failure = true;  // the failure's description before the timeline
};

std::string render_timeline(const Trace& trace, const TimelineOptions& options = {});
// One event in words, e.g. "12.000ms step 40  'producer' (#2)  recv mpsc #2 at file:12".
std::string describe(const TraceEvent& event, const Trace& trace);

}  // namespace weft
