// Machine and browser renderings of a trace: Chrome/Perfetto trace-event JSON (one track per
// task) and a self-contained HTML page; and of an exploration: JUnit XML for CI dashboards.
#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "weft/harness/explorer.hpp"
#include "weft/harness/trace.hpp"

namespace weft {

// Trace Event Format (loadable in ui.perfetto.dev and chrome://tracing): each task is a thread
// whose running stretches are slices; drops, panics and blocks are instant events.
std::string render_chrome_trace(const Trace& trace);
// One HTML file with the failure in words, a lane per task and every event, no external assets.
std::string render_html(const Trace& trace);

// JUnit XML of one exploration: a test suite named after the scenario with one failing test
// case per distinct failure signature (report.signatures), `rerun(signature)` in the failure's
// message; a clean exploration is one passing test case.
std::string render_junit(const std::string& scenario, const ExploreOptions& options,
                         const ExploreReport& report,
                         const std::function<std::string(const FailureSignature&)>& rerun);

// Text for XML/HTML attributes and content: markup characters as entities, and the control
// characters XML 1.0 cannot hold (all but tab, newline and carriage return) as spaces.
std::string escape_xml(std::string_view raw);

}  // namespace weft
