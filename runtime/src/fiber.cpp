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
  if (g == nullptr) [[unlikely]]
    g = tls_eh_globals = reinterpret_cast<EhGlobals*>(__cxxabiv1::__cxa_get_globals());
  return g;
}
ExceptionState swap_exception_state(EhGlobals* g, ExceptionState incoming) {
  ExceptionState outgoing{g->caught_exceptions, g->uncaught_exceptions};
  g->caught_exceptions = incoming.caught;
  g->uncaught_exceptions = incoming.uncaught;
  return outgoing;
}

struct Start {
  Fiber* fiber;
};
}  // namespace

void Fiber::start(Stack stack, Entry entry, void* arg) {
  stack_ = stack;
  entry_ = entry;
  arg_ = arg;
  exited_ = false;
  exceptions_ = {};
  context_ = ctx::make_fcontext(stack.top(), stack.size, [](ctx::transfer_t t) {
    trampoline(t.data, t.fctx);
  });
}

void Fiber::trampoline(void* transfer_data, void* from_context) {
  auto* self = static_cast<Fiber*>(transfer_data);
  self->caller_ = from_context;
  finish_switch(nullptr, &self->caller_stack_bottom_, &self->caller_stack_size_);
  self->entry_(self->arg_);
  std::abort();  // entry must end with exit()
}

unsigned int uncaught_exception_count() noexcept { return eh_globals()->uncaught_exceptions; }

void Fiber::resume() {
  EhGlobals* g = eh_globals();  // same thread before and after the switch
  ExceptionState mine = swap_exception_state(g, exceptions_);
  start_switch(&caller_fake_stack_, stack_.base, stack_.size);
  ctx::transfer_t t = ctx::jump_fcontext(static_cast<ctx::fcontext_t>(context_), this);
  finish_switch(caller_fake_stack_, nullptr, nullptr);
  context_ = t.fctx;
  exceptions_ = swap_exception_state(g, mine);
}

void Fiber::suspend() {
  start_switch(&fiber_fake_stack_, caller_stack_bottom_, caller_stack_size_);
  ctx::transfer_t t = ctx::jump_fcontext(static_cast<ctx::fcontext_t>(caller_), nullptr);
  caller_ = t.fctx;
  finish_switch(fiber_fake_stack_, &caller_stack_bottom_, &caller_stack_size_);
}

void Fiber::exit() {
  exited_ = true;
  start_switch(nullptr, caller_stack_bottom_, caller_stack_size_);
  ctx::jump_fcontext(static_cast<ctx::fcontext_t>(caller_), nullptr);
  std::abort();  // an exited fiber is never resumed
}

Stack Fiber::take_stack() noexcept {
  context_ = nullptr;
  return std::exchange(stack_, Stack{});
}

bool Fiber::stack_intact() const noexcept {
  if (stack_.base == nullptr) return true;
  unsigned long long word;
  std::memcpy(&word, stack_.base, sizeof word);
  return word == kStackCanary;
}

}  // namespace weft::detail
