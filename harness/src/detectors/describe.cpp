// Plain-words pieces of the detectors' reports (describe.hpp).
#include "weft/harness/describe.hpp"

#include <cstdio>

namespace weft {

std::string describe_wait(Op op, ObjectKind kind, ObjectId object) {
  const std::string what = std::string(to_string(kind)) + " #" + std::to_string(object);
  switch (op) {
    case Op::lock:
      return "waits to lock " + what;
    case Op::lock_shared:
      return "waits to read-lock " + what;
    case Op::recv:
      return "waits to receive from " + what;
    case Op::send:
      return "waits for room to send on " + what;
    case Op::join:
      return "waits for task #" + std::to_string(object) + " to finish";
    case Op::wait:
      return "waits on " + what;
    case Op::acquire:
      return "waits for a permit of " + what;
    case Op::sleep:
      return "sleeps";
    default:
      return "waits in " + std::string(to_string(op)) + " on " + what;
  }
}

std::string describe_wait(const TaskSnapshot& t, const TaskTable& tasks,
                          const ObjectTable& objects) {
  if (t.wait_op == Op::join) return "waits for " + tasks.label(t.wait_object) + " to finish";
  if (t.wait_op == Op::sleep) return "sleeps";
  const std::string what = objects.name(t.wait_kind, t.wait_object);
  switch (t.wait_op) {
    case Op::lock:
      return (t.wait_kind == ObjectKind::rwlock ? "waits to write-lock " : "waits to lock ") + what;
    case Op::lock_shared:
      return "waits to read-lock " + what;
    case Op::recv:
      return "waits to receive from " + what;
    case Op::send:
      return "waits for room to send on " + what;
    case Op::acquire:
      return "waits for permits of " + what;
    case Op::wait:
      if (t.wait_kind == ObjectKind::barrier) return "waits at " + what + " for more tasks";
      return "waits for a notification on " + what;
    default:
      return "waits in " + std::string(to_string(t.wait_op)) + " on " + what;
  }
}

std::string describe_event(const Event& e, const TaskTable& tasks) {
  std::string text = "step " + std::to_string(e.step) + ": ";
  if (e.task != kNoTask) text += tasks.label(e.task) + " ";
  text += std::string(to_string(e.kind));
  if (e.op != Op::none) text += " " + std::string(to_string(e.op));
  if (e.object_kind != ObjectKind::none)
    text += " " + std::string(to_string(e.object_kind)) + " #" + std::to_string(e.object);
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
