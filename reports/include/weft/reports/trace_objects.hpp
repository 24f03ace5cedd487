// The objects a trace mentions, named the way the detectors name them ("mutex 'queue' #1") and
// with where each was created, taken from the trace's object_created events: a trace file alone
// is enough to render names and creation sites.
#pragma once
#include <map>
#include <string>

#include "weft/harness/trace.hpp"

namespace weft {

class TraceObjects {
 public:
  struct Object {
    ObjectKind kind = ObjectKind::none;
    ObjectId id = kNoObject;
    std::string name;  // as given at construction (printable), "" when not named
    Location created;  // unknown when the trace does not say
    // Built by a standard-library call (std::make_shared...): `created` is then the creating
    // task's last scheduling point before it, not the construction line.
    bool by_library = false;
    // "at app.cpp:12", "by a standard-library call after app.cpp:30", "at an unknown line".
    std::string creation() const;
  };

  explicit TraceObjects(const Trace& trace);

  // "mutex 'queue' #1", or "mutex #1" for an unnamed object or one the trace does not describe.
  std::string label(ObjectKind kind, ObjectId id) const;
  // The label and, when known, " (created at file:line)" (or "by a standard-library call...").
  std::string described(ObjectKind kind, ObjectId id) const;
  // What the trace says of the object, or nullptr. Objects of kind `task` are tasks, numbered
  // apart from the other objects: never found here.
  const Object* find(ObjectKind kind, ObjectId id) const;
  // Every object the trace describes, by id.
  const std::map<ObjectId, Object>& all() const { return objects_; }

 private:
  const Object* find(ObjectId id) const;
  std::map<ObjectId, Object> objects_;
};

}  // namespace weft
