// libFuzzer target: the trace parser must turn any bytes into a Trace or a TraceError, never a
// crash, a hang or another exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "weft/harness/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    weft::Trace trace =
        weft::parse_trace(std::string_view(reinterpret_cast<const char*>(data), size));
    // A trace that parses must write and parse back to the same text.
    std::string text = weft::write_trace(trace);
    if (weft::write_trace(weft::parse_trace(text)) != text) __builtin_trap();
  } catch (const weft::TraceError&) {
  }
  return 0;
}
