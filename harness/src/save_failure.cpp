// Saving a failure: trace names, the destination check, the atomic write and the rerun command.
#include "weft/harness/save_failure.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "weft/harness/registry.hpp"

namespace weft {

std::string file_safe(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
  return out;
}

std::string trace_file_path(std::string_view dir, std::string_view name,
                            std::string_view strategy_tag, std::string_view id) {
  std::string out(dir.empty() ? "." : dir);
  if (out.back() != '/') out += '/';
  return out + file_safe(name) + "-" + std::string(strategy_tag) + "-" + std::string(id) + ".json";
}

std::string default_trace_path(const std::string& name, const ExploreOptions& options,
                               std::uint64_t seed) {
  const StrategyEntry* entry = find_strategy_entry(options.strategy);
  const std::string tag = entry ? strategy_trace_tag(*entry, options) : file_safe(options.strategy);
  char hex[24];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(seed));
  return trace_file_path("traces", name, tag, hex);
}

namespace {

[[noreturn]] void unwritable(const std::string& path, const std::string& reason) {
  throw TraceError("cannot write trace file " + path + ": " + reason);
}

// A file made and removed in `dir`: what the atomic write will do there (as root, whom permission
// bits do not stop, only this tells a read-only file system).
void probe_directory(const std::string& path, const std::filesystem::path& dir) {
  const std::string probe = (dir / (".weft-probe-" + std::to_string(::getpid()))).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) unwritable(path, std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

void check_trace_destination(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty()) unwritable(path, "no file name");
  if (fs::is_directory(path, ec)) unwritable(path, "it is a directory");
  const fs::path dir =
      fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  // The nearest directory that exists: the write will make the rest below it.
  fs::path existing = dir;
  while (!fs::exists(existing, ec) && existing.has_parent_path() &&
         existing.parent_path() != existing)
    existing = existing.parent_path();
  if (!fs::exists(existing, ec)) existing = ".";  // a relative path whose first part is missing
  if (!fs::is_directory(existing, ec)) unwritable(path, existing.string() + " is not a directory");
  if (existing == dir) return probe_directory(path, dir);
  if (::access(existing.c_str(), W_OK | X_OK) != 0) unwritable(path, std::strerror(errno));
}

void save_trace(const Trace& trace, const std::string& path) {
  std::error_code ec;
  if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty())
    std::filesystem::create_directories(dir, ec);  // a failure shows in the write's error
  write_trace_file(trace, path);
}

std::string rerun_command(const std::string& explore_command, const std::string& name,
                          const ExploreOptions& options, const Trace& trace, std::uint64_t index,
                          std::uint64_t seed, const std::string& test_command) {
  return rerun_hint(explore_command, name, to_string(trace.flavor), selected_strategy(options),
                    trace.strategy_parameters, test_command)
      .with(index, seed);
}

}  // namespace weft
