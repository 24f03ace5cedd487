// Creation sites inside the standard library (see settle_library_site in scheduler_api.hpp): an
// object that std::make_shared (or any library code) constructs gets the library's line as its
// default SourceLocation argument. Reports would show bits/stl_construct.h, and the lock-order
// detector, which tells locks apart across executions by creation site, would take every such
// lock for one.
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "scheduler.hpp"

namespace weft::detail {
namespace {

// The function name that marks a replaced site (compared by address).
constexpr char kLibraryCall[] = "(a standard-library call)";

// Built by std::construct_at, which evaluates the default argument in the library's own header.
struct Probe {
  SourceLocation where;
  explicit Probe(SourceLocation w = SourceLocation::current()) : where(w) {}
};

// The root of the standard library's headers as this build sees them: the directory above the
// one holding construct_at (libstdc++: .../include/c++/12/bits/stl_construct.h; libc++:
// .../include/c++/v1/__memory/construct_at.h). Empty when it cannot be told.
const std::string& library_root() {
  static const std::string root = [] {
    alignas(Probe) unsigned char storage[sizeof(Probe)];
    Probe* probe = std::construct_at(reinterpret_cast<Probe*>(storage));
    std::string file = probe->where.file_name();
    std::destroy_at(probe);
    for (int up = 0; up < 2; ++up) {
      const auto slash = file.rfind('/');
      if (slash == std::string::npos || slash == 0) return std::string();
      file.resize(slash);
    }
    return file + "/";
  }();
  return root;
}

// The creating task's position, to number the objects it builds between two scheduling points.
struct LastLibraryCreation {
  std::uint64_t epoch = 0;
  TaskId task = kNoTask;
  std::uint64_t step = 0;
  std::uint32_t count = 0;
};
thread_local LastLibraryCreation last_creation;

}  // namespace

bool in_standard_library(const char* file) noexcept {
  if (file == nullptr || *file == '\0') return false;
  const std::string& root = library_root();
  if (!root.empty() && std::strncmp(file, root.data(), root.size()) == 0) return true;
  // Another compiler's or version's headers than this library was built with.
  return std::strstr(file, "/include/c++/") != nullptr;
}

bool library_call_site(const SourceLocation& created) noexcept {
  return created.function_name() == kLibraryCall;
}

void settle_library_site(ObjectTag& tag) noexcept {
  if (!in_standard_library(tag.created.file_name())) return;
  Scheduler* s = current_scheduler();
  Task* t = s != nullptr ? s->current() : nullptr;
  if (t == nullptr) {
    tag.created = SourceLocation::current("", kLibraryCall, 0);  // unknown
    tag.library_ordinal = 0;
    return;
  }
  // Between two of its scheduling points only this task runs: the count is deterministic.
  LastLibraryCreation& last = last_creation;
  if (last.epoch == s->epoch() && last.task == t->id && last.step == s->steps()) {
    ++last.count;
  } else {
    last = LastLibraryCreation{s->epoch(), t->id, s->steps(), 0};
  }
  // Before its first scheduling point a task is where it was spawned (the root: at block_on).
  const SourceLocation& after = t->last_site.line() != 0 ? t->last_site : t->spawn_site;
  tag.created = SourceLocation::current(after.file_name(), kLibraryCall, after.line());
  tag.library_ordinal = last.count;
}

}  // namespace weft::detail
