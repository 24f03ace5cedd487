// Trace files: JSON writing with a stable layout and parsing that checks every field, so that
// bad input becomes one clear TraceError line instead of a crash.
#include "weft/harness/trace.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "weft/harness/options.hpp"
#include "weft/harness/text.hpp"

namespace weft {
namespace {
using nlohmann::json;

[[noreturn]] void bad(const std::string& what) { throw TraceError("invalid trace: " + what); }

json task_json(TaskId id) { return id == kNoTask ? json(nullptr) : json(id); }

std::string where_text(const Location& l) { return l.known() ? l.to_string() : std::string(); }

template <class Enum, std::size_t N>
std::optional<Enum> parse_enum(std::string_view text, Enum (&all)[N]) {
  for (Enum e : all)
    if (to_string(e) == text) return e;
  return std::nullopt;
}

EventKind all_event_kinds[] = {EventKind::spawn,
                               EventKind::run,
                               EventKind::block,
                               EventKind::wake,
                               EventKind::op,
                               EventKind::finish,
                               EventKind::panic,
                               EventKind::cancelled,
                               EventKind::swallowed_cancellation,
                               EventKind::timer_fire,
                               EventKind::clock_advance,
                               EventKind::shutdown_begin,
                               EventKind::drop,
                               EventKind::deadlock,
                               EventKind::hang,
                               EventKind::shutdown_end,
                               EventKind::detach,
                               EventKind::object_created,
                               EventKind::leak_check,
                               EventKind::long_poll};
Op all_ops[] = {Op::none,   Op::start, Op::spawn,  Op::yield,   Op::join,    Op::abort,
                Op::sleep,  Op::send,  Op::recv,   Op::close,   Op::lock,    Op::lock_shared,
                Op::unlock, Op::wait,  Op::notify, Op::acquire, Op::release, Op::load,
                Op::store,  Op::rmw,   Op::choose, Op::drop};
ObjectKind all_object_kinds[] = {ObjectKind::none,      ObjectKind::task,      ObjectKind::mutex,
                                 ObjectKind::rwlock,    ObjectKind::condvar,   ObjectKind::notify,
                                 ObjectKind::semaphore, ObjectKind::barrier,   ObjectKind::mpsc,
                                 ObjectKind::oneshot,   ObjectKind::broadcast, ObjectKind::atomic,
                                 ObjectKind::timer,     ObjectKind::token,     ObjectKind::watch};

// Field access that names the field on failure.
const json& field(const json& j, const char* name, const std::string& where) {
  if (!j.is_object()) bad(where + " is not an object");
  auto it = j.find(name);
  if (it == j.end()) bad(where + " has no \"" + name + "\"");
  return *it;
}
std::string get_string(const json& j, const char* name, const std::string& where) {
  const json& v = field(j, name, where);
  if (!v.is_string()) bad(where + "." + name + " is not a string");
  return v.get<std::string>();
}
std::uint64_t get_u64(const json& j, const char* name, const std::string& where) {
  const json& v = field(j, name, where);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    bad(where + "." + name + " is not a non-negative integer");
  return v.get<std::uint64_t>();
}
std::int64_t get_i64(const json& j, const char* name, const std::string& where) {
  const json& v = field(j, name, where);
  if (!v.is_number_integer()) bad(where + "." + name + " is not an integer");
  // An unsigned value past INT64_MAX would read back negative (a version of 2^64 - 1 as -1).
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t{INT64_MAX})
    bad(where + "." + name + " is out of range");
  return v.get<std::int64_t>();
}
std::uint64_t opt_u64(const json& j, const char* name, const std::string& where,
                      std::uint64_t fallback) {
  return j.contains(name) ? get_u64(j, name, where) : fallback;
}
TaskId get_task(const json& j, const char* name, const std::string& where) {
  if (!j.contains(name) || j.at(name).is_null()) return kNoTask;
  std::uint64_t v = get_u64(j, name, where);
  if (v >= kNoTask) bad(where + "." + name + " is out of range");
  return static_cast<TaskId>(v);
}
std::uint32_t get_u32(const json& j, const char* name, const std::string& where) {
  std::uint64_t v = get_u64(j, name, where);
  if (v > UINT32_MAX) bad(where + "." + name + " is out of range");
  return static_cast<std::uint32_t>(v);
}

Location location_from_text(const std::string& text) {
  Location l;
  auto colon = text.rfind(':');
  if (text.empty() || colon == std::string::npos) return l;
  l.file = text.substr(0, colon);
  try {
    l.line = static_cast<std::uint32_t>(std::stoul(text.substr(colon + 1)));
  } catch (...) {
    bad("location \"" + text + "\" is not file:line");
  }
  return l;
}

json event_json(const TraceEvent& e) {
  json j = json::object();
  j["step"] = e.step;
  j["time_ns"] = e.time_ns;
  j["kind"] = std::string(to_string(e.kind));
  if (e.op != Op::none) j["op"] = std::string(to_string(e.op));
  if (e.object_kind != ObjectKind::none) j["object_kind"] = std::string(to_string(e.object_kind));
  if (e.task != kNoTask) j["task"] = e.task;
  if (e.other != kNoTask) j["other"] = e.other;
  if (e.object != kNoObject) j["object"] = e.object;
  if (e.value != 0) j["value"] = e.value;
  if (!e.text.empty()) j["text"] = e.text;
  if (e.where.known()) j["where"] = where_text(e.where);
  return j;
}

TraceEvent event_from_json(const json& j, const std::string& where) {
  TraceEvent e;
  e.step = get_u64(j, "step", where);
  e.time_ns = get_i64(j, "time_ns", where);
  auto kind = parse_enum(get_string(j, "kind", where), all_event_kinds);
  if (!kind) bad(where + ".kind is not an event kind");
  e.kind = *kind;
  if (j.contains("op")) {
    auto op = parse_enum(get_string(j, "op", where), all_ops);
    if (!op) bad(where + ".op is not an operation");
    e.op = *op;
  }
  if (j.contains("object_kind")) {
    auto ok = parse_enum(get_string(j, "object_kind", where), all_object_kinds);
    if (!ok) bad(where + ".object_kind is not an object kind");
    e.object_kind = *ok;
  }
  e.task = get_task(j, "task", where);
  e.other = get_task(j, "other", where);
  if (j.contains("object")) e.object = get_u32(j, "object", where);
  if (j.contains("value")) e.value = get_i64(j, "value", where);
  if (j.contains("text")) e.text = get_string(j, "text", where);
  if (j.contains("where")) e.where = location_from_text(get_string(j, "where", where));
  return e;
}
}  // namespace

json to_json(const Failure& f) {
  json j = json::object();
  j["kind"] = std::string(to_string(f.kind));
  j["task"] = task_json(f.task);
  j["task_name"] = f.task_name;
  j["message"] = f.message;
  j["step"] = f.step;
  j["where"] = json{{"file", f.where.file}, {"line", f.where.line}, {"function", f.where.function}};
  j["details"] = f.details;
  return j;
}

Failure failure_from_json(const json& j) {
  const std::string w = "failure";
  Failure f;
  auto kind = parse_failure_kind(get_string(j, "kind", w));
  if (!kind) bad("failure.kind \"" + get_string(j, "kind", w) + "\" is not a failure kind");
  f.kind = *kind;
  f.task = get_task(j, "task", w);
  f.task_name = get_string(j, "task_name", w);
  f.message = get_string(j, "message", w);
  f.step = get_u64(j, "step", w);
  const json& where = field(j, "where", w);
  f.where.file = get_string(where, "file", w + ".where");
  f.where.line = get_u32(where, "line", w + ".where");
  f.where.function = get_string(where, "function", w + ".where");
  const json& details = field(j, "details", w);
  if (!details.is_array()) bad("failure.details is not an array");
  for (const json& d : details) {
    if (!d.is_string()) bad("failure.details holds a non-string");
    f.details.push_back(d.get<std::string>());
  }
  return f;
}

json to_json(const Trace& t) {
  json j = json::object();
  j["format"] = std::string(kTraceFormat);
  j["version"] = kTraceVersion;
  j["scenario"] = t.scenario;
  j["flavor"] = std::string(to_string(t.flavor));
  j["strategy"] = json{{"name", t.strategy}, {"parameters", t.strategy_parameters}};
  j["seed"] = t.seed;
  j["execution"] = t.execution;
  j["limits"] = json{{"max_steps", t.max_steps}, {"max_virtual_time_ns", t.max_virtual_time_ns}};
  if (t.spurious_wakeups) j["limits"]["spurious_wakeups"] = *t.spurious_wakeups;
  if (t.detectors)
    j["detectors"] = json{{"lock_order", t.detectors->lock_order},
                          {"leaks", std::string(option_name(t.detectors->leaks))},
                          {"leak_grace_ms", t.detectors->leak_grace_ms},
                          {"long_poll_ms", t.detectors->long_poll_ms}};
  j["decisions"] = decisions_to_json(t.decisions);
  j["failure"] = t.failure ? to_json(*t.failure) : json(nullptr);
  json tasks = json::array();
  for (const TraceTask& task : t.tasks)
    tasks.push_back(json{{"id", task.id},
                         {"name", task.name},
                         {"parent", task_json(task.parent)},
                         {"spawn_site", where_text(task.spawn_site)}});
  j["tasks"] = std::move(tasks);
  json events = json::array();
  for (const TraceEvent& e : t.events) events.push_back(event_json(e));
  j["events"] = std::move(events);
  j["events_truncated"] = t.events_truncated;
  make_valid_utf8(j);  // panic messages and names are the program's bytes, not always UTF-8
  return j;
}

std::string write_trace(const Trace& trace) { return to_json(trace).dump(1) + "\n"; }

Trace parse_trace(std::string_view text) {
  // A trace nests a few levels; a hostile file could nest without bound and exhaust the stack of
  // whatever walks it recursively later.
  const json::parser_callback_t depth_limit = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxTraceDepth)
      bad("nested deeper than " + std::to_string(kMaxTraceDepth) + " levels");
    return true;
  };
  json j = json::parse(text.begin(), text.end(), depth_limit, false);
  if (j.is_discarded()) bad("not valid JSON");
  if (!j.is_object()) bad("the top level is not an object");
  const std::string w = "trace";
  if (!j.contains("format") || !j["format"].is_string() || j["format"] != kTraceFormat)
    bad("\"format\" is not \"weft-trace\"");
  std::int64_t version = get_i64(j, "version", w);
  if (version != kTraceVersion)
    throw TraceError("trace version " + std::to_string(version) +
                     " is not supported (this weft reads version " + std::to_string(kTraceVersion) +
                     ")");
  Trace t;
  t.scenario = get_string(j, "scenario", w);
  auto flavor = parse_flavor(get_string(j, "flavor", w));
  if (!flavor) bad("\"flavor\" must be multi_thread or current_thread");
  t.flavor = *flavor;
  const json& strategy = field(j, "strategy", w);
  t.strategy = get_string(strategy, "name", "strategy");
  t.strategy_parameters = field(strategy, "parameters", "strategy");
  if (!t.strategy_parameters.is_object()) bad("strategy.parameters is not an object");
  t.seed = get_u64(j, "seed", w);
  t.execution = opt_u64(j, "execution", w, 0);
  if (j.contains("limits")) {
    const json& limits = j["limits"];
    t.max_steps = opt_u64(limits, "max_steps", "limits", 0);
    t.max_virtual_time_ns = limits.contains("max_virtual_time_ns")
                                ? get_i64(limits, "max_virtual_time_ns", "limits")
                                : 0;
    if (t.max_virtual_time_ns < 0) bad("limits.max_virtual_time_ns is negative");
    if (limits.contains("spurious_wakeups")) {
      const std::uint64_t budget = get_u64(limits, "spurious_wakeups", "limits");
      if (budget > UINT32_MAX) bad("limits.spurious_wakeups is out of range");
      t.spurious_wakeups = static_cast<std::uint32_t>(budget);
    }
  }
  if (j.contains("detectors")) {
    const json& d = j["detectors"];
    if (!d.is_object()) bad("\"detectors\" is not an object");
    TraceDetectors detectors;
    if (d.contains("lock_order")) {
      if (!d["lock_order"].is_boolean()) bad("detectors.lock_order is not a boolean");
      detectors.lock_order = d["lock_order"].get<bool>();
    }
    if (d.contains("leaks")) {
      auto leaks = parse_option_name<LeakMode>(get_string(d, "leaks", "detectors"));
      if (!leaks) bad("detectors.leaks must be fail, warn or off");
      detectors.leaks = *leaks;
    }
    detectors.leak_grace_ms = opt_u64(d, "leak_grace_ms", "detectors", detectors.leak_grace_ms);
    detectors.long_poll_ms = opt_u64(d, "long_poll_ms", "detectors", detectors.long_poll_ms);
    if (detectors.leak_grace_ms > kMaxMilliseconds || detectors.long_poll_ms > kMaxMilliseconds)
      bad("detectors: a time in ms is out of range");
    t.detectors = detectors;
  }
  std::string decision_error;
  auto decisions = decisions_from_json(field(j, "decisions", w), &decision_error);
  if (!decisions) bad(decision_error);
  t.decisions = std::move(*decisions);
  if (j.contains("failure") && !j["failure"].is_null()) t.failure = failure_from_json(j["failure"]);
  if (j.contains("tasks")) {
    const json& tasks = j["tasks"];
    if (!tasks.is_array()) bad("\"tasks\" is not an array");
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const std::string tw = "tasks[" + std::to_string(i) + "]";
      TraceTask task;
      task.id = get_task(tasks[i], "id", tw);
      task.name = get_string(tasks[i], "name", tw);
      task.parent = get_task(tasks[i], "parent", tw);
      if (tasks[i].contains("spawn_site"))
        task.spawn_site = location_from_text(get_string(tasks[i], "spawn_site", tw));
      t.tasks.push_back(std::move(task));
    }
  }
  if (j.contains("events")) {
    const json& events = j["events"];
    if (!events.is_array()) bad("\"events\" is not an array");
    for (std::size_t i = 0; i < events.size(); ++i)
      t.events.push_back(event_from_json(events[i], "events[" + std::to_string(i) + "]"));
  }
  if (j.contains("events_truncated")) {
    if (!j["events_truncated"].is_boolean()) bad("\"events_truncated\" is not a boolean");
    t.events_truncated = j["events_truncated"].get<bool>();
  }
  return t;
}

Trace read_trace_file(const std::string& path) {
  // Only regular files: a device or FIFO (weft replay /dev/zero) would be read without end.
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status))
    throw TraceError("cannot read trace file " + path + ": no such file");
  if (!std::filesystem::is_regular_file(status))
    throw TraceError("cannot read trace file " + path + ": not a regular file");
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw TraceError("cannot read trace file " + path + ": " + error.message());
  if (size > kMaxTraceBytes)
    throw TraceError("trace file " + path + " is larger than " +
                     std::to_string(kMaxTraceBytes >> 20) + " MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TraceError("cannot read trace file " + path);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in || in.peek() != std::char_traits<char>::eof())
    throw TraceError("cannot read trace file " + path + ": it changed while being read");
  return parse_trace(text);
}

// Atomic: the text goes to a temporary file next to `path`, which is then renamed over it, so that
// a failed write (a full disk, a trace that does not serialise) leaves an existing trace whole.
void write_trace_file(const Trace& trace, const std::string& path) {
  std::string text;
  try {
    text = write_trace(trace);
  } catch (const std::exception& e) {  // e.g. out of memory
    throw TraceError("cannot write trace file " + path + ": " + e.what());
  }
  static std::atomic<std::uint64_t> temporaries{0};
  const std::string temporary =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(temporaries.fetch_add(1));
  bool written = false;
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    written = out && (out << text) && out.flush();
  }
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    const std::string reason = error != 0 ? std::strerror(error) : "the write failed";
    std::remove(temporary.c_str());
    throw TraceError("cannot write trace file " + path + ": " + reason);
  }
}

}  // namespace weft
