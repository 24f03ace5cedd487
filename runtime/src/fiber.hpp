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

// One more uncaught exception on this thread (a throw that bypasses __cxa_throw).
void count_uncaught_exception() noexcept;

// std::uncaught_exceptions() of the running fiber, without libstdc++'s per-call TLS lookup.
unsigned int uncaught_exception_count_slow() noexcept;
// The address of this thread's C++ exception globals once a fiber switch looked it up.
extern thread_local constinit const unsigned int* tls_uncaught_count
    __attribute__((tls_model("initial-exec")));
inline unsigned int uncaught_exception_count() noexcept {
  const unsigned int* count = tls_uncaught_count;
  return count != nullptr ? *count : uncaught_exception_count_slow();
}

// A fiber, or the thread's own stack: a Fiber that was never started stands for the context that
// resumes fibers (the scheduler loop), and its switch state is filled in when it first switches.
class Fiber {
 public:
  using Entry = void (*)(void* arg);

  Fiber() = default;
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Prepares the fiber to run entry(arg) on `stack` at its first resume. entry must not return:
  // it ends with exit().
  void start(Stack stack, Entry entry, void* arg);
  bool started() const noexcept { return stack_.base != nullptr; }
  bool exited() const noexcept { return exited_; }

  // Switches from the running context `from` into this fiber; returns when a fiber switches back
  // to `from`. This fiber's suspend() and exit() go back to `from`.
  void resume_from(Fiber& from);
  // From inside this fiber: back to whoever resumed it.
  void suspend();
  // From inside this fiber straight into `to` (started), without passing through the resumer:
  // `to` takes over this fiber's resumer as its own. Returns when a fiber switches back here.
  void switch_to(Fiber& to);
  // True when this fiber was resumed (or handed control) by `resumer`.
  bool resumed_by(const Fiber& resumer) const noexcept { return caller_ == &resumer; }
  // From inside this fiber, for the last time.
  [[noreturn]] void exit();

  // The stack, to give back to the pool once exited (or on abandon).
  Stack take_stack() noexcept;
  // True when the stack's bottom canary is intact (no overflow so far).
  bool stack_intact() const noexcept {
    if (stack_.base == nullptr) return true;
    unsigned long long word;
    __builtin_memcpy(&word, stack_.base, sizeof word);
    return word == kStackCanary;
  }

 private:
  struct Hop;
  static void trampoline(void* transfer_data, void* from_context);
  __attribute__((always_inline)) static void jump(Fiber& from, Fiber& to);
  __attribute__((always_inline)) static void arrived(void* transfer_data, void* from_context,
                                                      Fiber& self);

  void* context_ = nullptr;  // fcontext_t of this context while it is switched out
  Fiber* caller_ = nullptr;  // where suspend() and exit() go
  Stack stack_{};
  Entry entry_ = nullptr;
  void* arg_ = nullptr;
  bool exited_ = false;
  ExceptionState exceptions_{};  // this context's while it is switched out
  // Sanitizer bookkeeping: this context's stack bounds and its fake stack while switched out.
  const void* stack_bottom_ = nullptr;
  std::size_t stack_size_ = 0;
  void* fake_stack_ = nullptr;
};

}  // namespace weft::detail
