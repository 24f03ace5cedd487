// Names given to primitives at construction (weft::Mutex<int> m(0, "accounts")), kept for the
// life of the process so that an object's tag holds a plain pointer: primitives stay small and
// trivially destructible, and a name outlives every execution that printed it.
#include <pthread.h>

#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "weft/detail/scheduler_api.hpp"

namespace weft::detail {
namespace {

struct NamePool {
  std::mutex mutex;
  std::deque<std::string> storage;             // stable addresses (under mutex)
  std::unordered_set<std::string_view> names;  // views into storage (under mutex)
};

// Built on first use (a global primitive may be named during static initialisation) and never
// destroyed (a name may be printed during static destruction).
NamePool& pool() {
  static NamePool* const p = [] {
    auto* created = new NamePool;
    // A child forked while another thread held the mutex (--isolate with --jobs) would wait for
    // it forever when it names an object: fork waits for the mutex instead.
    pthread_atfork([] { pool().mutex.lock(); }, [] { pool().mutex.unlock(); },
                   [] { pool().mutex.unlock(); });
    return created;
  }();
  return *p;
}

}  // namespace

const char* intern_object_name(std::string_view name) {
  if (name.empty()) return nullptr;
  NamePool& p = pool();
  std::lock_guard lock(p.mutex);
  if (auto it = p.names.find(name); it != p.names.end()) return it->data();
  const std::string& kept = p.storage.emplace_back(name);
  p.names.insert(kept);
  return kept.c_str();
}

}  // namespace weft::detail
