// Lock and permit holders from op events (see object_table.hpp).
#include "weft/harness/object_table.hpp"

#include <algorithm>

#include "weft/harness/failure.hpp"
#include "weft/harness/text.hpp"

namespace weft {

std::string location_text(const SourceLocation& where) { return Location::from(where).to_string(); }

void ObjectTable::on_event(const Event& e) {
  if (e.kind == EventKind::object_created) {
    if (objects_.size() <= e.object) objects_.resize(e.object + 1);
    objects_[e.object] =
        Created{e.where, e.text.empty() ? std::string() : printable(e.text), e.value != 0,
                static_cast<std::uint32_t>(e.value > 0 ? e.value - 1 : 0)};
    return;
  }
  if (e.kind != EventKind::op) return;
  switch (e.op) {
    case Op::lock:
    case Op::lock_shared:
      if (!is_lock(e.object_kind)) return;
      holds_.push_back(Hold{e.task, e.object_kind, e.object, e.op == Op::lock_shared, e.value == 1,
                            0, e.where, e.step});
      return;
    case Op::unlock:
      // RwLock unlocks say which hold they end (value 1: a read hold).
      release(e.task, e.object, e.object_kind == ObjectKind::rwlock && e.value == 1, 0);
      return;
    case Op::acquire:
      if (e.object_kind != ObjectKind::semaphore || !e.text.empty()) return;  // "no_permits"
      holds_.push_back(Hold{e.task, e.object_kind, e.object, false, false,
                            static_cast<std::uint64_t>(e.value), e.where, e.step});
      return;
    case Op::release:
      if (e.object_kind == ObjectKind::semaphore)
        release(e.task, e.object, false, static_cast<std::uint64_t>(e.value));
      return;
    default:
      return;
  }
}

void ObjectTable::release(TaskId task, ObjectId object, bool shared, std::uint64_t permits) {
  auto matches = [&](const Hold& h, bool same_task) {
    return h.object == object && h.shared == shared && (!same_task || h.task == task);
  };
  // The releasing task's latest hold; else (a guard or permit moved to another task, or permits
  // released without being acquired) the oldest hold of the object.
  auto it =
      std::find_if(holds_.rbegin(), holds_.rend(), [&](const Hold& h) { return matches(h, true); });
  std::vector<Hold>::iterator hold;
  if (it != holds_.rend()) {
    hold = std::prev(it.base());
  } else {
    hold = std::find_if(holds_.begin(), holds_.end(),
                        [&](const Hold& h) { return matches(h, false); });
    if (hold == holds_.end()) return;
  }
  if (permits != 0 && hold->permits > permits) {
    hold->permits -= permits;
    return;
  }
  holds_.erase(hold);
}

std::vector<const ObjectTable::Hold*> ObjectTable::holders_of(ObjectId object) const {
  std::vector<const Hold*> out;
  for (const Hold& h : holds_)
    if (h.object == object) out.push_back(&h);
  return out;
}

std::vector<const ObjectTable::Hold*> ObjectTable::held_by(TaskId task) const {
  std::vector<const Hold*> out;
  for (const Hold& h : holds_)
    if (h.task == task) out.push_back(&h);
  return out;
}

SourceLocation ObjectTable::created(ObjectId object) const {
  if (object >= objects_.size() || objects_[object].by_library) return SourceLocation{};
  return objects_[object].site;
}

std::string ObjectTable::creation_text(ObjectId object) const {
  if (object >= objects_.size()) return "";
  const Created& o = objects_[object];
  if (o.by_library)
    return known(o.site)
               ? " (created by a standard-library call after " + location_text(o.site) + ")"
               : " (created by a standard-library call; line unknown)";
  return known(o.site) ? " (created at " + location_text(o.site) + ")" : "";
}

std::string ObjectTable::class_key(ObjectId object) const {
  if (object >= objects_.size()) return "";
  const Created& o = objects_[object];
  const std::string named = o.name.empty() ? "" : ", named '" + o.name + "'";
  if (!o.by_library) return known(o.site) ? "at " + location_text(o.site) + named : "";
  // The library's line tells nothing: the task's position and the object's number there do.
  if (known(o.site))
    return "by a standard-library call after " + location_text(o.site) + " (#" +
           std::to_string(o.ordinal + 1) + ")" + named;
  return named.empty() ? "" : "by a standard-library call" + named;
}

std::string object_label(ObjectKind kind, ObjectId object, std::string_view name) {
  std::string text(to_string(kind));
  if (!name.empty()) text.append(" '").append(name).append("'");
  return text + " #" + std::to_string(object);
}

std::string ObjectTable::short_name(ObjectKind kind, ObjectId object) const {
  return object_label(kind, object,
                      object < objects_.size() ? objects_[object].name : std::string_view());
}

std::string ObjectTable::name(ObjectKind kind, ObjectId object) const {
  return short_name(kind, object) + creation_text(object);
}

}  // namespace weft
