// Schedule coverage: interleaving features for a coverage-guided fuzzer. Code coverage says little
// about which interleaving ran (the same lines run in every order), so this observer hashes two
// kinds of schedule facts into a counter array that the fuzzer treats like edge counters:
//  - switches: the task (and its resume site) that ran before and the one that runs now;
//  - conflicts: two operations on one object by different tasks, in the order they happened
//    (op and site of the earlier, op and site of the later).
// A new pair means the input reached a new interleaving, so the fuzzer keeps it in its corpus.
// Used by the fuzz target (weft/fuzz.hpp) only; the runtime builds the events it asks for only
// while it is installed.
#pragma once
#include <cstdint>
#include <span>
#include <unordered_map>

#include "weft/observer.hpp"

namespace weft {

class ScheduleCoverage final : public Observer {
 public:
  // Counters are incremented (saturating at 255); they must outlive the observer.
  explicit ScheduleCoverage(std::span<std::uint8_t> counters) : counters_(counters) {}

  // Forgets the previous execution's last switch and last operations (the counters stay).
  void begin_execution();
  void on_event(const Event& event) override;
  EventMask interests() const override { return events(EventKind::run, EventKind::op); }

  // Distinct (switch or conflict) features hit since construction, for tests and reports.
  std::uint64_t features_hit() const noexcept { return hits_; }

 private:
  struct LastOp {
    TaskId task = kNoTask;
    std::uint64_t site = 0;  // op and where, hashed
  };
  void bump(std::uint64_t feature);

  std::span<std::uint8_t> counters_;
  std::uint64_t last_switch_ = 0;
  std::unordered_map<ObjectId, LastOp> last_op_;
  std::uint64_t hits_ = 0;
};

}  // namespace weft
