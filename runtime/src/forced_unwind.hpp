// Throwing an exception as a forced unwind: the unwinder's cleanup phase only.
#pragma once
#include <cxxabi.h>
#include <unwind.h>

#include <exception>
#include <new>
#include <type_traits>
#include <typeinfo>

namespace weft::detail {

// Makes `object` (from __cxa_allocate_exception, of type `type`) an exception in flight, as
// __cxa_throw would, and returns the header to unwind with.
_Unwind_Exception* prepare_forced_exception(void* object, const std::type_info& type) noexcept;
// The stop function of weft's forced unwinds: unwind every frame (a catch (...) ends it).
_Unwind_Reason_Code keep_unwinding(int version, _Unwind_Action actions,
                                   _Unwind_Exception_Class exception_class,
                                   _Unwind_Exception* exception, _Unwind_Context* context,
                                   void* parameter);

// Throws a default-constructed T by forced unwinding. A normal throw walks the stack twice: first
// to find a handler, then to run cleanups down to it. A dropped task's handler is known to be at
// the bottom of its fiber (the task's entry), so the search is pure cost, and shutdown drops
// tasks in nearly every execution. Under forced unwinding destructors run as usual, catch (...)
// blocks catch it (and `throw;` continues it) and std::uncaught_exceptions() counts it, but a
// handler for a named type never matches: use it only for types no user code names.
// Always inlined: the unwinding starts in the caller's frame, one frame less to unwind.
template <class T>
[[noreturn, gnu::always_inline]] inline void throw_forced() {
  static_assert(std::is_trivially_destructible_v<T>);
  void* object = __cxxabiv1::__cxa_allocate_exception(sizeof(T));
  ::new (object) T{};
  _Unwind_ForcedUnwind(prepare_forced_exception(object, typeid(T)), keep_unwinding, nullptr);
  std::terminate();  // the unwinder returns only when it could not unwind
}

}  // namespace weft::detail
