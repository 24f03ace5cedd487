// Bare Boost.Context fibers for the baselines, on stacks mapped once.
#include "raw_fiber.hpp"

#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace weft_bench {
namespace ctx = boost::context::detail;

namespace {
constexpr std::size_t kStackSize = 64 * 1024;

void* map_stack() {
  void* mem = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) std::abort();
  return mem;
}
char* stack_top(void* stack) { return static_cast<char*>(stack) + kStackSize; }

[[noreturn]] void ping_entry(ctx::transfer_t t) {
  for (;;) t = ctx::jump_fcontext(t.fctx, nullptr);
}

struct RunArgs {
  void (*fn)(void*);
  void* arg;
};
[[noreturn]] void run_entry(ctx::transfer_t t) {
  auto* args = static_cast<RunArgs*>(t.data);
  args->fn(args->arg);
  ctx::jump_fcontext(t.fctx, nullptr);
  std::abort();  // never resumed again
}

double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}
}  // namespace

RawPingFiber::RawPingFiber() : stack_(map_stack()) {
  context_ = ctx::make_fcontext(stack_top(stack_), kStackSize, ping_entry);
  round_trip();  // enter the loop once so every later round trip is the same path
}
RawPingFiber::~RawPingFiber() { munmap(stack_, kStackSize); }

RawFiberRunner::RawFiberRunner() : stack_(map_stack()) {}
RawFiberRunner::~RawFiberRunner() { munmap(stack_, kStackSize); }

void RawFiberRunner::run(void (*fn)(void*), void* arg) noexcept {
  RunArgs args{fn, arg};
  ctx::fcontext_t f = ctx::make_fcontext(stack_top(stack_), kStackSize, run_entry);
  ctx::jump_fcontext(f, &args);
}

namespace {
double recorded_raw_ns = 0;
}

void record_raw_round_trip_ns(double ns) { recorded_raw_ns = ns; }

double raw_round_trip_ns() {
  if (recorded_raw_ns > 0) return recorded_raw_ns;
  static const double ns = [] {
    RawPingFiber fiber;
    constexpr int kBatches = 7;
    constexpr int kPerBatch = 200'000;
    std::vector<double> samples;
    for (int b = 0; b < kBatches; ++b) {
      const double start = thread_cpu_ns();
      for (int i = 0; i < kPerBatch; ++i) fiber.round_trip();
      samples.push_back((thread_cpu_ns() - start) / kPerBatch);
    }
    std::sort(samples.begin(), samples.end());
    return samples[kBatches / 2];
  }();
  return ns;
}

}  // namespace weft_bench
