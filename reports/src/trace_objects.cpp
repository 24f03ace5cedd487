// Object names and creation sites from a trace's object_created events (see trace_objects.hpp).
#include "weft/reports/trace_objects.hpp"

#include "weft/harness/object_table.hpp"
#include "weft/harness/text.hpp"

namespace weft {

TraceObjects::TraceObjects(const Trace& trace) {
  for (const TraceEvent& e : trace.events) {
    if (e.kind != EventKind::object_created || e.object == kNoObject) continue;
    // The first description wins: ids are given once per runtime, in order of first use.
    objects_.try_emplace(e.object,
                         Object{e.object_kind, e.object, printable(e.text), e.where, e.value != 0});
  }
}

std::string TraceObjects::Object::creation() const {
  if (by_library)
    return created.known() ? "by a standard-library call after " + created.to_string()
                           : "by a standard-library call at an unknown line";
  return created.known() ? "at " + created.to_string() : "at an unknown line";
}

const TraceObjects::Object* TraceObjects::find(ObjectId id) const {
  auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : &it->second;
}

const TraceObjects::Object* TraceObjects::find(ObjectKind kind, ObjectId id) const {
  const Object* o = find(id);
  return o != nullptr && o->kind == kind ? o : nullptr;
}

std::string TraceObjects::label(ObjectKind kind, ObjectId id) const {
  const Object* o = find(kind, id);
  return object_label(kind, id, o != nullptr ? std::string_view(o->name) : std::string_view());
}

std::string TraceObjects::described(ObjectKind kind, ObjectId id) const {
  std::string text = label(kind, id);
  if (const Object* o = find(kind, id); o != nullptr && (o->created.known() || o->by_library))
    text += " (created " + o->creation() + ")";
  return text;
}

}  // namespace weft
