// Crash handling for exploring threads: signal handlers on an alternate stack and a terminate
// handler that say which execution died (scenario, strategy, index, seed, rerun command) before
// the process dies as it would have anyway. The signal path only copies prepared text and formats
// integers (async-signal-safe); the terminate path is ordinary code and also writes a trace.
#include "crash_guard.hpp"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>

#include "isolation.hpp"
#include "weft/detail/scheduler_api.hpp"

namespace weft {
namespace {
std::mutex reporting_mutex;
CrashReporting& reporting() {
  static CrashReporting r;
  return r;
}
}  // namespace

void set_crash_reporting(CrashReporting r) {
  std::lock_guard lock(reporting_mutex);
  reporting() = std::move(r);
}

CrashReporting crash_reporting() {
  std::lock_guard lock(reporting_mutex);
  return reporting();
}

}  // namespace weft

namespace weft::detail {
namespace {

// initial-exec: read from a signal handler, where a lazy TLS allocation must not happen.
constinit thread_local ThreadSlot* tls_slot __attribute__((tls_model("initial-exec"))) = nullptr;

// The signals handled, with the names reports give them.
struct HandledSignal {
  int number;
  const char* name;
  const char* meaning;
};
constexpr HandledSignal kSignals[] = {{SIGSEGV, "SIGSEGV", "invalid memory access"},
                                      {SIGBUS, "SIGBUS", "bus error"},
                                      {SIGABRT, "SIGABRT", "abort"},
                                      {SIGFPE, "SIGFPE", "arithmetic error"},
                                      {SIGILL, "SIGILL", "illegal instruction"}};
constexpr std::size_t kSignalCount = sizeof kSignals / sizeof kSignals[0];
struct sigaction previous_actions[kSignalCount];
std::terminate_handler previous_terminate = nullptr;
std::mutex install_mutex;

constexpr std::size_t kAltStackBytes = 64 * 1024;

// The index of `sig` in kSignals (only those are ever handled here).
std::size_t signal_index(int sig) {
  for (std::size_t i = 0; i < kSignalCount; ++i)
    if (kSignals[i].number == sig) return i;
  return 0;
}

// A fixed buffer that formats without allocating; what does not fit is cut.
class SafeWriter {
 public:
  SafeWriter& text(const char* s) {
    if (s != nullptr)
      while (*s != '\0') put(*s++);
    return *this;
  }
  SafeWriter& text(const std::string& s) {
    for (char c : s) put(c);
    return *this;
  }
  // Untrusted text (a task name): control characters become '?', so that a name cannot start a
  // line of its own or colour the terminal.
  SafeWriter& name(const char* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      put(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
    }
    return *this;
  }
  SafeWriter& number(std::uint64_t v) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) put(digits[--n]);
    return *this;
  }
  void flush(int fd) {
    std::size_t done = 0;
    while (done < size_) {
      const ssize_t w = ::write(fd, buffer_ + done, size_ - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      done += static_cast<std::size_t>(w);
    }
    size_ = 0;
  }

 private:
  void put(char c) {
    if (size_ < sizeof buffer_) buffer_[size_++] = c;
  }
  char buffer_[4096];
  std::size_t size_ = 0;
};

void write_execution(SafeWriter& w, const ThreadSlot& slot) {
  const ExplorationContext& c = *slot.context;
  if (!c.replaying.empty())
    w.text("replaying ").text(c.replaying).text(" (execution ");
  else
    w.text("execution ");
  w.number(slot.index.load(std::memory_order_relaxed))
      .text(c.replaying.empty() ? " (seed " : ", seed ")
      .number(slot.seed.load(std::memory_order_relaxed))
      .text(") of scenario ")
      .text(c.scenario)
      .text(", strategy ")
      .text(c.strategy);
}

void write_rerun(SafeWriter& w, const ThreadSlot& slot) {
  const ExplorationContext& c = *slot.context;
  if (!c.replaying.empty()) return;  // the trace reruns it
  const std::uint64_t n = c.rerun.by_count ? slot.index.load(std::memory_order_relaxed) + 1
                                           : slot.seed.load(std::memory_order_relaxed);
  w.text("weft: rerun this execution: ").text(c.rerun.before).number(n).text(c.rerun.after);
  w.text("\n");
}

void write_task(SafeWriter& w, const RunningTaskInfo& t) {
  w.text("task ");
  if (t.name_size != 0) w.text("'").name(t.name, t.name_size).text("' ");
  w.text("#").number(t.task);
}

// Whether the fault hit the running task's stack guard: a stack overflow.
bool stack_guard_hit(const RunningTaskInfo& t, int sig, const siginfo_t* info) {
  const auto* addr = static_cast<const char*>(info != nullptr ? info->si_addr : nullptr);
  return t.in_task && (sig == SIGSEGV || sig == SIGBUS) && info != nullptr && info->si_code > 0 &&
         t.stack_base != nullptr && addr < t.stack_base && addr >= t.stack_base - kStackGuardBytes;
}

void report_signal(const ThreadSlot& slot, int sig, const siginfo_t* info) {
  SafeWriter w;
  const HandledSignal& handled = kSignals[signal_index(sig)];
  w.text("\nweft: CRASH: ").text(handled.name).text(" (").text(handled.meaning).text(") in ");
  write_execution(w, slot);
  w.text("\n");
  const RunningTaskInfo t = running_task(*slot.watch);
  const bool guard_hit = stack_guard_hit(t, sig, info);
  if (guard_hit) {
    w.text("weft: stack overflow in ");
    write_task(w, t);
    w.text(" (stack ")
        .number(t.stack_size / 1024)
        .text(
            " KiB; raise it with RuntimeOptions::stack_size (code without a weft::Runtime of "
            "its own: run it in one made with that option), or move large arrays off the "
            "stack)\n");
  } else if (t.in_task) {
    w.text("weft: in ");
    write_task(w, t);
    if (*t.site.file_name() != '\0')
      w.text(", after its scheduling point at ")
          .text(source_path(t.site.file_name()))
          .text(":")
          .number(t.site.line());
    w.text("\n");
  }
  write_rerun(w, slot);
  w.text("SUMMARY: weft: crash (").text(guard_hit ? "stack overflow" : handled.name);
  w.text(") in ").text(slot.context->scenario).text("\n");
  w.flush(STDERR_FILENO);
}

// One report per process: with --jobs two threads can crash at once, and the first one's report
// ends with the process.
std::atomic<bool> process_reported{false};

void on_fatal_signal(int sig, siginfo_t* info, void* /*ucontext*/) {
  const int saved_errno = errno;
  ThreadSlot* slot = tls_slot;
  if (slot != nullptr && slot->isolation != nullptr) {
    const RunningTaskInfo t = running_task(*slot->watch);
    child_record_signal(*slot->isolation, *slot, sig, stack_guard_hit(t, sig, info), t);
  } else if (slot != nullptr && slot->running.load(std::memory_order_relaxed) &&
             !slot->reported.exchange(true)) {
    if (!process_reported.exchange(true)) {
      report_signal(*slot, sig, info);
    } else {
      // Another thread is reporting and about to end the process: let it finish (bounded).
      struct timespec wait {
        2, 0
      };
      nanosleep(&wait, nullptr);
    }
  }
  // Hand the signal to whoever had it before (the default action: die with it). A fault the
  // kernel raised happens again when the instruction re-executes; a sent one is raised again,
  // delivered as soon as this handler returns.
  struct sigaction previous = previous_actions[signal_index(sig)];
  if (!(previous.sa_flags & SA_SIGINFO) && previous.sa_handler == SIG_IGN)
    previous.sa_handler = SIG_DFL;
  sigaction(sig, &previous, nullptr);
  if (info == nullptr || info->si_code <= 0 || sig == SIGABRT) raise(sig);
  errno = saved_errno;
}

std::string current_exception_text() {
  std::exception_ptr e = std::current_exception();
  if (!e) return "std::terminate was called without an exception in flight";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return std::string("an exception: ") + ex.what();
  } catch (...) {
    return "an exception of a type not derived from std::exception";
  }
}

// What std::terminate in the running execution stands for.
Failure terminate_failure(const ThreadSlot& slot) {
  const RunningTaskInfo t = running_task(*slot.watch);
  Failure f;
  f.step = t.step;
  if (t.in_task) {
    f.task = t.task;
    f.task_name.assign(t.name, t.name_size);
    if (*t.site.file_name() != '\0') f.where = Location::from(t.site);
  }
  const std::string what = current_exception_text();
  if (t.in_task && t.cancel_requested) {
    f.kind = FailureKind::throwing_destructor;
    f.message =
        "a destructor threw while the task was being dropped (C++ then calls "
        "std::terminate); the drop began at the task's last scheduling point";
    f.details.push_back("std::terminate saw " + what);
    f.details.push_back("destructors must not throw; catch inside the destructor");
  } else {
    f.kind = FailureKind::crash;
    f.message = "std::terminate was called: " + what;
  }
  return f;
}

void report_terminate(const ThreadSlot& slot) {
  const Failure f = terminate_failure(slot);
  if (slot.isolation != nullptr) {
    child_record_failure(*slot.isolation, slot, f);
    return;
  }
  const std::string path = write_crash_trace(slot, f);
  SafeWriter w;
  w.text("\nweft: FAILURE in ");
  write_execution(w, slot);
  w.text("\n");
  w.flush(STDERR_FILENO);
  const std::string text = f.describe() + "\n";
  (void)!::write(STDERR_FILENO, text.data(), text.size());
  if (!path.empty()) {
    w.text("trace: ").text(path).text("\n");
    w.text("replay: ").text(slot.context->replay_command).text(" ").text(path).text("\n");
  }
  write_rerun(w, slot);
  w.text("SUMMARY: weft: ").text(std::string(to_string(f.kind))).text(" in ");
  w.text(slot.context->scenario).text("\n");
  w.flush(STDERR_FILENO);
}

[[noreturn]] void on_terminate() {
  ThreadSlot* slot = tls_slot;
  // The runtime's handler, wherever it sits in the chain, makes this a panic of the task.
  if (detail::cancellation_in_flight()) {
    if (previous_terminate != nullptr) previous_terminate();
    std::abort();
  }
  if (slot != nullptr && slot->running.load(std::memory_order_relaxed) &&
      !slot->reported.exchange(true)) {
    try {
      report_terminate(*slot);
    } catch (...) {
    }
  }
  if (previous_terminate != nullptr) previous_terminate();
  std::abort();
}

// std::exit inside an execution ends the process with the status the program asked for; say
// which execution did it, so the exploration's end is not a mystery and the call can be found.
void on_exit() {
  ThreadSlot* slot = tls_slot;
  if (slot == nullptr || !slot->running.load(std::memory_order_relaxed) ||
      slot->reported.exchange(true))
    return;
  if (slot->isolation != nullptr) {
    child_record_exit(*slot->isolation, *slot, running_task(*slot->watch));
    return;
  }
  SafeWriter w;
  w.text("\nweft: the program called exit in ");
  write_execution(w, *slot);
  w.text("; the process ends with the status it asked for\n");
  write_rerun(w, *slot);
  w.flush(STDERR_FILENO);
}

// Installs the handlers unless they are installed: a test framework may have put its own in
// since (Catch2 does per test case); ours then pass the signal on to it.
void install_handlers() {
  std::lock_guard lock(install_mutex);
  for (std::size_t i = 0; i < kSignalCount; ++i) {
    struct sigaction current {};
    sigaction(kSignals[i].number, nullptr, &current);
    if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == &on_fatal_signal) continue;
    struct sigaction ours {};
    ours.sa_sigaction = &on_fatal_signal;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    sigaction(kSignals[i].number, &ours, &previous_actions[i]);
  }
  // Once per process, like the runtime's own handler: each then chains to the one it found, and
  // reinstalling over the runtime's (which may already chain to ours) would make a cycle.
  static const bool terminate_installed = [] {
    previous_terminate = std::set_terminate(&on_terminate);
    std::atexit(&on_exit);
    return true;
  }();
  (void)terminate_installed;
}

}  // namespace

const char* source_path(const char* file) noexcept {
  // As Location::from: builds run from a subdirectory, "../" only says which.
  while (file[0] == '.' && file[1] == '.' && file[2] == '/') file += 3;
  return file;
}

std::string crash_trace_path(const ExplorationContext& c, std::uint64_t seed) {
  if (!c.trace_path.empty()) return c.trace_path;
  return default_trace_path(c.scenario, c.options, seed);
}

std::string write_crash_trace(const ThreadSlot& slot, const Failure& failure) noexcept {
  try {
    const ExplorationContext& c = *slot.context;
    if (!c.write_traces) return "";
    Trace t = c.base;
    t.seed = slot.seed.load(std::memory_order_relaxed);
    t.execution = slot.index.load(std::memory_order_relaxed);
    if (const std::vector<Decision>* d = slot.decisions.load(std::memory_order_acquire))
      t.decisions = *d;
    t.failure = failure;
    std::string path = crash_trace_path(c, t.seed);
    save_trace(t, path);
    return path;
  } catch (...) {
    return "";
  }
}

ExplorationGuard::ExplorationGuard(ExplorationContext context, unsigned threads)
    : context_(std::move(context)), slots_(threads) {
  install_handlers();
  for (ThreadSlot& s : slots_) {
    s.context = &context_;
    if (context_.watchdog_seconds > 0) watchdog_register(&s);
  }
}

ExplorationGuard::~ExplorationGuard() {
  if (context_.watchdog_seconds > 0)
    for (ThreadSlot& s : slots_) watchdog_unregister(&s);
}

namespace {
// The thread's alternate signal stack, mapped and installed by the first exploration on the thread
// that finds none, and kept until the thread ends: explorations of a few executions each (a unit
// test's) would otherwise pay a mapping and two system calls apiece.
class AltStack {
 public:
  void ensure() noexcept {
    if (memory_ != nullptr) return;
    stack_t current{};
    if (sigaltstack(nullptr, &current) != 0 || !(current.ss_flags & SS_DISABLE)) return;
    void* mem =
        mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return;
    stack_t ours{};
    ours.ss_sp = mem;
    ours.ss_size = kAltStackBytes;
    if (sigaltstack(&ours, nullptr) != 0) {
      munmap(mem, kAltStackBytes);
      return;
    }
    memory_ = mem;
  }
  AltStack() = default;
  AltStack(const AltStack&) = delete;
  AltStack& operator=(const AltStack&) = delete;
  ~AltStack() {
    if (memory_ == nullptr) return;
    stack_t current{};
    if (sigaltstack(nullptr, &current) != 0) return;
    if (current.ss_sp == memory_) {  // still ours (the program may have installed another since)
      if (current.ss_flags & SS_ONSTACK) return;  // running on it: leave it mapped
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      if (sigaltstack(&off, nullptr) != 0) return;
    }
    munmap(memory_, kAltStackBytes);
  }

 private:
  void* memory_ = nullptr;
};
}  // namespace

ThreadGuard::ThreadGuard(ThreadSlot& slot) : slot_(slot), previous_slot_(tls_slot) {
  slot_.watch = &this_thread_watch();
  thread_local AltStack alt_stack;
  alt_stack.ensure();
  tls_slot = &slot_;
}

ThreadGuard::~ThreadGuard() {
  end_execution();
  tls_slot = previous_slot_;
}

void ThreadGuard::begin_execution(std::uint64_t index, std::uint64_t seed) noexcept {
  slot_.index.store(index, std::memory_order_relaxed);
  slot_.seed.store(seed, std::memory_order_relaxed);
  slot_.reported.store(false, std::memory_order_relaxed);
  slot_.executions.store(slot_.executions.load(std::memory_order_relaxed) + 1,
                         std::memory_order_release);
  slot_.running.store(true, std::memory_order_release);
}

void ThreadGuard::end_execution() noexcept {
  slot_.running.store(false, std::memory_order_release);
  slot_.decisions.store(nullptr, std::memory_order_release);
}

void watch_decisions(const std::vector<Decision>* decisions) noexcept {
  if (ThreadSlot* slot = tls_slot) slot->decisions.store(decisions, std::memory_order_release);
}

}  // namespace weft::detail
