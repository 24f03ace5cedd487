// A single self-contained HTML page: the failure in words, then a table with one column per
// task so that who did what, in which order, reads from top to bottom.
#include <string>

#include "weft/reports/report_formats.hpp"
#include "weft/reports/timeline.hpp"

namespace weft {
namespace {

std::string escape(const std::string& text) { return escape_xml(text); }

const char* css_class(EventKind kind) {
  switch (kind) {
    case EventKind::panic: return "panic";
    case EventKind::drop:
    case EventKind::cancelled: return "drop";
    case EventKind::deadlock:
    case EventKind::hang: return "stop";
    case EventKind::shutdown_begin: return "shutdown";
    default: return "";
  }
}

}  // namespace

std::string render_html(const Trace& trace) {
  std::string html =
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>weft: " +
      escape(trace.scenario) +
      "</title>\n<style>body{font-family:sans-serif;margin:1.5em}pre{background:#f6f6f6;"
      "padding:1em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;"
      "padding:2px 6px;vertical-align:top}th{background:#eee;position:sticky;top:0}"
      ".panic{background:#f8c9c9}.drop{background:#fde7c2}.stop{background:#f8c9c9}"
      ".shutdown{background:#d9e8fb}.meta{color:#666}</style></head><body>\n";
  html += "<h1>" + escape(trace.scenario) + " <span class=\"meta\">(" +
          std::string(to_string(trace.flavor)) + ", " + escape(trace.strategy) + ", seed " +
          std::to_string(trace.seed) + ")</span></h1>\n";
  html += trace.failure ? "<h2>What went wrong</h2><pre>" + escape(trace.failure->describe()) +
                              "</pre>\n"
                        : "<p>No failure.</p>\n";
  html += "<h2>Timeline</h2><table><tr><th>step</th><th>virtual time</th>";
  for (const TraceTask& t : trace.tasks)
    html += "<th>" + escape(t.name) + " #" + std::to_string(t.id) + "</th>";
  html += "</tr>\n";
  for (const TraceEvent& e : trace.events) {
    if (e.kind == EventKind::run) continue;
    html += "<tr class=\"" + std::string(css_class(e.kind)) + "\"><td>" + std::to_string(e.step) +
            "</td><td>" + std::to_string(e.time_ns / 1000) + " µs</td>";
    for (const TraceTask& t : trace.tasks) {
      html += "<td>";
      if (t.id == e.task) html += escape(describe(e, trace).substr(describe(e, trace).find("  step ")));
      html += "</td>";
    }
    if (e.task == kNoTask) html += "<td>" + escape(describe(e, trace)) + "</td>";
    html += "</tr>\n";
  }
  html += "</table>\n</body></html>\n";
  return html;
}

}  // namespace weft
