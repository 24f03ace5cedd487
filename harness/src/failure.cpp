// Names, signatures and plain-words rendering of failures.
#include "weft/harness/failure.hpp"

#include <pthread.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <utility>

#include "weft/harness/text.hpp"

namespace weft {
namespace {
constexpr std::array<std::pair<FailureKind, std::string_view>, 12> kNames{{
    {FailureKind::task_panic, "task_panic"},
    {FailureKind::body_failure, "body_failure"},
    {FailureKind::deadlock, "deadlock"},
    {FailureKind::hang, "hang"},
    {FailureKind::lock_order, "lock_order"},
    {FailureKind::task_leak, "task_leak"},
    {FailureKind::long_poll, "long_poll"},
    {FailureKind::unobserved_panic, "unobserved_panic"},
    {FailureKind::swallowed_cancellation, "swallowed_cancellation"},
    {FailureKind::nondeterminism, "nondeterminism"},
    {FailureKind::crash, "crash"},
    {FailureKind::throwing_destructor, "throwing_destructor"},
}};

// The source root, with a trailing '/' when not empty. Set rarely, read per located finding.
struct SourceRoot {
  std::mutex mutex;
  std::string root;
  std::atomic<bool> set{false};

  SourceRoot() {
    if (const char* env = std::getenv("WEFT_SOURCE_ROOT")) assign(env);
  }
  void assign(std::string value) {
    if (!value.empty() && value.back() != '/') value += '/';
    std::lock_guard lock(mutex);
    root = std::move(value);
    set = !root.empty();
  }
};

SourceRoot& the_source_root() {
  static SourceRoot root;
  // A child forked (--isolate with --jobs) while another thread held the mutex would wait for it
  // forever: fork waits for the mutex instead.
  [[maybe_unused]] static const int fork_safe = pthread_atfork(
      [] { root.mutex.lock(); }, [] { root.mutex.unlock(); }, [] { root.mutex.unlock(); });
  return root;
}
}  // namespace

void set_source_root(std::string root) { the_source_root().assign(std::move(root)); }

std::string source_root() {
  SourceRoot& r = the_source_root();
  std::lock_guard lock(r.mutex);
  return r.root;
}

std::string_view to_string(FailureKind kind) noexcept {
  for (auto& [k, name] : kNames)
    if (k == kind) return name;
  return "?";
}

std::optional<FailureKind> parse_failure_kind(std::string_view text) noexcept {
  for (auto& [k, name] : kNames)
    if (name == text) return k;
  return std::nullopt;
}

Location Location::from(const SourceLocation& where) {
  Location l;
  if (where.file_name() != nullptr) l.file = where.file_name();
  if (SourceRoot& r = the_source_root(); r.set) {
    std::lock_guard lock(r.mutex);
    if (l.file.rfind(r.root, 0) == 0) l.file.erase(0, r.root.size());
  }
  // Builds often run from a subdirectory of the source tree; "../" would make paths depend on it.
  while (l.file.rfind("../", 0) == 0) l.file.erase(0, 3);
  l.line = where.line();
  if (where.function_name() != nullptr) l.function = where.function_name();
  return l;
}

std::string Location::to_string() const {
  if (!known()) return "?";
  return file + ":" + std::to_string(line);
}

// The names and messages in both come from the program: printable() makes them the same whether
// they were just produced or read back from a trace (which stores them as valid UTF-8), and keeps
// a control character in a task name from reaching a terminal or forging an output line.
std::string Failure::signature() const {
  return printable(std::string(weft::to_string(kind)) + "|" + task_name + "|" + where.to_string());
}

std::string Failure::describe() const {
  std::string text = std::string(weft::to_string(kind)) + ": " + printable(message);
  if (!task_name.empty())
    text += "\n  task: '" + printable(task_name) + "'" +
            (task != kNoTask ? " (#" + std::to_string(task) + ")" : std::string());
  if (where.known()) text += "\n  at: " + printable(where.to_string());
  text += "\n  step: " + std::to_string(step);
  for (const std::string& line : details) text += "\n  " + printable(line);
  return text;
}

}  // namespace weft
