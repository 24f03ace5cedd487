// Assertions for code under test: a failed check is a panic that remembers where it failed.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

#include "weft/source_location.hpp"

namespace weft {

namespace detail {
// Tells the running task which check it failed: what std::terminate would hide, when the
// unwinding it starts destroys a joinable weft::sim thread, can then be named (no-op outside a
// task).
void note_failed_check(const std::string& message, const SourceLocation& where) noexcept;
}  // namespace detail

class CheckFailure : public std::logic_error {
 public:
  CheckFailure(const std::string& message, SourceLocation where)
      : std::logic_error(message), where_(where) {
    detail::note_failed_check(message, where);
  }
  const SourceLocation& where() const noexcept { return where_; }

 private:
  SourceLocation where_;
};

// Throws CheckFailure (a panic of the calling task) when condition is false.
inline void check(bool condition, std::string_view message = "check failed",
                  SourceLocation where = SourceLocation::current()) {
  if (!condition) throw CheckFailure(std::string(message), where);
}

}  // namespace weft

// WEFT_CHECK(cond) reports the condition's text as the message.
#define WEFT_CHECK(cond) ::weft::check(static_cast<bool>(cond), "check failed: " #cond)
