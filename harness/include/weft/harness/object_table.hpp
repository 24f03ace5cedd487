// Who holds which lock (and which semaphore permits) right now, where each hold was taken and
// where each lock was created, kept from the events of one execution so that detectors can say
// "held by 'b' (#2), locked at bank.cpp:40".
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "weft/observer.hpp"
#include "weft/source_location.hpp"

namespace weft {

class ObjectTable {
 public:
  struct Hold {
    TaskId task = kNoTask;
    ObjectKind kind = ObjectKind::none;
    ObjectId object = kNoObject;
    bool shared = false;        // an RwLock read hold
    bool by_try = false;        // taken by a try (try_lock, timed ones too, try_read...)
    std::uint64_t permits = 0;  // semaphore permits (0 for locks)
    SourceLocation where;       // the call that took it (static data: safe to keep)
    std::uint64_t step = 0;
  };

  void clear() {
    holds_.clear();
    objects_.clear();
  }
  // Cheap for the events it does not care about (everything but lock, unlock, acquire, release
  // and object_created).
  void on_event(const Event& e);

  // Current holds, oldest first.
  const std::vector<Hold>& holds() const { return holds_; }
  std::vector<const Hold*> holders_of(ObjectId object) const;
  std::vector<const Hold*> held_by(TaskId task) const;
  // The construction site of an object, or an empty location when unknown (also for one that a
  // standard-library call built, such as std::make_shared: its site is the library's).
  SourceLocation created(ObjectId object) const;
  // The object's lock class, stable across executions: how it was created, as a phrase that
  // follows "created" ("at bank.cpp:12", "at bank.cpp:12, named 'accounts'", "by a
  // standard-library call after bank.cpp:30 (#2)"), or "" when nothing tells it apart.
  std::string class_key(ObjectId object) const;
  // "mutex #2", "mutex #2 (created at bank.cpp:12)", or with the name given at construction
  // "mutex 'accounts' #2 (created at bank.cpp:12)".
  std::string name(ObjectKind kind, ObjectId object) const;
  // "mutex #2" or "mutex 'accounts' #2": the name without the creation site.
  std::string short_name(ObjectKind kind, ObjectId object) const;

  static bool is_lock(ObjectKind kind) {
    return kind == ObjectKind::mutex || kind == ObjectKind::rwlock;
  }

 private:
  void release(TaskId task, ObjectId object, bool shared, std::uint64_t permits);
  std::vector<Hold> holds_;
  // What object_created said of each object, by object id.
  struct Created {
    SourceLocation site;      // for by_library: the creating task's last scheduling point (or none)
    std::string name;         // "" when not named
    bool by_library = false;  // built by a standard-library call (see settle_library_site)
    std::uint32_t ordinal = 0;  // for by_library: its number among those built after `site`
  };
  // " (created at bank.cpp:12)", or "" when nothing is known.
  std::string creation_text(ObjectId object) const;
  std::vector<Created> objects_;
};

// How reports and detectors call an object: "mutex #2", or "mutex 'accounts' #2" when it was
// named at construction (`name` as printed: printable text, "" for none).
std::string object_label(ObjectKind kind, ObjectId object, std::string_view name);

// "file:line", or "?" when unknown.
std::string location_text(const SourceLocation& where);
inline bool known(const SourceLocation& where) {
  return where.file_name() != nullptr && *where.file_name() != '\0';
}

}  // namespace weft
