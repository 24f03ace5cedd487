// Plain-words pieces of the detectors' reports (describe.hpp).
#include "weft/harness/describe.hpp"

#include <cstdint>
#include <cstdio>
#include <string_view>

namespace weft {

namespace {

// What a task blocked in an operation waits for, in words: one row per operation a task can block
// in (and per kind of object where the same operation means something else: a write lock on an
// rwlock, waiting at a barrier, a watch's changed(), a sender's closed()), so that a new blocking
// operation is one row. The text is `before` + what it waits on + `after`. The first row whose
// op matches and whose kind is the object's (or none: any kind) is used; a task waiting in an
// operation without a row is described by the operation's name.
enum class WaitsOn : std::uint8_t { object, task, nothing };
struct WaitWords {
  Op op;
  ObjectKind kind = ObjectKind::none;
  WaitsOn on = WaitsOn::object;
  std::string_view before;
  std::string_view after = {};
};

constexpr WaitWords kWaitWords[] = {
    {.op = Op::lock, .kind = ObjectKind::rwlock, .before = "waits to write-lock "},
    {.op = Op::lock, .before = "waits to lock "},
    {.op = Op::lock_shared, .before = "waits to read-lock "},
    {.op = Op::recv, .kind = ObjectKind::watch, .before = "waits for a new value of "},
    {.op = Op::recv, .before = "waits to receive from "},
    {.op = Op::send, .before = "waits for room to send on "},
    {.op = Op::acquire, .before = "waits for permits of "},
    {.op = Op::wait,
     .kind = ObjectKind::barrier,
     .before = "waits at ",
     .after = " for more tasks"},
    {.op = Op::wait,
     .kind = ObjectKind::mpsc,
     .before = "waits for the receiver of ",
     .after = " to close"},
    {.op = Op::wait,
     .kind = ObjectKind::oneshot,
     .before = "waits for the receiver of ",
     .after = " to close"},
    {.op = Op::wait,
     .kind = ObjectKind::watch,
     .before = "waits for every receiver of ",
     .after = " to be dropped"},
    {.op = Op::wait,
     .kind = ObjectKind::token,
     .before = "waits for ",
     .after = " to be cancelled"},
    {.op = Op::wait, .before = "waits for a notification on "},
    {.op = Op::join, .on = WaitsOn::task, .before = "waits for ", .after = " to finish"},
    {.op = Op::sleep, .on = WaitsOn::nothing, .before = "sleeps"},
};

const WaitWords* wait_words(Op op, ObjectKind kind) noexcept {
  for (const WaitWords& w : kWaitWords)
    if (w.op == op && (w.kind == ObjectKind::none || w.kind == kind)) return &w;
  return nullptr;
}

// `name`: what the task waits on (an object's or a task's name, "" for nothing).
std::string wait_text(const WaitWords* w, Op op, const std::string& name) {
  if (w == nullptr) return "waits in " + std::string(to_string(op)) + " on " + name;
  std::string text(w->before);
  text += name;
  text += w->after;
  return text;
}

}  // namespace

std::string describe_wait(Op op, ObjectKind kind, ObjectId object) {
  const WaitWords* w = wait_words(op, kind);
  const WaitsOn on = w != nullptr ? w->on : WaitsOn::object;
  std::string name;
  if (on == WaitsOn::object) name = std::string(to_string(kind)) + " #" + std::to_string(object);
  if (on == WaitsOn::task) name = "task #" + std::to_string(object);
  return wait_text(w, op, name);
}

std::string describe_wait(const TaskSnapshot& t, const TaskTable& tasks,
                          const ObjectTable& objects) {
  const WaitWords* w = wait_words(t.wait_op, t.wait_kind);
  const WaitsOn on = w != nullptr ? w->on : WaitsOn::object;
  std::string name;
  if (on == WaitsOn::object) name = objects.name(t.wait_kind, t.wait_object);
  if (on == WaitsOn::task) name = tasks.label(t.wait_object);
  return wait_text(w, t.wait_op, name);
}

std::string describe_event(const Event& e, const TaskTable& tasks, const ObjectTable& objects) {
  std::string text = "step " + std::to_string(e.step) + ": ";
  if (e.task != kNoTask) text += tasks.label(e.task) + " ";
  text += std::string(to_string(e.kind));
  if (e.op != Op::none) text += " " + std::string(to_string(e.op));
  if (e.object_kind != ObjectKind::none) text += " " + objects.short_name(e.object_kind, e.object);
  if (!e.text.empty()) text += " \"" + std::string(e.text) + "\"";
  Location where = Location::from(e.where);
  if (where.known()) text += " at " + where.to_string();
  return text;
}

std::string duration_text(Duration d) {
  using namespace std::chrono;
  if (d > Duration::zero() && d % seconds(1) == Duration::zero())
    return std::to_string(duration_cast<seconds>(d).count()) + " s";
  if (d % milliseconds(1) == Duration::zero())
    return std::to_string(duration_cast<milliseconds>(d).count()) + " ms";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f ms", static_cast<double>(d.count()) / 1e6);
  return buffer;
}

}  // namespace weft
