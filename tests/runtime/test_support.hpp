// Test-local seams for runtime tests: a scripted chooser, a seeded random walk and an observer
// that keeps every event.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace weft_test {

struct Asked {
  weft::DecisionKind kind;
  std::vector<weft::Candidate> candidates;
};

// Answers decisions of kind `only` (all kinds when unset) from `picks` in order, then 0; every
// other decision 0. Remembers what it was asked.
class ScriptedChooser final : public weft::Chooser {
 public:
  explicit ScriptedChooser(std::vector<std::size_t> picks,
                           std::optional<weft::DecisionKind> only = std::nullopt)
      : picks_(std::move(picks)), only_(only) {}
  std::size_t choose(weft::DecisionKind kind, const weft::Candidates& candidates,
                     const weft::DecisionContext&) override {
    asked.push_back(Asked{kind, {candidates.begin(), candidates.end()}});
    if (only_ && kind != *only_) return 0;
    return next_ < picks_.size() ? picks_[next_++] : 0;
  }
  std::vector<Asked> asked;

 private:
  std::vector<std::size_t> picks_;
  std::optional<weft::DecisionKind> only_;
  std::size_t next_ = 0;
};

// Uniformly random picks from SplitMix64 (never std distributions, see docs/design.md). Spurious
// wake-ups are never chosen so that condvar loops cannot spin.
class RandomChooser final : public weft::Chooser {
 public:
  explicit RandomChooser(std::uint64_t seed) : state_(seed) {}
  std::size_t choose(weft::DecisionKind kind, const weft::Candidates& candidates,
                     const weft::DecisionContext&) override {
    if (kind == weft::DecisionKind::spurious) return 0;
    return static_cast<std::size_t>(next() % candidates.size());
  }

 private:
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

struct LoggedEvent {
  weft::EventKind kind;
  weft::Op op;
  weft::ObjectKind object_kind;
  weft::TaskId task;
  weft::TaskId other;
  weft::ObjectId object;
  std::int64_t value;
  std::string text;
};

class EventLog final : public weft::Observer {
 public:
  void on_event(const weft::Event& e) override {
    events.push_back(LoggedEvent{e.kind, e.op, e.object_kind, e.task, e.other, e.object, e.value,
                                 std::string(e.text)});
  }
  // The op events of one kind of object, in order.
  std::vector<LoggedEvent> ops(weft::ObjectKind kind) const {
    std::vector<LoggedEvent> out;
    for (const auto& e : events)
      if (e.kind == weft::EventKind::op && e.object_kind == kind) out.push_back(e);
    return out;
  }
  std::vector<LoggedEvent> events;
};

// Runs body under a RandomChooser for seeds [0, n) in the given flavor; returns how many runs
// ended in weft::Deadlock.
template <class Body>
int explore_random(std::uint64_t n, Body body, weft::Flavor flavor = weft::Flavor::multi_thread) {
  int deadlocks = 0;
  for (std::uint64_t seed = 0; seed < n; ++seed) {
    RandomChooser chooser(seed);
    weft::detail::ScopedExplorationHooks hooks({.chooser = &chooser});
    weft::Runtime rt(weft::RuntimeOptions{.flavor = flavor});
    try {
      rt.block_on(body);
    } catch (const weft::Deadlock&) {
      ++deadlocks;
    }
  }
  return deadlocks;
}

}  // namespace weft_test
