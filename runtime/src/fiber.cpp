// Fiber switching on Boost.Context's fcontext primitives. Each switch also swaps the C++
// exception globals and tells AddressSanitizer which stack is live.
#include "fiber.hpp"

#include <boost/context/detail/fcontext.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "sanitizer.hpp"

namespace __cxxabiv1 {
struct __cxa_eh_globals;
extern "C" __cxa_eh_globals* __cxa_get_globals() noexcept;
}  // namespace __cxxabiv1

namespace weft::detail {
namespace ctx = boost::context::detail;

namespace {
// Itanium C++ ABI layout of __cxa_eh_globals (libstdc++ and libc++abi agree).
struct EhGlobals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};
// The globals' address is fixed per thread; asking libstdc++ costs a call and a __tls_get_addr.
thread_local EhGlobals* tls_eh_globals __attribute__((tls_model("initial-exec"))) = nullptr;
EhGlobals* eh_globals() {
  EhGlobals* g = tls_eh_globals;
  if (g == nullptr) [[unlikely]] {
    g = tls_eh_globals = reinterpret_cast<EhGlobals*>(__cxxabiv1::__cxa_get_globals());
    tls_uncaught_count = &g->uncaught_exceptions;
  }
  return g;
}
ExceptionState swap_exception_state(EhGlobals* g, ExceptionState incoming) {
  ExceptionState outgoing{g->caught_exceptions, g->uncaught_exceptions};
  g->caught_exceptions = incoming.caught;
  g->uncaught_exceptions = incoming.uncaught;
  return outgoing;
}

}  // namespace

// What a switch passes to the context it enters: who is leaving (to store its fcontext) and, for
// a fiber's first entry, who is entered.
struct Fiber::Hop {
  Fiber* from;
  Fiber* to;
};

void Fiber::start(Stack stack, Entry entry, void* arg) {
  stack_ = stack;
  entry_ = entry;
  arg_ = arg;
  exited_ = false;
  exceptions_ = {};
  stack_bottom_ = stack.base;
  stack_size_ = stack.size;
  fake_stack_ = nullptr;
  context_ = ctx::make_fcontext(stack.top(), stack.size, [](ctx::transfer_t t) {
    trampoline(t.data, t.fctx);
  });
}

void Fiber::trampoline(void* transfer_data, void* from_context) {
  Fiber& self = *static_cast<Hop*>(transfer_data)->to;
  arrived(transfer_data, from_context, self);
  self.entry_(self.arg_);
  std::abort();  // entry must end with exit()
}

constinit thread_local const unsigned int* tls_uncaught_count
    __attribute__((tls_model("initial-exec"))) = nullptr;
unsigned int uncaught_exception_count_slow() noexcept { return eh_globals()->uncaught_exceptions; }
void count_uncaught_exception() noexcept { ++eh_globals()->uncaught_exceptions; }

// The running context `from` enters `to`. The exception globals always hold the running
// context's state: from's are saved and to's installed before the jump.
inline void Fiber::jump(Fiber& from, Fiber& to) {
  EhGlobals* g = eh_globals();
  from.exceptions_ = swap_exception_state(g, to.exceptions_);
  start_switch(&from.fake_stack_, to.stack_bottom_, to.stack_size_);
  Hop hop{&from, &to};
  ctx::transfer_t t = ctx::jump_fcontext(static_cast<ctx::fcontext_t>(to.context_), &hop);
  arrived(t.data, t.fctx, from);
}

// On self's stack after a switch: the context that left saves its fcontext, and the sanitizer
// learns its stack bounds (the thread's own stack is known only this way).
inline void Fiber::arrived(void* transfer_data, void* from_context, Fiber& self) {
  Fiber& from = *static_cast<Hop*>(transfer_data)->from;
  from.context_ = from_context;
  finish_switch(self.fake_stack_, &from.stack_bottom_, &from.stack_size_);
}

void Fiber::resume_from(Fiber& from) {
  caller_ = &from;
  jump(from, *this);
}

void Fiber::suspend() { jump(*this, *caller_); }

void Fiber::switch_to(Fiber& to) {
  to.caller_ = caller_;
  jump(*this, to);
}

void Fiber::exit() {
  exited_ = true;
  Fiber& to = *caller_;
  EhGlobals* g = eh_globals();
  swap_exception_state(g, to.exceptions_);
  // The hop cannot live in this frame: under detect_stack_use_after_return ASan keeps
  // address-taken locals on a fake stack, and start_switch(nullptr) frees that fake stack.
  static thread_local Hop hop;
  hop = Hop{this, &to};
  start_switch(nullptr, to.stack_bottom_, to.stack_size_);  // nullptr: this stack is done
  ctx::jump_fcontext(static_cast<ctx::fcontext_t>(to.context_), &hop);
  std::abort();  // an exited fiber is never resumed
}

Stack Fiber::take_stack() noexcept {
  context_ = nullptr;
  caller_ = nullptr;
  return std::exchange(stack_, Stack{});
}


}  // namespace weft::detail
