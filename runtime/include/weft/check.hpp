// Assertions for code under test: a failed check is a panic that remembers where it failed.
#pragma once
#include <source_location>
#include <stdexcept>
#include <string>
#include <string_view>

namespace weft {

class CheckFailure : public std::logic_error {
 public:
  CheckFailure(std::string message, std::source_location where)
      : std::logic_error(std::move(message)), where_(where) {}
  const std::source_location& where() const noexcept { return where_; }

 private:
  std::source_location where_;
};

// Throws CheckFailure (a panic of the calling task) when condition is false.
inline void check(bool condition, std::string_view message = "check failed",
                  std::source_location where = std::source_location::current()) {
  if (!condition) throw CheckFailure(std::string(message), where);
}

}  // namespace weft

// WEFT_CHECK(cond) reports the condition's text as the message.
#define WEFT_CHECK(cond) ::weft::check(static_cast<bool>(cond), "check failed: " #cond)
