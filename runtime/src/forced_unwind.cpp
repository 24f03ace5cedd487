// Forced unwinding of a C++ exception object, as __cxa_throw would throw it but without the
// unwinder's search phase (see forced_unwind.hpp). Relies on the Itanium C++ ABI: the unwinder's
// header sits right before the thrown object, and __cxa_init_primary_exception (a GNU extension,
// in libstdc++'s <cxxabi.h>) fills in everything __cxa_throw would.
#include "forced_unwind.hpp"

#include <unwind.h>

#include <cstdlib>
#include <exception>

#include "fiber.hpp"
#include "sanitizer.hpp"

namespace weft::detail {
namespace {

// Called for every frame of the cleanup phase; the unwinding always ends in a catch (...).
_Unwind_Reason_Code keep_unwinding(int, _Unwind_Action actions, _Unwind_Exception_Class,
                                   _Unwind_Exception*, _Unwind_Context*, void*) {
  if ((actions & _UA_END_OF_STACK) != 0) std::abort();  // no catch (...) below: cannot happen
  return _URC_NO_REASON;
}

}  // namespace

void throw_forced_object(void* object, const std::type_info& type) {
  __cxxabiv1::__cxa_refcounted_exception* header =
      __cxxabiv1::__cxa_init_primary_exception(object, const_cast<std::type_info*>(&type), nullptr);
  // As __cxa_throw does: the exception in flight holds one reference (its first member, an int),
  // which the catch that ends its handling drops, freeing it.
  *reinterpret_cast<int*>(header) = 1;
  count_uncaught_exception();  // as __cxa_throw does; the catch that takes it uncounts it
  forget_stack_frames_below();  // what ASan's __cxa_throw interceptor does for a throw
  auto* unwind_header = reinterpret_cast<_Unwind_Exception*>(object) - 1;
  _Unwind_ForcedUnwind(unwind_header, keep_unwinding, nullptr);
  std::terminate();  // the unwinder returns only when it could not unwind
}

}  // namespace weft::detail
