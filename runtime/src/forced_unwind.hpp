// Throwing an exception as a forced unwind: the unwinder's cleanup phase only.
#pragma once
#include <cxxabi.h>

#include <new>
#include <type_traits>
#include <typeinfo>

namespace weft::detail {

// Throws `object` (from __cxa_allocate_exception, of type `type`, trivially destructible).
[[noreturn]] void throw_forced_object(void* object, const std::type_info& type);

// Throws a default-constructed T by forced unwinding. A normal throw walks the stack twice: first
// to find a handler, then to run cleanups down to it. A dropped task's handler is known to be at
// the bottom of its fiber (the task's entry), so the search is pure cost, and shutdown drops
// tasks in nearly every execution. Under forced unwinding destructors run as usual, catch (...)
// blocks catch it (and `throw;` continues it) and std::uncaught_exceptions() counts it, but a
// handler for a named type never matches: use it only for types no user code names.
template <class T>
[[noreturn]] void throw_forced() {
  static_assert(std::is_trivially_destructible_v<T>);
  void* object = __cxxabiv1::__cxa_allocate_exception(sizeof(T));
  ::new (object) T{};
  throw_forced_object(object, typeid(T));
}

}  // namespace weft::detail
