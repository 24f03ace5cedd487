// What the command line prints for people at a terminal: durations in readable units, the
// progress line, and colour (only on a terminal, never with NO_COLOR set).
#pragma once
#include <cstdint>
#include <string>

#include "weft/harness/explorer.hpp"

namespace weft::console {

// 0.0042 -> "4.2 ms", 3.5 -> "3.50 s", 125 -> "2 min 5 s".
std::string duration(double seconds);

// "1234/10000 executions (12%), 5000/s, 0 failures, ETA 2 s" — the total, percentage and ETA
// when the total is known (0: unknown); a time budget (0: none) caps the ETA.
std::string progress(const Progress& p, std::uint64_t total, double time_budget);

// Whether output to file descriptor fd may be coloured: a terminal, and NO_COLOR unset or empty.
bool colour_for(int fd);
// `text` in bold red when `on`.
std::string red(const std::string& text, bool on);

}  // namespace weft::console
