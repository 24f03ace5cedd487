// Stackful fibers over Boost.Context's fcontext, with the sanitizer switch annotations and the
// per-fiber C++ exception state. The only part of weft that knows about Boost.Context.
#pragma once
#include <boost/context/detail/fcontext.hpp>
#include <cstddef>

#include "sanitizer.hpp"
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

// Itanium C++ ABI layout of __cxa_eh_globals (libstdc++ and libc++abi agree).
struct EhGlobals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};
extern thread_local constinit EhGlobals* tls_eh_globals __attribute__((tls_model("initial-exec")));
EhGlobals* eh_globals_slow() noexcept;
inline EhGlobals* eh_globals() noexcept {
  EhGlobals* g = tls_eh_globals;
  return g != nullptr ? g : eh_globals_slow();
}

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
  // From inside this fiber, for the last time: back to whoever resumed it, or straight into `to`
  // (started), which takes over this fiber's resumer. Whoever runs next gives back the stack.
  [[noreturn]] void exit();
  [[noreturn]] void exit_to(Fiber& to);

  const Stack& stack() const noexcept { return stack_; }
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
  [[noreturn]] void leave(Fiber& to);
  static void jump(Fiber& from, Fiber& to);
  static void arrived(void* transfer_data, void* from_context, Fiber& self);

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

// The switches are inline: a task switch is the runtime's hottest path, and the call around
// jump_fcontext was a tenth of it.

// What a switch passes to the context it enters: who is leaving (to store its fcontext) and, for
// a fiber's first entry, who is entered.
struct Fiber::Hop {
  Fiber* from;
  Fiber* to;
};

// The running context `from` enters `to`. The exception globals always hold the running
// context's state: from's are saved and to's installed before the jump.
[[gnu::always_inline]] inline void Fiber::jump(Fiber& from, Fiber& to) {
  namespace ctx = boost::context::detail;
  EhGlobals* g = eh_globals();
  from.exceptions_ = ExceptionState{g->caught_exceptions, g->uncaught_exceptions};
  g->caught_exceptions = to.exceptions_.caught;
  g->uncaught_exceptions = to.exceptions_.uncaught;
  start_switch(&from.fake_stack_, to.stack_bottom_, to.stack_size_);
  Hop hop{&from, &to};
  ctx::transfer_t t = ctx::jump_fcontext(static_cast<ctx::fcontext_t>(to.context_), &hop);
  arrived(t.data, t.fctx, from);
}

// On self's stack after a switch: the context that left saves its fcontext, and the sanitizer
// learns its stack bounds (the thread's own stack is known only this way).
[[gnu::always_inline]] inline void Fiber::arrived(void* transfer_data, void* from_context,
                                                  Fiber& self) {
  Fiber& from = *static_cast<Hop*>(transfer_data)->from;
  from.context_ = from_context;
  finish_switch(self.fake_stack_, &from.stack_bottom_, &from.stack_size_);
}

inline void Fiber::resume_from(Fiber& from) {
  caller_ = &from;
  jump(from, *this);
}

inline void Fiber::suspend() { jump(*this, *caller_); }

inline void Fiber::switch_to(Fiber& to) {
  to.caller_ = caller_;
  jump(*this, to);
}

}  // namespace weft::detail
