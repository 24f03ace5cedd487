// Bare Boost.Context baselines: the floor that weft's task switches and spawns are compared to.
// raw_fiber.{hpp,cpp} are the only bench files that include Boost.Context.
#pragma once
#include <boost/context/detail/fcontext.hpp>
#include <cstddef>
#include <cstdint>

namespace weft_bench {

// A fiber that suspends straight back to whoever resumed it, forever. One round_trip() is a
// resume plus a suspend: two jump_fcontext calls, like one task switch through the scheduler.
class RawPingFiber {
 public:
  RawPingFiber();
  ~RawPingFiber();
  RawPingFiber(const RawPingFiber&) = delete;
  RawPingFiber& operator=(const RawPingFiber&) = delete;
  // Inline so the loop around it has no extra call and return.
  void round_trip() noexcept {
    namespace ctx = boost::context::detail;
    context_ = ctx::jump_fcontext(static_cast<ctx::fcontext_t>(context_), nullptr).fctx;
  }

 private:
  void* stack_;
  void* context_;
};

// Creates a fiber on a reused stack, runs fn(arg) on it to completion and switches back: the
// cost of a fiber without any runtime around it (make_fcontext + two jumps).
class RawFiberRunner {
 public:
  RawFiberRunner();
  ~RawFiberRunner();
  RawFiberRunner(const RawFiberRunner&) = delete;
  RawFiberRunner& operator=(const RawFiberRunner&) = delete;
  void run(void (*fn)(void*), void* arg) noexcept;

 private:
  void* stack_;
};

// Nanoseconds of thread CPU time per raw round trip, for the ratio counters of the runtime
// benchmarks: the last full measurement of the raw benchmark in this process if there is one,
// else measured once here (median of several batches).
double raw_round_trip_ns();
void record_raw_round_trip_ns(double ns);

}  // namespace weft_bench
