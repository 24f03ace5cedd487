// Detectors are Observers that turn what happened in one execution into failures.
#pragma once
#include <any>
#include <array>
#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/harness/failure.hpp"
#include "weft/observer.hpp"

namespace weft {

// How one execution ended, as seen from outside the runtime.
struct BodyOutcome {
  std::optional<Failure> failure;  // the body threw (root panic, check failure, Deadlock, Hang)
};

// A fact one execution shows that its detector checks across executions (its registry entry's
// `across`; e.g. a lock-order edge between lock classes). The explorer keeps each key's first
// showing, from the lowest execution index, so that the check sees the same facts for any --jobs.
struct ExecutionFact {
  std::string_view detector;  // the detector's registry name
  std::string key;            // identity among its facts; the check sees them in key order
  std::any value;             // the detector's own type
};

// What the detectors found in one execution.
struct Findings {
  std::vector<Failure> failures;     // the execution fails
  std::vector<Failure> warnings;     // worth telling (e.g. leaks in warn mode), not a failure
  std::vector<ExecutionFact> facts;  // for checks across executions
};

// What a detector is asked for. Exploration only needs to know whether an execution fails and
// its failure's signature (kind, task, place); the explorer then replays the failing execution
// with explaining detectors for the full report. Finding can skip the bookkeeping that only the
// explanation reads, and with it most of the events.
enum class DetectorMode { find, explain };

class Detector : public Observer {
 public:
  virtual std::string_view name() const = 0;
  // Called before each execution; per-execution state is reset here.
  virtual void begin_execution() {}
  // Called after the body returned or threw. Appends what this execution shows.
  virtual void end_execution(const BodyOutcome& outcome, Findings& findings) = 0;
};

// Forwards each event to the observers that asked for it, in the order they were added. Built per
// execution, so it allocates nothing.
class ObserverFanout final : public Observer {
 public:
  static constexpr std::size_t kMaxObservers = 12;

  void add(Observer* observer) {
    const EventMask mask = observer->interests();
    interests_ |= mask;
    constexpr EventMask op = event_bit(EventKind::op);
    // Op events: the object kinds asked for, or all of them.
    const EventMask ops = (mask & op) != 0 ? ~EventMask{0} : mask >> 32;
    constexpr EventMask every_kind = (EventMask{1} << kEventKindCount) - 1;  // step included
    for (EventMask kinds = mask & every_kind & ~op; kinds != 0; kinds &= kinds - 1)
      append(static_cast<unsigned>(__builtin_ctzll(kinds)), observer);
    for (unsigned o = 0; o < kObjectKindCount; ++o)
      if ((ops >> o & 1) != 0) append(kEventKindCount + o, observer);
  }
  void on_event(const Event& event) override {
    const unsigned list = event.kind == EventKind::op
                              ? kEventKindCount + static_cast<unsigned>(event.object_kind)
                              : static_cast<unsigned>(event.kind);
    for (std::size_t i = 0; i < counts_[list]; ++i) lists_[list][i]->on_event(event);
  }
  EventMask interests() const override { return interests_; }

 private:
  // One list per event kind, op events split by object kind.
  static constexpr unsigned kLists = kEventKindCount + kObjectKindCount;
  void append(unsigned list, Observer* observer) {
    assert(counts_[list] < kMaxObservers);
    lists_[list][counts_[list]++] = observer;
  }
  EventMask interests_ = 0;
  std::array<std::uint8_t, kLists> counts_{};
  std::array<std::array<Observer*, kMaxObservers>, kLists> lists_;
};

}  // namespace weft
