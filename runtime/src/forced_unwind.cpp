// Forced unwinding of a C++ exception object, as __cxa_throw would throw it but without the
// unwinder's search phase (see forced_unwind.hpp). Relies on the Itanium C++ ABI: the unwinder's
// header sits right before the thrown object, and __cxa_init_primary_exception (a GNU extension,
// in libstdc++'s <cxxabi.h>) fills in everything __cxa_throw would.
#include "forced_unwind.hpp"

#include <cstdlib>

#include "fiber.hpp"
#include "sanitizer.hpp"

namespace weft::detail {

_Unwind_Reason_Code keep_unwinding(int, _Unwind_Action actions, _Unwind_Exception_Class,
                                   _Unwind_Exception*, _Unwind_Context*, void*) {
  if ((actions & _UA_END_OF_STACK) != 0) std::abort();  // no catch (...) below: cannot happen
  return _URC_NO_REASON;
}

_Unwind_Exception* prepare_forced_exception(void* object, const std::type_info& type) noexcept {
  __cxxabiv1::__cxa_refcounted_exception* header =
      __cxxabiv1::__cxa_init_primary_exception(object, const_cast<std::type_info*>(&type), nullptr);
  // As __cxa_throw does: the exception in flight holds one reference (its first member, an int),
  // which the catch that ends its handling drops, freeing it.
  *reinterpret_cast<int*>(header) = 1;
  count_uncaught_exception();   // as __cxa_throw does; the catch that takes it uncounts it
  forget_stack_frames_below();  // what ASan's __cxa_throw interceptor does for a throw
  return reinterpret_cast<_Unwind_Exception*>(object) - 1;
}

}  // namespace weft::detail
