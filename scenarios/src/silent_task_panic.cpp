// Scenario 4 of docs/design.md: a silent task panic. A spawned task throws on an I/O error it
// treats as impossible and nobody joins it; real runtimes print a line on stderr and go on
// (tokio: "thread 'tokio-runtime-worker' panicked at ...", the JoinError never looked at).
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kLines = 3;

// A log file whose writes can fail: the exploration chooses, for each write, whether the disk
// is full (weft::choose is a decision like any scheduling choice, so DFS covers both outcomes).
struct LogFile {
  std::vector<std::string> lines;
  int failed_writes = 0;
  // false: the write failed (ENOSPC).
  bool write(std::string line) {
    if (weft::choose(2) == 1) return false;
    lines.push_back(std::move(line));
    return true;
  }
};

enum class Variant { detached, join_and_handle, handle_inside };

void log_writer(Variant variant) {
  weft::Runtime rt;
  rt.block_on([variant] {
    auto file = std::make_shared<LogFile>();
    auto [tx, rx] = weft::mpsc::unbounded<std::string>();
    auto writer = weft::spawn(
        [variant, file, rx = std::move(rx)]() mutable {
          while (auto line = rx.recv()) {
            const bool ok = file->write(*line);
            if (variant != Variant::handle_inside && !ok)
              throw std::runtime_error("write to the log failed: no space left on device");
            if (!ok) ++file->failed_writes;  // handled here: count it and go on
          }
        },
        "log-writer");
    if (variant == Variant::detached) {
      // Fire and forget: the handle is dropped, so nobody will ever see the writer's panic.
      auto detach = std::move(writer);
    }
    for (int i = 0; i < kLines; ++i) {
      // The writer may be gone (panicked): the send fails and the line is lost.
      (void)tx.send("request " + std::to_string(i));
      weft::sleep(1ms);
    }
    { auto close = std::move(tx); }  // end of the stream: the writer's loop ends
    if (variant == Variant::join_and_handle) {
      try {
        writer.join();
      } catch (const weft::JoinError& error) {
        // Handled: an operator would be told; here the root records it and carries on.
        WEFT_CHECK(error.is_panic());
        ++file->failed_writes;
      }
    }
    if (variant == Variant::handle_inside) {
      writer.join();
      WEFT_CHECK(static_cast<int>(file->lines.size()) + file->failed_writes == kLines);
    }
  });
}

constexpr const char* kStory =
    " A log-writer task receives lines on a channel and writes each to a log file; any write "
    "may fail with \"no space left on device\" (a choice the exploration makes, so every "
    "strategy tries both outcomes). The root sends three lines, one per millisecond of virtual "
    "time, closes the channel and returns.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "silent-task-panic",
    .description =
        std::string("A spawned task panics and nobody ever learns of it.") + kStory +
        " The writer treats a failed write as impossible and throws; its JoinHandle was dropped "
        "at spawn, so on a real runtime the panic is a line on stderr and the remaining lines "
        "are silently lost. weft reports a task_panic naming 'log-writer' and the throw site, "
        "and (listed after it) an unobserved_panic because the handle was dropped unjoined.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { log_writer(Variant::detached); },
    .expect = {.failure = weft::FailureKind::task_panic,
               .budgets = {{"random", 10}, {"pct", 15}, {"dfs", 10}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "silent-task-panic-joined",
    .description =
        std::string("Fixed: the root joins the writer and handles its error.") + kStory +
        " Here the root keeps the handle, joins the writer after closing the channel and "
        "handles the JoinError (counts the failure), so the panic is observed and dealt with. "
        "Clean under exhaustive DFS with preemption bound 2.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { log_writer(Variant::join_and_handle); },
    .expect = {.dfs_preemption_bound = 2},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "silent-task-panic-handled-inside",
    .description =
        std::string("Fixed: the writer handles a failed write itself.") + kStory +
        " Here the writer counts a failed write and goes on with the next line instead of "
        "throwing; the root joins it. Clean under exhaustive DFS with preemption bound 2.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { log_writer(Variant::handle_inside); },
    .expect = {.dfs_preemption_bound = 2},
    .source = __FILE__,
});

}  // namespace
