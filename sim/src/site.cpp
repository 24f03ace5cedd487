// Words for weft::sim's failure messages.
#include "weft/sim/detail/site.hpp"

#include "weft/task.hpp"

namespace weft::sim::detail {

std::string current_thread_label() {
  if (weft::detail::current_task() == nullptr) return "code outside any thread";
  return "thread '" + std::string(weft::current_task_name()) + "' (#" +
         std::to_string(weft::current_task_id()) + ")";
}

std::string where_text(SourceLocation where) {
  if (weft::detail::library_call_site(where))  // a creation site (settle_library_site)
    return where.line() == 0 ? "an unknown line (a standard-library call)"
                             : "a standard-library call after " + std::string(where.file_name()) +
                                   ":" + std::to_string(where.line());
  if (where.line() == 0) return "an unknown line";
  return std::string(where.file_name()) + ":" + std::to_string(where.line());
}

bool unwinding_dropped_thread() noexcept {
  return weft::detail::is_cancelling(weft::detail::current_task());
}

}  // namespace weft::sim::detail
