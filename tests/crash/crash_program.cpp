// A weft command (run_cli) with scenarios that crash, overflow their stacks or get stuck, for
// crash_test.cpp to run as a child process: each must end with the execution's report on stderr,
// never silently and never hanging.
#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <stdexcept>

#include "../../cli/weft_cli.hpp"
#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// Two tasks race; the crash happens only when the second one wins, so that which execution
// crashes depends on the schedule (and its rerun command must reproduce it).
template <class Crash>
void crash_when_b_wins(Crash crash) {
  weft::Runtime rt;
  rt.block_on([crash] {
    int winner = 0;
    auto a = weft::spawn(
        [&winner] {
          weft::yield_now();
          if (winner == 0) winner = 1;
        },
        "a");
    auto b = weft::spawn(
        [&winner, crash] {
          weft::yield_now();
          if (winner == 0) {
            winner = 2;
            crash();
          }
        },
        "b");
    a.join();
    b.join();
  });
}

// Unbounded on purpose: the overflow under test.
#pragma GCC diagnostic ignored "-Winfinite-recursion"
[[gnu::noinline]] int recurse(int depth) {
  volatile char pad[256];
  pad[0] = static_cast<char>(depth);
  return recurse(depth + 1) + pad[0];
}

[[gnu::noinline]] void big_frame() {
  volatile char frame[200 * 1024];
  frame[0] = 1;
  frame[sizeof frame - 1] = frame[0];
}

struct ThrowsOnDrop {
  ~ThrowsOnDrop() noexcept(false) { throw std::runtime_error("flush failed while closing"); }
};

void register_crashes() {
  auto add = [](const char* name, std::function<void()> body, double watchdog = 10) {
    weft::Scenario s;
    s.name = name;
    s.description = "crash_test.cpp's child program.";
    s.body = std::move(body);
    s.expect.failure = weft::FailureKind::crash;
    s.tune = [watchdog](weft::ExploreOptions& o) { o.watchdog = watchdog; };
    weft::register_scenario(std::move(s));
  };
  add("segv", [] {
    crash_when_b_wins([] {
      // An unmapped page, not null: UBSan (in the sanitizer build) would report a null store
      // and abort before the fault happens; this address faults without its help.
      // (Read through a volatile, so the compiler cannot see the address and warn.)
      volatile std::uintptr_t address = 64;
      *reinterpret_cast<volatile int*>(address) = 1;
    });
  });
  add("abort", [] { crash_when_b_wins([] { std::abort(); }); });
  add("terminate", [] { crash_when_b_wins([] { std::terminate(); }); });
  add("recursion", [] {
    weft::Runtime rt;
    rt.block_on([] { weft::spawn([] { recurse(0); }, "recursive").join(); });
  });
  add("big-frame", [] {
    weft::Runtime rt;
    rt.block_on([] {
      auto victim = weft::spawn([] { weft::yield_now(); }, "victim");
      weft::spawn([] { big_frame(); }, "big").join();
      victim.join();
    });
  });
  add("throwing-destructor", [] {
    weft::Runtime rt;
    rt.block_on([] {
      // Detached and asleep when the root returns: shutdown drops it, unwinding its frame.
      weft::spawn(
          [] {
            ThrowsOnDrop guard;
            weft::sleep(1h);
          },
          "closer");
      weft::yield_now();
    });
  });
  add("blocks-while-dropped", [] {
    weft::Runtime rt;
    rt.block_on([] {
      auto [tx, rx] = weft::mpsc::unbounded<int>();
      weft::spawn(
          [tx = std::move(tx), rx = std::move(rx)]() mutable {
            struct WaitsInDestructor {
              weft::mpsc::Receiver<int>& rx;
              ~WaitsInDestructor() { (void)rx.recv(); }  // blocks while its task is dropped
            } waits{rx};
            weft::sleep(1h);
          },
          "waiter");
      weft::yield_now();
    });
  });
  // A task spins with no scheduling point: only the watchdog can end it.
  add(
      "spin",
      [] {
        weft::Runtime rt;
        rt.block_on([] {
          auto spinner = weft::spawn(
              [] {
                weft::yield_now();
                for (volatile bool forever = true; forever;) {
                }
              },
              "spinner");
          spinner.join();
        });
      },
      0.5);
  // A real std::mutex held across a scheduling point: the other task blocks the OS thread.
  add(
      "real-mutex",
      [] {
        weft::Runtime rt;
        rt.block_on([] {
          auto m = std::make_shared<std::mutex>();
          auto holder = weft::spawn(
              [m] {
                std::lock_guard lock(*m);
                weft::yield_now();
              },
              "holder");
          auto taker = weft::spawn(
              [m] {
                weft::yield_now();
                std::lock_guard lock(*m);
              },
              "taker");
          holder.join();
          taker.join();
        });
      },
      0.5);
  // std::exit from inside a task: the process ends with the status asked for, not a segfault.
  add("exit-in-task", [] { crash_when_b_wins([] { std::exit(7); }); });
  // Quick executions, one clean and one that panics when b wins: for Ctrl-C and SIGTERM.
  add("clean", [] { crash_when_b_wins([] {}); });
  add("panics", [] { crash_when_b_wins([] { throw std::runtime_error("b won"); }); });
  // Correct code that is merely slow in wall time: the watchdog must not fire.
  add(
      "slow-but-moving",
      [] {
        weft::Runtime rt;
        rt.block_on([] {
          // 1 s in all, in steps of 40 ms (under the long-poll threshold).
          for (int i = 0; i < 25; ++i) {
            const auto until = std::chrono::steady_clock::now() + 40ms;
            while (std::chrono::steady_clock::now() < until) {
            }
            weft::yield_now();
          }
        });
      },
      0.5);
}

}  // namespace

int main(int argc, char** argv) {
  register_crashes();
  std::vector<std::string> args(argv + 1, argv + argc);
  return weft::run_cli(args, std::cout, std::cerr);
}
