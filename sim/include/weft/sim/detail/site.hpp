// Shared by the weft::sim primitives: operation prologues and the words reports use.
#pragma once
#include <string>

#include "weft/detail/primitive.hpp"
#include "weft/source_location.hpp"

namespace weft::sim::detail {

// The prologue of an operation that never blocks: a scheduling point inside a task, which does
// not throw a cancellation (std code calls these from destructors: ~lock_guard, ~shared_ptr).
inline weft::detail::OpSite nonblocking_site(weft::detail::ObjectTag& tag, ObjectKind kind, Op op,
                                             SourceLocation where) {
  weft::detail::NoCancelScope no_cancel;
  return weft::detail::enter_op(tag, kind, op, where);
}

// "thread 'name' (#id)" for the running task, or "code outside any thread".
std::string current_thread_label();
// "file:line", or "an unknown line".
std::string where_text(SourceLocation where);
// Whether the running task is being dropped (its stack unwinds): misuse checks stand down, since
// the real program would have ended with the process.
bool unwinding_dropped_thread() noexcept;

}  // namespace weft::sim::detail
