// Where a user call was made: the file, line and function a scheduling point, a spawn or a check
// is attributed to in events, findings and traces.
//
// Not std::source_location because the fuzz targets build with clang 14 against libstdc++ 12,
// whose <source_location> needs __builtin_source_location (clang 15+). The __builtin_FILE family
// that this uses is in both GCC and clang, so one type serves every build.
#pragma once
#include <cstdint>

namespace weft {

class SourceLocation {
 public:
  constexpr SourceLocation() noexcept = default;

  // As a default argument, the builtins are evaluated at the call site.
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          const char* function = __builtin_FUNCTION(),
                                          std::uint_least32_t line = __builtin_LINE()) noexcept {
    SourceLocation where;
    where.file_ = file;
    where.function_ = function;
    where.line_ = line;
    return where;
  }

  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0;
};

// A value with the call site that passed it. Operators cannot take a defaulted SourceLocation,
// but an operator whose parameter is Located<T> gets one: the implicit conversion from T runs
// the constructor's default argument at the caller's expression (`a += 2` reports its line).
template <class T>
struct Located {
  T value;
  SourceLocation where;
  constexpr Located(T v, SourceLocation w = SourceLocation::current()) noexcept
      : value(v), where(w) {}
};

}  // namespace weft
