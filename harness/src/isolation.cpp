// Crash isolation: one execution in a forked child, and what its handlers left in shared memory
// turned back into a failure in the parent. See isolation.hpp for why the parent runs a surviving
// execution again instead of receiving its results.
#include "isolation.hpp"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <new>
#include <stdexcept>
#include <type_traits>

#include "crash_guard.hpp"
#include "weft/harness/trace.hpp"

namespace weft::detail {
namespace {

static_assert(std::is_trivially_copyable_v<Decision>);
static_assert(std::is_trivially_copyable_v<SourceLocation>);

// The block and the decisions after it. Reserved, not committed: the pages an execution's
// decisions never reach cost nothing (64 MiB holds about 2.7 million decisions).
constexpr std::size_t kSharedBytes = std::size_t{64} << 20;
constexpr std::size_t kDecisionsOffset =
    (sizeof(IsolationBlock) + alignof(Decision) - 1) / alignof(Decision) * alignof(Decision);
constexpr std::size_t kDecisionCapacity = (kSharedBytes - kDecisionsOffset) / sizeof(Decision);
// A crashed child's output kept for the report (its end: where a sanitizer or abort speaks).
constexpr std::size_t kOutputBytes = 64 * 1024;

Decision* decision_array(IsolationBlock& block) {
  return reinterpret_cast<Decision*>(reinterpret_cast<char*>(&block) + kDecisionsOffset);
}

// Claims the block for the first ending (a terminate handler's abort reaches the signal handler
// too; the terminate report is the better one).
bool claim(IsolationBlock& block, ChildEnding ending) {
  int none = static_cast<int>(ChildEnding::none);
  return block.ending.compare_exchange_strong(none, static_cast<int>(ending));
}

// Async-signal-safe: the recording chooser's vector is only read (memcpy of trivially copyable
// decisions).
void copy_decisions(IsolationBlock& block, const ThreadSlot& slot) noexcept {
  const std::vector<Decision>* d = slot.decisions.load(std::memory_order_acquire);
  if (d == nullptr) return;
  const std::size_t n = std::min(d->size(), kDecisionCapacity);
  if (n != 0) memcpy(static_cast<void*>(decision_array(block)), d->data(), n * sizeof(Decision));
  block.decision_count = n;
  block.decisions_cut = d->size() > n;
}

std::string signal_text(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  const char* description = sigdescr_np(sig);
  std::string text =
      abbrev != nullptr ? "SIG" + std::string(abbrev) : "signal " + std::to_string(sig);
  if (description != nullptr) text += std::string(" (") + description + ")";
  return text;
}

// The failure a child that did not complete stands for, from what its handlers recorded and how
// it ended (`status` from waitpid).
Failure ending_failure(const IsolationBlock& block, int status) {
  const auto ending = static_cast<ChildEnding>(block.ending.load());
  if (ending == ChildEnding::failure) {
    try {
      return failure_from_json(
          nlohmann::json::parse(std::string_view(block.failure_json, block.failure_json_size)));
    } catch (const std::exception&) {
      // Fall through to what the exit status says.
    }
  }
  Failure f;
  f.kind = FailureKind::crash;
  if (ending == ChildEnding::signal || ending == ChildEnding::exit) {
    f.step = block.step;
    if (block.in_task) {
      f.task = block.task;
      f.task_name.assign(block.task_name, block.task_name_size);
      if (*block.site.file_name() != '\0') f.where = Location::from(block.site);
    }
  }
  if (ending == ChildEnding::signal) {
    if (block.stack_overflow) {
      f.message = "stack overflow (" + signal_text(block.signal) + ") in the task: its stack is " +
                  std::to_string(block.stack_size / 1024) +
                  " KiB; raise it with RuntimeOptions::stack_size (code without a weft::Runtime of "
                  "its own: run it in one made with that option), or move large arrays off the "
                  "stack";
    } else {
      f.message = "the execution died of " + signal_text(block.signal) +
                  (block.in_task ? " in the task, after its last scheduling point" : "");
    }
  } else if (WIFEXITED(status)) {
    f.message = ending == ChildEnding::exit
                    ? "the code under test called exit(" + std::to_string(WEXITSTATUS(status)) +
                          ") during the execution"
                    : "the execution ended its process with exit status " +
                          std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    f.message = "the execution's process was killed by " + signal_text(WTERMSIG(status));
  } else {
    f.message = "the execution's process ended abnormally";
  }
  f.details.push_back(
      "it ran in a child process (--isolate), which it ended: the exploring process lived on");
  if (block.decisions_cut)
    f.details.push_back("only its first " + std::to_string(block.decision_count) +
                        " decisions were kept");
  return f;
}

std::string read_output(int fd) {
  std::string out;
  if (fd < 0) return out;
  const off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0) return out;
  const off_t from = size > static_cast<off_t>(kOutputBytes) ? size - kOutputBytes : 0;
  out.resize(static_cast<std::size_t>(size - from));
  const ssize_t n = pread(fd, out.data(), out.size(), from);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

[[noreturn]] void child_main(ThreadSlot& slot, IsolationBlock& block, int output,
                             const std::function<void()>& execution) {
  if (output >= 0) {
    dup2(output, STDOUT_FILENO);
    dup2(output, STDERR_FILENO);
  }
  slot.isolation = &block;
  // The parent's watchdog thread did not come along: a hang needs one of the child's own.
  if (slot.context->watchdog_seconds > 0) start_child_watchdog(&slot);
  try {
    execution();
  } catch (...) {
    // The exploring process runs the execution again and meets the same exception there.
  }
  std::fflush(nullptr);
  block.completed = true;
  _exit(0);
}

}  // namespace

namespace {
// Which task was running (and where) when the child ended.
void record_task(IsolationBlock& block, const RunningTaskInfo& t) noexcept {
  block.in_task = t.in_task;
  block.task = t.task;
  block.step = t.step;
  block.site = t.site;
  const std::size_t n = std::min(t.name_size, sizeof block.task_name);
  if (n != 0) memcpy(block.task_name, t.name, n);
  block.task_name_size = n;
}
}  // namespace

void child_record_signal(IsolationBlock& block, const ThreadSlot& slot, int sig,
                         bool stack_overflow, const RunningTaskInfo& t) noexcept {
  if (!claim(block, ChildEnding::signal)) return;
  block.signal = sig;
  block.stack_overflow = stack_overflow;
  block.stack_size = t.stack_size;
  record_task(block, t);
  copy_decisions(block, slot);
}

void child_record_failure(IsolationBlock& block, const ThreadSlot& slot,
                          const Failure& failure) noexcept {
  try {
    const std::string json = to_json(failure).dump();
    if (json.size() > sizeof block.failure_json || !claim(block, ChildEnding::failure)) return;
    memcpy(block.failure_json, json.data(), json.size());
    block.failure_json_size = json.size();
    copy_decisions(block, slot);
  } catch (...) {
  }
}

void child_record_exit(IsolationBlock& block, const ThreadSlot& slot,
                       const RunningTaskInfo& task) noexcept {
  if (!claim(block, ChildEnding::exit)) return;
  record_task(block, task);
  copy_decisions(block, slot);
}

void set_child_progress(ThreadSlot& slot, std::uint64_t position) noexcept {
  if (slot.isolation != nullptr) slot.isolation->progress = position;
}

ChildOutcome run_in_child(ThreadSlot& slot, const std::function<void()>& execution) {
  void* memory = mmap(nullptr, kSharedBytes, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED)
    throw std::runtime_error(std::string("--isolate: cannot map shared memory: ") +
                             strerror(errno));
  auto* block = new (memory) IsolationBlock;
  const int output = memfd_create("weft-isolated-execution", MFD_CLOEXEC);
  std::fflush(nullptr);  // or the child would write the parent's pending output again
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    munmap(memory, kSharedBytes);
    if (output >= 0) close(output);
    throw std::runtime_error(std::string("--isolate: cannot fork: ") + strerror(error));
  }
  if (pid == 0) child_main(slot, *block, output, execution);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ChildOutcome outcome;
  if (!(block->completed && WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    outcome.survived = false;
    outcome.failure = ending_failure(*block, status);
    const Decision* d = decision_array(*block);
    outcome.decisions.assign(d, d + block->decision_count);
    outcome.output = read_output(output);
    outcome.progress = block->progress;
  }
  block->~IsolationBlock();
  munmap(memory, kSharedBytes);
  if (output >= 0) close(output);
  return outcome;
}

void forward_child_output(const ChildOutcome& outcome) {
  if (outcome.output.empty()) return;
  std::string text = "weft: the isolated execution's output (its last " +
                     std::to_string(outcome.output.size()) + " bytes):\n" + outcome.output;
  if (text.back() != '\n') text += '\n';
  text += "weft: (end of the isolated execution's output)\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace weft::detail
