// Text that user code supplies (panic messages, task names, resource names) passes through these
// before it is written: JSON must be valid UTF-8 (nlohmann throws on anything else, which lost the
// trace), and a terminal or CI log must not interpret control characters in it (an ANSI escape
// could recolour the output, a newline could forge a "SUMMARY:" line).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace weft {

// text with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD.
// Idempotent: valid_utf8(valid_utf8(s)) == valid_utf8(s).
std::string valid_utf8(std::string_view text);

// valid_utf8(text) with control characters written as escapes ("\n", "\t", "\r", "\x1b"), for one
// line of terminal or log output. Not reversible; readable.
std::string printable(std::string_view text);

// Replaces every string (and object key) in value by its valid_utf8 form, so dump() cannot throw.
void make_valid_utf8(nlohmann::json& value);

}  // namespace weft
