// The trace file: a failing (or any) execution as JSON — the decision list that replays it, the
// failure it produced and the events that explain it. Versioned; parsing validates everything.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/harness/decision.hpp"
#include "weft/harness/failure.hpp"
#include "weft/harness/options.hpp"  // LeakMode
#include "weft/observer.hpp"
#include "weft/runtime.hpp"

namespace weft {

inline constexpr int kTraceVersion = 1;
inline constexpr std::string_view kTraceFormat = "weft-trace";
// Limits on what a trace file may be, so a hostile or mistaken file is refused with a one-line
// error instead of exhausting memory or the stack: the largest traces recorded are tens of MiB,
// and a trace nests five levels.
inline constexpr std::uintmax_t kMaxTraceBytes = std::uintmax_t{1} << 30;
inline constexpr int kMaxTraceDepth = 64;

// One observed event, with names resolved so the trace reads without the program.
struct TraceEvent {
  std::uint64_t step = 0;
  std::int64_t time_ns = 0;
  EventKind kind = EventKind::op;
  Op op = Op::none;
  ObjectKind object_kind = ObjectKind::none;
  TaskId task = kNoTask;
  TaskId other = kNoTask;
  ObjectId object = kNoObject;
  std::int64_t value = 0;
  std::string text;
  Location where;
  friend bool operator==(const TraceEvent&, const TraceEvent&) = default;
};

struct TraceTask {
  TaskId id = kNoTask;
  std::string name;
  TaskId parent = kNoTask;
  Location spawn_site;
};

// The detector options of the exploration that recorded a trace, so that replay and shrinking
// run the same detectors (leak checking even changes the schedule).
struct TraceDetectors {
  bool lock_order = true;
  LeakMode leaks = LeakMode::off;
  std::uint64_t leak_grace_ms = 1000;
  std::uint64_t long_poll_ms = 100;
  friend bool operator==(const TraceDetectors&, const TraceDetectors&) = default;
};

struct Trace {
  std::string scenario;
  Flavor flavor = Flavor::multi_thread;
  std::string strategy;
  nlohmann::json strategy_parameters = nlohmann::json::object();
  std::uint64_t seed = 0;       // the seed of this execution (replays it with --seed)
  std::uint64_t execution = 0;  // index of the execution within its exploration
  std::uint64_t max_steps = 0;
  std::int64_t max_virtual_time_ns = 0;
  // The spurious wake-up budget (--spurious-wakeups); absent in older traces: no limit.
  std::optional<std::uint32_t> spurious_wakeups;
  std::optional<TraceDetectors> detectors;  // absent in traces of older weft versions
  std::vector<Decision> decisions;
  std::optional<Failure> failure;
  std::vector<TraceTask> tasks;
  std::vector<TraceEvent> events;
  bool events_truncated = false;
};

// Bad trace input: the message is one line naming what is wrong.
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

nlohmann::json to_json(const Trace& trace);
// Serialised text: the same trace gives the same bytes.
std::string write_trace(const Trace& trace);
Trace parse_trace(std::string_view text);        // throws TraceError
Trace read_trace_file(const std::string& path);  // throws TraceError
// Writes atomically (a temporary file next to `path`, renamed over it): a failed write leaves an
// existing trace as it was. Throws TraceError.
void write_trace_file(const Trace& trace, const std::string& path);

nlohmann::json to_json(const Failure& failure);
Failure failure_from_json(const nlohmann::json& j);  // throws TraceError

}  // namespace weft
