// Terminal output helpers; see console.hpp.
#include "console.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace weft::console {

std::string duration(double seconds) {
  char buffer[48];
  if (seconds < 0) seconds = 0;
  if (seconds < 1e-3)
    std::snprintf(buffer, sizeof buffer, "%.0f us", seconds * 1e6);
  else if (seconds < 1)
    std::snprintf(buffer, sizeof buffer, "%.3g ms", seconds * 1e3);
  else if (seconds < 60)
    std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
  else if (seconds < 3600)
    std::snprintf(buffer, sizeof buffer, "%d min %d s", static_cast<int>(seconds / 60),
                  static_cast<int>(std::fmod(seconds, 60)));
  else
    std::snprintf(buffer, sizeof buffer, "%d h %d min", static_cast<int>(seconds / 3600),
                  static_cast<int>(std::fmod(seconds, 3600) / 60));
  return buffer;
}

std::string progress(const Progress& p, std::uint64_t total, double time_budget) {
  const double rate = static_cast<double>(p.executions) / std::max(p.seconds, 1e-9);
  std::string line = std::to_string(p.executions);
  if (total != 0) {
    const double percent =
        100.0 * static_cast<double>(std::min(p.executions, total)) / static_cast<double>(total);
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, " (%.0f%%)", percent);
    line += "/" + std::to_string(total) + " executions" + buffer;
  } else {
    line += " executions";
  }
  line += ", " + std::to_string(static_cast<std::uint64_t>(rate)) + "/s, " +
          std::to_string(p.failures) + (p.failures == 1 ? " failure" : " failures");
  double eta = -1;
  if (total != 0 && rate > 0 && p.executions < total)
    eta = static_cast<double>(total - p.executions) / rate;
  if (time_budget > 0)
    eta = eta < 0 ? time_budget - p.seconds : std::min(eta, time_budget - p.seconds);
  if (eta >= 0) line += ", ETA " + duration(eta);
  return line;
}

bool colour_for(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  return isatty(fd) != 0;
}

std::string red(const std::string& text, bool on) {
  return on ? "\033[1;31m" + text + "\033[0m" : text;
}

}  // namespace weft::console
