// A single self-contained HTML page that shows a trace as a picture: an SVG swimlane per task
// (running, blocked and sleeping stretches over the steps, a virtual-time ruler, arrows from waker
// to woken, preemptions, the shutdown's drops in order, the failure highlighted), the source lines
// at the failing site and at each task's last operation, the decisions with their alternatives
// the objects with their names and creation sites, and the events in words. No network, no external
// assets; lanes can be filtered by task.
//
// The drawing is bounded whatever the trace's size: at most kMaxSlots events (the last ones, where
// the failure is) and kMaxLanes lanes are drawn, so the page grows with min(events, kMaxSlots)
// and not with tasks x events.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "weft/reports/report_formats.hpp"
#include "weft/reports/timeline.hpp"

namespace weft {
namespace {

constexpr std::size_t kMaxSlots = 2500;        // events drawn (and listed)
constexpr std::size_t kMaxLanes = 120;         // task lanes drawn
constexpr std::size_t kMaxDecisionRows = 400;  // decisions listed
constexpr std::size_t kMaxObjectRows = 400;    // objects listed
constexpr int kLabelWidth = 190;
constexpr int kLaneHeight = 28;
constexpr int kRulerHeight = 40;
constexpr int kDrawWidth = 1150;  // the lanes fit 1400 px with the labels and margins

std::string escape(const std::string& text) { return escape_xml(text); }

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

// Virtual time in the unit that reads best: 0, 250us, 10ms, 1.5s.
std::string time_label(std::int64_t ns) {
  char buffer[32];
  if (ns == 0) return "0";
  if (ns < 1'000'000)
    std::snprintf(buffer, sizeof buffer, "%gus", static_cast<double>(ns) / 1e3);
  else if (ns < 1'000'000'000)
    std::snprintf(buffer, sizeof buffer, "%gms", static_cast<double>(ns) / 1e6);
  else
    std::snprintf(buffer, sizeof buffer, "%gs", static_cast<double>(ns) / 1e9);
  return buffer;
}

std::string task_name(const Trace& trace, TaskId id) {
  if (id == kNoTask) return "runtime";
  for (const TraceTask& t : trace.tasks)
    if (t.id == id) return t.name + " #" + std::to_string(id);
  return "#" + std::to_string(id);
}

// Up to `context` lines either side of `where`, when its file can be read from here.
std::optional<std::vector<std::pair<std::uint32_t, std::string>>> source_lines(
    const Location& where, std::uint32_t context) {
  if (!where.known() || where.line == 0) return std::nullopt;
  std::ifstream in(where.file);
  if (!in) return std::nullopt;
  std::vector<std::pair<std::uint32_t, std::string>> lines;
  std::string line;
  const std::uint32_t first = where.line > context ? where.line - context : 1;
  for (std::uint32_t n = 1; std::getline(in, line) && n <= where.line + context; ++n)
    if (n >= first) lines.emplace_back(n, line);
  if (lines.empty()) return std::nullopt;
  return lines;
}

// The lines around `where`, its own line marked when `mark` (the failing site).
std::string source_block(const Location& where, std::uint32_t context, bool mark = true) {
  auto lines = source_lines(where, context);
  if (!lines) return "<div class=\"src\">" + escape(where.to_string()) + "</div>\n";
  std::string out =
      "<div class=\"src\"><div class=\"file\">" + escape(where.to_string()) + "</div><pre>";
  for (const auto& [n, text] : *lines) {
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%5u  ", n);
    out += n == where.line && mark ? "<mark>" + escape(prefix + text) + "</mark>\n"
                                   : escape(prefix + text) + "\n";
  }
  return out + "</pre></div>\n";
}

// What a lane shows over one stretch of slots.
struct Stretch {
  int lane;
  std::size_t from, to;  // slots, [from, to)
  const char* css;       // run, blocked, sleep
  std::string title;
};

struct Marker {
  int lane;
  std::size_t slot;
  const char* css;  // op, drop, panic, preempt, spawn, finish, runtime
  std::string title;
  std::string label;  // drawn next to it (drop order), may be empty
};

struct Arrow {
  int from_lane, to_lane;
  std::size_t slot;
  TaskId from, to;
  std::string title;
};

class Swimlanes {
 public:
  Swimlanes(const Trace& trace, const TraceObjects& objects) : trace_(trace), objects_(objects) {
    // The window: the last kMaxSlots events that take a slot (run events only start stretches).
    std::size_t slotted = 0;
    for (const TraceEvent& e : trace.events)
      if (takes_slot(e)) ++slotted;
    skipped_ = slotted > kMaxSlots ? slotted - kMaxSlots : 0;
    choose_lanes();
    build();
  }

  std::size_t slots() const { return slot_events_.size(); }
  std::size_t skipped_events() const { return skipped_; }
  std::size_t hidden_lanes() const { return hidden_lanes_; }
  const std::vector<const TraceEvent*>& slot_events() const { return slot_events_; }
  std::optional<std::size_t> failure_slot() const { return failure_slot_; }

  std::string svg() const {
    const std::size_t n = std::max<std::size_t>(slots(), 1);
    cell_ = std::clamp(static_cast<double>(kDrawWidth) / static_cast<double>(n), 4.0, 24.0);
    const double width = kLabelWidth + cell_ * static_cast<double>(n) + 30;
    const int height = kRulerHeight + kLaneHeight * static_cast<int>(lanes_.size()) + 10;
    std::string out = "<svg id=\"lanes\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                      num(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
                      num(width) + " " + std::to_string(height) + "\">\n";
    out +=
        "<defs><marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 "
        "L0,10 z\" fill=\"#2b6cb0\"/></marker></defs>\n";
    // Lane backgrounds and labels.
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      const double y = lane_top(static_cast<int>(i));
      const std::string id = lanes_[i] == kNoTask ? "runtime" : std::to_string(lanes_[i]);
      out += "<g class=\"lane\" data-task=\"" + id + "\"><rect class=\"lanebg" +
             std::string(i % 2 ? " odd" : "") + "\" x=\"0\" y=\"" + num(y) + "\" width=\"" +
             num(width) + "\" height=\"" + std::to_string(kLaneHeight) +
             "\"/><text class=\"name\" x=\"6\" y=\"" + num(y + kLaneHeight * 0.65) + "\">" +
             escape(task_name(trace_, lanes_[i])) + "<title>" + escape(lane_title(lanes_[i])) +
             "</title></text>";
      for (const Stretch& s : stretches_)
        if (s.lane == static_cast<int>(i)) out += stretch_svg(s);
      for (const Marker& m : markers_)
        if (m.lane == static_cast<int>(i)) out += marker_svg(m);
      out += "</g>\n";
    }
    out += ruler_svg(height);
    if (shutdown_slot_) {
      const double x = slot_x(*shutdown_slot_);
      out += "<g class=\"shutdown\"><rect x=\"" + num(x) + "\" y=\"" +
             std::to_string(kRulerHeight - 12) + "\" width=\"" + num(width - x) + "\" height=\"" +
             std::to_string(height - kRulerHeight + 12) + "\"/><text x=\"" + num(x + 3) +
             "\" y=\"" + std::to_string(kRulerHeight - 2) + "\">shutdown</text></g>\n";
    }
    for (const Arrow& a : arrows_) out += arrow_svg(a);
    if (failure_slot_) {
      const double x = slot_x(*failure_slot_);
      out += "<rect id=\"failure\" class=\"failure\" x=\"" + num(x - 2) + "\" y=\"" +
             std::to_string(kRulerHeight - 12) + "\" width=\"" + num(cell_ + 4) + "\" height=\"" +
             std::to_string(height - kRulerHeight + 12) + "\"><title>the failure: " +
             escape(trace_.failure ? trace_.failure->describe() : std::string("")) +
             "</title></rect>\n";
    }
    out += "</svg>\n";
    return out;
  }

 private:
  static bool takes_slot(const TraceEvent& e) { return e.kind != EventKind::run; }

  void choose_lanes() {
    // The runtime first, then tasks in id order; past kMaxLanes, the failing task and the tasks
    // that do something in the window win.
    lanes_.push_back(kNoTask);
    std::set<TaskId> active;
    std::size_t seen = 0;
    for (const TraceEvent& e : trace_.events)
      if (takes_slot(e) && seen++ >= skipped_ && e.task != kNoTask) active.insert(e.task);
    const TaskId failing = trace_.failure ? trace_.failure->task : kNoTask;
    std::vector<TaskId> chosen;
    if (failing != kNoTask) chosen.push_back(failing);
    for (const TraceTask& t : trace_.tasks)
      if (chosen.size() < kMaxLanes && t.id != failing && active.count(t.id))
        chosen.push_back(t.id);
    for (const TraceTask& t : trace_.tasks)
      if (chosen.size() < kMaxLanes && t.id != failing && !active.count(t.id))
        chosen.push_back(t.id);
    std::sort(chosen.begin(), chosen.end());
    for (TaskId id : chosen) lanes_.push_back(id);
    hidden_lanes_ = trace_.tasks.size() > chosen.size() ? trace_.tasks.size() - chosen.size() : 0;
  }

  int lane_of(TaskId id) const {
    for (std::size_t i = 0; i < lanes_.size(); ++i)
      if (lanes_[i] == id) return static_cast<int>(i);
    return -1;
  }

  void build() {
    std::map<TaskId, std::size_t> run_since, blocked_since;
    std::map<TaskId, std::string> blocked_css, blocked_title;
    TaskId running = kNoTask;
    bool running_can_continue = false;  // the running task has not blocked or ended since it ran
    std::size_t seen = 0;
    std::size_t drops = 0;
    const TaskId failing = trace_.failure ? trace_.failure->task : kNoTask;
    auto close_run = [&](TaskId t, std::size_t at) {
      auto it = run_since.find(t);
      if (it == run_since.end()) return;
      if (int lane = lane_of(t); lane >= 0 && at > it->second)
        stretches_.push_back({lane, it->second, at, "run", task_name(trace_, t) + " runs"});
      run_since.erase(it);
    };
    auto close_block = [&](TaskId t, std::size_t at) {
      auto it = blocked_since.find(t);
      if (it == blocked_since.end()) return;
      if (int lane = lane_of(t); lane >= 0)
        stretches_.push_back({lane, it->second, std::max(at, it->second + 1),
                              blocked_css[t] == "sleep" ? "sleep" : "blocked", blocked_title[t]});
      blocked_since.erase(it);
    };
    for (const TraceEvent& e : trace_.events) {
      // Before the window only who runs matters (so the first drawn stretch starts right).
      const bool in_window = seen >= skipped_;
      if (takes_slot(e)) ++seen;
      if (!in_window) {
        if (e.kind == EventKind::run) running = e.task;
        running_can_continue = false;
        continue;
      }
      if (running != kNoTask && slot_events_.empty() && !run_since.count(running))
        run_since[running] = 0;
      const std::size_t here = slot_events_.size();  // this event's slot, or the next one's
      if (e.kind == EventKind::run) {
        if (running != kNoTask && running != e.task) {
          close_run(running, here);
          if (running_can_continue)
            if (int lane = lane_of(running); lane >= 0)
              markers_.push_back({lane, here, "preempt",
                                  task_name(trace_, running) + " preempted: the scheduler ran " +
                                      task_name(trace_, e.task) + " while it could continue",
                                  ""});
        }
        if (running != e.task || !run_since.count(e.task)) run_since[e.task] = here;
        running = e.task;
        running_can_continue = true;
        continue;
      }
      slot_events_.push_back(&e);
      const int lane = lane_of(e.task);
      const std::string title = describe(e, trace_, objects_);
      switch (e.kind) {
        case EventKind::block: {
          close_run(e.task, here + 1);
          const bool sleeping = e.op == Op::sleep || e.object_kind == ObjectKind::timer;
          blocked_since[e.task] = here + 1;
          blocked_css[e.task] = sleeping ? "sleep" : "blocked";
          blocked_title[e.task] = title;
          if (e.task == running) running_can_continue = false;
          if (lane >= 0) markers_.push_back({lane, here, "op", title, ""});
          break;
        }
        case EventKind::wake: {
          close_block(e.task, here);
          const int from = lane_of(e.other);
          if (lane >= 0 && from >= 0 && from != lane)
            arrows_.push_back({from, lane, here, e.other, e.task, title});
          break;
        }
        case EventKind::finish:
        case EventKind::cancelled:
        case EventKind::panic:
        case EventKind::swallowed_cancellation:
          close_run(e.task, here + 1);
          close_block(e.task, here);
          if (e.task == running) running_can_continue = false;
          if (lane >= 0)
            markers_.push_back({lane, here,
                                e.kind == EventKind::panic    ? "panic"
                                : e.kind == EventKind::finish ? "finish"
                                                              : "cancel",
                                title, ""});
          if (e.kind == EventKind::panic && e.task == failing) failure_slot_ = here;
          break;
        case EventKind::drop:
          ++drops;
          close_run(e.task, here);
          close_block(e.task, here);
          if (lane >= 0)
            markers_.push_back({lane, here, "drop", title, "drop " + std::to_string(drops)});
          break;
        case EventKind::shutdown_begin:
          if (!shutdown_slot_) shutdown_slot_ = here;
          if (lane >= 0) markers_.push_back({lane, here, "runtime", title, ""});
          break;
        case EventKind::clock_advance:
          clock_.emplace_back(here, e.value);
          markers_.push_back({0, here, "runtime", title, ""});
          break;
        case EventKind::deadlock:
        case EventKind::hang:
          markers_.push_back({lane >= 0 ? lane : 0, here, "panic", title, ""});
          if (!failure_slot_) failure_slot_ = here;
          break;
        case EventKind::spawn:
          if (lane >= 0) markers_.push_back({lane, here, "spawn", title, ""});
          break;
        default:
          markers_.push_back(
              {lane >= 0 ? lane : 0, here, e.task == kNoTask ? "runtime" : "op", title, ""});
          break;
      }
      if (e.task == failing && trace_.failure && e.step == trace_.failure->step &&
          e.where == trace_.failure->where && !failure_slot_)
        failure_slot_ = here;
    }
    const std::size_t end = slot_events_.size();
    while (!run_since.empty()) close_run(run_since.begin()->first, end);
    while (!blocked_since.empty()) close_block(blocked_since.begin()->first, end);
    if (!failure_slot_ && trace_.failure && end > 0) failure_slot_ = end - 1;
  }

  std::string lane_title(TaskId id) const {
    if (id == kNoTask) return "the runtime: clock advances, shutdown, deadlock and hang reports";
    for (const TraceTask& t : trace_.tasks)
      if (t.id == id)
        return task_name(trace_, id) +
               (t.spawn_site.known() ? ", spawned at " + t.spawn_site.to_string() : std::string());
    return task_name(trace_, id);
  }

  double slot_x(std::size_t slot) const { return kLabelWidth + cell_ * static_cast<double>(slot); }
  static double lane_top(int lane) { return kRulerHeight + kLaneHeight * lane; }
  static double lane_mid(int lane) { return lane_top(lane) + kLaneHeight / 2.0; }

  std::string stretch_svg(const Stretch& s) const {
    const double y = lane_top(s.lane) + (std::string(s.css) == "run" ? 5 : 9);
    const double h = std::string(s.css) == "run" ? kLaneHeight - 10 : kLaneHeight - 18;
    return "<rect class=\"" + std::string(s.css) + "\" x=\"" + num(slot_x(s.from)) + "\" y=\"" +
           num(y) + "\" width=\"" + num(cell_ * static_cast<double>(s.to - s.from)) +
           "\" height=\"" + num(h) + "\"><title>" + escape(s.title) + "</title></rect>";
  }

  std::string marker_svg(const Marker& m) const {
    const double cx = slot_x(m.slot) + cell_ / 2, cy = lane_mid(m.lane);
    const std::string css = m.css;
    std::string shape;
    if (css == "drop" || css == "cancel") {
      shape = "<path class=\"" + css + "\" d=\"M" + num(cx - 5) + "," + num(cy - 5) + " L" +
              num(cx + 5) + "," + num(cy + 5) + " M" + num(cx + 5) + "," + num(cy - 5) + " L" +
              num(cx - 5) + "," + num(cy + 5) + "\">";
    } else if (css == "panic") {
      shape = "<circle class=\"panic\" cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"7\">";
    } else if (css == "preempt") {
      const double x = slot_x(m.slot);
      shape = "<path class=\"preempt\" d=\"M" + num(x - 4) + "," + num(lane_top(m.lane) + 1) +
              " L" + num(x + 4) + "," + num(lane_top(m.lane) + 1) + " L" + num(x) + "," +
              num(lane_top(m.lane) + 8) + " z\">";
    } else {
      shape = "<circle class=\"" + css + "\" cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" +
              (css == "op" ? "2.5" : "4") + "\">";
    }
    std::string out = shape + "<title>" + escape(m.title) + "</title></" +
                      (shape.rfind("<path", 0) == 0 ? "path" : "circle") + ">";
    if (!m.label.empty())
      out += "<text class=\"droplabel\" x=\"" + num(cx + 7) + "\" y=\"" + num(cy - 4) + "\">" +
             escape(m.label) + "</text>";
    return out;
  }

  std::string arrow_svg(const Arrow& a) const {
    const double x = slot_x(a.slot) + cell_ / 2;
    const double y1 = lane_mid(a.from_lane), y2 = lane_mid(a.to_lane);
    const double bend = std::max(8.0, cell_ * 1.5);
    return "<path class=\"wake\" data-from=\"" + std::to_string(a.from) + "\" data-to=\"" +
           std::to_string(a.to) + "\" d=\"M" + num(x) + "," + num(y1) + " C" + num(x + bend) + "," +
           num(y1) + " " + num(x + bend) + "," + num(y2) + " " + num(x + 1) + "," +
           num(y2 + (y2 > y1 ? -5 : 5)) + "\" marker-end=\"url(#arrowhead)\"><title>" +
           escape(a.title) + "</title></path>\n";
  }

  std::string ruler_svg(int height) const {
    std::string out =
        "<g class=\"ruler\"><text x=\"6\" y=\"14\">virtual time</text><text x=\"6\" "
        "y=\"30\">step</text>";
    // Virtual time: a line where the clock advances, labelled unless it would overlap.
    double last_label = -1e9;
    out += "<text x=\"" + num(slot_x(0)) + "\" y=\"14\">" +
           time_label(slot_events_.empty() ? 0 : slot_events_.front()->time_ns) + "</text>";
    for (const auto& [slot, ns] : clock_) {
      const double x = slot_x(slot) + cell_ / 2;
      out += "<line class=\"tick\" x1=\"" + num(x) + "\" y1=\"18\" x2=\"" + num(x) + "\" y2=\"" +
             std::to_string(height) + "\"/>";
      if (x - last_label > 48) {
        out += "<text x=\"" + num(x + 2) + "\" y=\"14\">" + time_label(ns) + "</text>";
        last_label = x;
      }
    }
    // Steps, every ~70 px.
    last_label = -1e9;
    for (std::size_t i = 0; i < slot_events_.size(); ++i) {
      const double x = slot_x(i);
      if (x - last_label < 70) continue;
      out += "<text x=\"" + num(x) + "\" y=\"30\">" + std::to_string(slot_events_[i]->step) +
             "</text>";
      last_label = x;
    }
    return out + "</g>\n";
  }

  const Trace& trace_;
  const TraceObjects& objects_;
  std::size_t skipped_ = 0;
  std::size_t hidden_lanes_ = 0;
  std::vector<TaskId> lanes_;  // lane i shows task lanes_[i]; lane 0 is the runtime
  std::vector<const TraceEvent*> slot_events_;
  std::vector<Stretch> stretches_;
  std::vector<Marker> markers_;
  std::vector<Arrow> arrows_;
  std::vector<std::pair<std::size_t, std::int64_t>> clock_;
  std::optional<std::size_t> shutdown_slot_, failure_slot_;
  mutable double cell_ = 10;
};

const char* kStyle =
    "body{font-family:system-ui,sans-serif;margin:16px 20px;color:#1a202c;max-width:1360px}"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:18px 0 6px}"
    ".meta{color:#4a5568;font-weight:normal}"
    ".failure-box{border-left:5px solid #c53030;background:#fff5f5;padding:8px 12px}"
    ".failure-box pre{margin:4px 0;white-space:pre-wrap}"
    "nav a{margin-right:14px}"
    ".scroll{overflow-x:auto;border:1px solid #e2e8f0;max-width:1360px}"
    "svg text{font-size:12px;fill:#2d3748}.name{font-weight:600}"
    ".lanebg{fill:#fff}.lanebg.odd{fill:#f7fafc}"
    "rect.run{fill:#48bb78}rect.blocked{fill:#ed8936}rect.sleep{fill:#a0aec0}"
    "circle.op{fill:#2d3748}circle.spawn{fill:#3182ce}circle.finish{fill:#2f855a}"
    "circle.runtime{fill:#805ad5}circle.panic{fill:#e53e3e;stroke:#742a2a;stroke-width:2}"
    "path.drop,path.cancel{stroke:#c05621;stroke-width:3}path.cancel{stroke:#dd6b20;stroke-width:2}"
    "path.preempt{fill:#e53e3e}.droplabel{font-size:10px;fill:#c05621;font-weight:700}"
    "path.wake{fill:none;stroke:#2b6cb0;stroke-width:1.3}"
    "line.tick{stroke:#b794f4;stroke-dasharray:3 3}"
    ".shutdown rect{fill:#bee3f8;opacity:.35}.shutdown text{fill:#2c5282;font-weight:700}"
    "rect.failure{fill:none;stroke:#e53e3e;stroke-width:3}"
    ".legend span{display:inline-block;margin-right:14px;font-size:13px}"
    ".legend i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}"
    ".filters label{margin-right:12px;font-size:13px;white-space:nowrap}"
    ".src{margin:6px 0}.src .file{font-family:monospace;color:#4a5568}"
    ".src pre{background:#f7fafc;margin:2px 0;padding:6px;overflow-x:auto}"
    "mark{background:#fed7d7;display:inline-block;width:100%}"
    "table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #e2e8f0;"
    "padding:2px 8px;text-align:left}"
    "ol.events{font-family:monospace;font-size:12px;padding-left:4.5em}"
    "ol.events li.key{font-weight:700}ol.events li.bad{color:#c53030;font-weight:700}"
    ".hidden{display:none}";

// Filtering: a checkbox per task hides its lane, its arrows and its events.
const char* kScript =
    "document.querySelectorAll('.filters input').forEach(function(box){"
    "box.addEventListener('change',function(){var id=box.value,hide=!box.checked;"
    "document.querySelectorAll('[data-task=\"'+id+'\"],[data-from=\"'+id+'\"],[data-to=\"'+id+"
    "'\"]').forEach(function(el){if(el.tagName!=='INPUT')el.classList.toggle('hidden',hide);});"
    "});});";

bool is_key(EventKind kind) {
  switch (kind) {
    case EventKind::spawn:
    case EventKind::shutdown_begin:
    case EventKind::drop:
    case EventKind::finish:
    case EventKind::cancelled:
    case EventKind::clock_advance:
      return true;
    default:
      return false;
  }
}

bool is_bad(EventKind kind) {
  return kind == EventKind::panic || kind == EventKind::deadlock || kind == EventKind::hang ||
         kind == EventKind::swallowed_cancellation;
}

std::string decisions_section(const Trace& trace) {
  std::size_t preemptions = 0;
  std::map<std::string, std::size_t> by_kind;
  for (const Decision& d : trace.decisions) {
    ++by_kind[std::string(to_string(d.kind))];
    if (d.preemption) ++preemptions;
  }
  std::string out =
      "<h2>Decisions</h2><p>" + std::to_string(trace.decisions.size()) + " decisions (";
  bool first = true;
  for (const auto& [kind, n] : by_kind) {
    out += (first ? "" : ", ") + std::to_string(n) + " " + kind;
    first = false;
  }
  out += "), " + std::to_string(preemptions) +
         " preemptions. Each is the alternative chosen among those that existed.</p>\n";
  if (trace.decisions.empty()) return out;
  out +=
      "<details><summary>the decisions</summary><table><tr><th>#</th><th>kind</th>"
      "<th>chose</th><th>alternatives</th><th></th></tr>\n";
  const std::size_t shown = std::min(trace.decisions.size(), kMaxDecisionRows);
  for (std::size_t i = 0; i < shown; ++i) {
    const Decision& d = trace.decisions[i];
    std::string chose = d.task != kNoTask ? task_name(trace, d.task) : "";
    if (d.drop) chose.insert(0, "drop ");
    if (chose.empty()) chose = "alternative " + std::to_string(d.index);
    out += "<tr><td>" + std::to_string(i) + "</td><td>" + std::string(to_string(d.kind)) +
           "</td><td>" + escape(chose) + "</td><td>" +
           (d.candidates ? std::to_string(d.index + 1) + " of " + std::to_string(d.candidates)
                         : std::string("?")) +
           "</td><td>" + (d.preemption ? "preemption" : "") + "</td></tr>\n";
  }
  out += "</table>";
  if (shown < trace.decisions.size())
    out += "<p>... and " + std::to_string(trace.decisions.size() - shown) +
           " more (the trace file has them all).</p>";
  return out + "</details>\n";
}

// Every object the trace describes: its name and where it was created (the lanes' tooltips and the
// events name objects the same way).
std::string objects_section(const TraceObjects& objects) {
  if (objects.all().empty()) return {};
  std::string out =
      "<h2 id=\"objects\">Objects</h2><table class=\"objects\"><tr><th>object</th><th>created"
      "</th></tr>\n";
  std::size_t listed = 0;
  for (const auto& [id, o] : objects.all()) {
    if (++listed > kMaxObjectRows) {
      out += "<tr><td colspan=\"2\">... and " +
             std::to_string(objects.all().size() - kMaxObjectRows) +
             " more (weft report --format text lists them all)</td></tr>\n";
      break;
    }
    out += "<tr data-object=\"" + std::to_string(id) + "\"><td>" +
           escape(objects.label(o.kind, id)) + "</td><td>" + escape(o.creation()) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string render_html(const Trace& trace) {
  const TraceObjects objects(trace);
  Swimlanes lanes(trace, objects);
  std::string html =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>weft: " +
      escape(trace.scenario) + "</title>\n<style>" + kStyle + "</style></head><body>\n";
  html += "<h1>" + escape(trace.scenario) + " <span class=\"meta\">" +
          std::string(to_string(trace.flavor)) + ", " + escape(trace.strategy) + ", seed " +
          std::to_string(trace.seed) + ", execution " + std::to_string(trace.execution) +
          "</span></h1>\n<nav>";
  if (trace.failure) html += "<a href=\"#failure\">jump to the failure</a>";
  html += "<a href=\"#lanes\">lanes</a>";
  if (!objects.all().empty()) html += "<a href=\"#objects\">objects</a>";
  html += "<a href=\"#events\">events</a></nav>\n";

  if (trace.failure) {
    html += "<h2>What went wrong</h2><div class=\"failure-box\"><pre>" +
            escape(trace.failure->describe()) + "</pre>" + source_block(trace.failure->where, 3) +
            "</div>\n";
  } else {
    html += "<p>No failure recorded.</p>\n";
  }

  html +=
      "<h2>Lanes</h2><div class=\"legend\"><span><i style=\"background:#48bb78\"></i>running"
      "</span><span><i style=\"background:#ed8936\"></i>blocked</span><span><i "
      "style=\"background:#a0aec0\"></i>sleeping</span><span>&#8594; wakes</span><span "
      "style=\"color:#e53e3e\">&#9660; preempted</span><span style=\"color:#c05621\">&#10005; "
      "dropped (in order)</span><span style=\"color:#e53e3e\">&#9679; panic / deadlock / "
      "hang</span><span>columns: events in order; ruler: virtual time and step</span></div>\n";
  html += "<div class=\"filters\">show: ";
  for (const TraceTask& t : trace.tasks)
    html += "<label><input type=\"checkbox\" checked value=\"" + std::to_string(t.id) + "\">" +
            escape(task_name(trace, t.id)) + "</label>";
  html += "</div>\n";
  if (lanes.skipped_events() > 0)
    html += "<p class=\"meta\">The first " + std::to_string(lanes.skipped_events()) +
            " events are not drawn (the last " + std::to_string(kMaxSlots) +
            " are); weft report --format text lists them all.</p>\n";
  if (lanes.hidden_lanes() > 0)
    html += "<p class=\"meta\">" + std::to_string(lanes.hidden_lanes()) +
            " more tasks have no lane (at most " + std::to_string(kMaxLanes) +
            " are drawn: the failing task and those active in the drawn events first).</p>\n";
  html += "<div class=\"scroll\">" + lanes.svg() + "</div>\n";

  // Where each task was last: its last event with a source location, and the line there.
  html += "<h2>Where each task was last</h2>\n";
  std::map<TaskId, const TraceEvent*> last;  // one pass, not one per task
  for (const TraceEvent& e : trace.events)
    if (e.task != kNoTask && e.where.known()) last[e.task] = &e;
  std::size_t listed = 0;
  for (const auto& [id, e] : last) {
    if (++listed > kMaxLanes) {
      html += "<p class=\"meta\">... and " + std::to_string(last.size() - kMaxLanes) +
              " more tasks.</p>\n";
      break;
    }
    html += "<div data-task=\"" + std::to_string(id) + "\"><b>" + escape(task_name(trace, id)) +
            "</b> " + escape(describe(*e, trace, objects)) + source_block(e->where, 0, false) +
            "</div>\n";
  }

  html += objects_section(objects);
  html += decisions_section(trace);

  html += "<h2 id=\"events\">Events</h2><ol class=\"events\" start=\"" +
          std::to_string(lanes.skipped_events() + 1) + "\">\n";
  const auto& shown = lanes.slot_events();
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const TraceEvent& e = *shown[i];
    const char* css = is_bad(e.kind) ? "bad" : is_key(e.kind) ? "key" : "";
    html += "<li data-task=\"" +
            (e.task == kNoTask ? std::string("runtime") : std::to_string(e.task)) + "\"" +
            (lanes.failure_slot() == i ? " id=\"failure-event\"" : "") + " class=\"" + css + "\">" +
            escape(describe(e, trace, objects)) + "</li>\n";
  }
  html += "</ol>\n";
  if (trace.events_truncated) html += "<p>(later events were not recorded)</p>\n";
  html += "<script>" + std::string(kScript) + "</script>\n</body></html>\n";
  return html;
}

}  // namespace weft
