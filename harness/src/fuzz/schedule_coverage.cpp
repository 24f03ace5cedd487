// Hashes schedule facts into fuzzer counters (see weft/harness/schedule_coverage.hpp).
//
// Idea from concurrency fuzzers that give the fuzzer interleaving coverage instead of only code
// coverage (e.g. thread-interleaving coverage of "pairs of accesses to one object by different
// threads", as in KRACE's alias coverage, and switch pairs). Our own design:
// sites are the user's source locations (file name and line), so a feature means the same
// interleaving fact in every execution, in every process running the binary.
#include "weft/harness/schedule_coverage.hpp"

namespace weft {
namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

// The file's name, hashed by its text. Not by its address: with address-space layout
// randomisation the address changes from one process to the next, and so would every feature,
// so that two fuzzing runs with one seed would keep different inputs and drift apart. Not cached
// by address either (a cache's hits would depend on addresses too, and so would the fuzzer's
// code coverage of it): a name is a few dozen bytes, against an execution's thousands of
// instructions per event under the fuzzer's instrumentation.
std::uint64_t file_hash(const char* file) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (const char* c = file; c != nullptr && *c != '\0'; ++c)
    h = (h ^ static_cast<unsigned char>(*c)) * 0x100000001b3ULL;
  return h;
}

// A site: the file and the line.
std::uint64_t site_of(const SourceLocation& where) {
  return mix(file_hash(where.file_name()), where.line());
}

}  // namespace

void ScheduleCoverage::begin_execution() {
  last_switch_ = 0;
  last_op_.clear();
}

void ScheduleCoverage::bump(std::uint64_t feature) {
  if (counters_.empty()) return;
  std::uint8_t& c = counters_[feature % counters_.size()];
  if (c == 0) ++hits_;
  if (c != 255) ++c;
}

void ScheduleCoverage::on_event(const Event& e) {
  if (e.kind == EventKind::run) {
    const std::uint64_t now = mix(mix(1, e.task), site_of(e.where));
    bump(mix(last_switch_, now));
    last_switch_ = now;
    return;
  }
  // An op event: a conflict when a different task operated on the object last.
  if (e.object == kNoObject) return;
  const std::uint64_t site =
      mix(mix(static_cast<std::uint64_t>(e.op), static_cast<std::uint64_t>(e.object_kind)),
          site_of(e.where));
  LastOp& last = last_op_[e.object];
  if (last.task != kNoTask && last.task != e.task) bump(mix(mix(2, last.site), site));
  last = LastOp{e.task, site};
}

}  // namespace weft
