// Stackful fibers over Boost.Context's fcontext, with the sanitizer switch annotations and the
// per-fiber C++ exception state. The only part of weft that knows about Boost.Context.
#pragma once
#include <cstddef>

#include "stack_pool.hpp"

namespace weft::detail {

// Per-fiber copy of the C++ runtime's exception globals (__cxa_eh_globals): the caught-exception
// chain and the uncaught count are per OS thread, so a fiber switch inside a catch block or
// during unwinding would otherwise mix two fibers' exception states.
struct ExceptionState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

// std::uncaught_exceptions() of the running fiber, without libstdc++'s per-call TLS lookup.
unsigned int uncaught_exception_count() noexcept;

class Fiber {
 public:
  using Entry = void (*)(void* arg);

  Fiber() = default;
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Prepares the fiber to run entry(arg) on `stack` at its first resume(). entry must not return:
  // it ends with exit().
  void start(Stack stack, Entry entry, void* arg);
  bool started() const noexcept { return context_ != nullptr; }
  bool exited() const noexcept { return exited_; }

  // Switches from the calling context (the scheduler or another fiber) into this fiber; returns
  // when the fiber calls suspend() or exit().
  void resume();
  // From inside this fiber: back to whoever resumed it.
  void suspend();
  // From inside this fiber, for the last time.
  [[noreturn]] void exit();

  // The stack, to give back to the pool once exited (or on abandon).
  Stack take_stack() noexcept;
  // True when the stack's bottom canary is intact (no overflow so far).
  bool stack_intact() const noexcept;

 private:
  static void trampoline(void* transfer_data, void* from_context);
  void* context_ = nullptr;  // fcontext_t of the suspended fiber
  void* caller_ = nullptr;   // fcontext_t of who resumed it
  Stack stack_{};
  Entry entry_ = nullptr;
  void* arg_ = nullptr;
  bool exited_ = false;
  ExceptionState exceptions_{};
  // Sanitizer bookkeeping: the resumer's stack bounds and the fake stacks of both sides.
  const void* caller_stack_bottom_ = nullptr;
  std::size_t caller_stack_size_ = 0;
  void* caller_fake_stack_ = nullptr;
  void* fiber_fake_stack_ = nullptr;
};

}  // namespace weft::detail
