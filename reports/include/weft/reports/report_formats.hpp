// Machine and browser renderings of a trace: Chrome/Perfetto trace-event JSON (one track per
// task) and a self-contained HTML page.
#pragma once
#include <string>

#include "weft/harness/trace.hpp"

namespace weft {

// Trace Event Format (loadable in ui.perfetto.dev and chrome://tracing): each task is a thread
// whose running stretches are slices; drops, panics and blocks are instant events.
std::string render_chrome_trace(const Trace& trace);
// One HTML file with the failure in words, a lane per task and every event, no external assets.
std::string render_html(const Trace& trace);

}  // namespace weft
