// Fiber switching on Boost.Context's fcontext primitives. Each switch also swaps the C++
// exception globals and tells AddressSanitizer which stack is live.
#include "fiber.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace __cxxabiv1 {
struct __cxa_eh_globals;
extern "C" __cxa_eh_globals* __cxa_get_globals() noexcept;
}  // namespace __cxxabiv1

namespace weft::detail {
namespace ctx = boost::context::detail;

// The globals' address is fixed per thread; asking libstdc++ costs a call and a __tls_get_addr.
constinit thread_local EhGlobals* tls_eh_globals __attribute__((tls_model("initial-exec"))) =
    nullptr;

EhGlobals* eh_globals_slow() noexcept {
  EhGlobals* g = reinterpret_cast<EhGlobals*>(__cxxabiv1::__cxa_get_globals());
  tls_eh_globals = g;
  tls_uncaught_count = &g->uncaught_exceptions;
  return g;
}

void Fiber::start(Stack stack, Entry entry, void* arg) {
  stack_ = stack;
  entry_ = entry;
  arg_ = arg;
  exited_ = false;
  exceptions_ = {};
  stack_bottom_ = stack.base;
  stack_size_ = stack.size;
  fake_stack_ = nullptr;
  context_ = ctx::make_fcontext(stack.top(), stack.size,
                                [](ctx::transfer_t t) { trampoline(t.data, t.fctx); });
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

void Fiber::exit() { leave(*caller_); }

void Fiber::exit_to(Fiber& to) {
  to.caller_ = caller_;
  leave(to);
}

void Fiber::leave(Fiber& to) {
  exited_ = true;
  EhGlobals* g = eh_globals();
  g->caught_exceptions = to.exceptions_.caught;
  g->uncaught_exceptions = to.exceptions_.uncaught;
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
