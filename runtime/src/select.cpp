// weft::select's engine (detail/select_arm.hpp): one wait over several arms; and the end of a
// JoinSet's task, which join_next and its select branch wait for.
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "weft/detail/select_arm.hpp"
#include "weft/join_set.hpp"

namespace weft::detail {

namespace {

// Disarms every arm unless the select completed: a task dropped while waiting unwinds through
// here, and each branch gives back what was handed to it.
struct DisarmAll {
  SelectArm* const* arms;
  const bool* enabled;
  std::size_t n;
  const OpSite& site;
  bool done = false;
  ~DisarmAll() {
    if (done) return;
    for (std::size_t i = 0; i < n; ++i)
      if (enabled[i]) arms[i]->disarm(site);
  }
};

}  // namespace

std::size_t select_wait(SelectArm* const* arms, const bool* enabled, std::size_t n, bool biased,
                        SourceLocation where) {
  Scheduler& s = scheduler_for("weft::select", where);
  std::size_t first = n;
  for (std::size_t i = 0; i < n && first == n; ++i)
    if (enabled[i]) first = i;
  if (first == n)
    throw std::logic_error("weft::select: all branches are disabled and there is no else branch");
  // The scheduling point names no single object: the select may act on any of its branches', so
  // partial-order reduction must not take it for independent of any of them.
  schedule_point(s, Op::wait, ObjectKind::none, kNoObject, where);
  const OpSite site{&s, kNoObject, true};
  // What the task waits on for deadlock reports: the first branch that names an object.
  WaitInfo wait = arms[first]->info(s, where);
  for (std::size_t i = first; i < n && wait.object == kNoObject; ++i)
    if (enabled[i]) {
      const WaitInfo info = arms[i]->info(s, where);
      if (info.object != kNoObject) wait = info;
    }
  DisarmAll guard{arms, enabled, n, site};
  std::vector<std::size_t> ready;
  for (;;) {
    // Each look at the branches reads every branch's object (events for the step's accesses).
    ready.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (!enabled[i]) continue;
      const WaitInfo info = arms[i]->info(s, where);
      if (info.kind != ObjectKind::none && info.kind != ObjectKind::timer &&
          info.object != kNoObject)
        emit_done(OpSite{&s, info.object, true},
                  info.kind == ObjectKind::task ? Op::join : Op::wait, info.kind, 0, where,
                  "select");
      if (arms[i]->ready()) ready.push_back(i);
    }
    if (!ready.empty()) {
      std::size_t pick = 0;
      if (!biased && ready.size() > 1)
        pick = choose_decision(s, DecisionKind::value, ready.size(), Op::choose, kNoObject);
      const std::size_t winner = ready[pick];
      guard.done = true;
      for (std::size_t i = 0; i < n; ++i)
        if (enabled[i] && i != winner) arms[i]->disarm(site);
      emit_done(site, Op::wait, ObjectKind::none, static_cast<std::int64_t>(winner), where,
                "selected");
      return winner;
    }
    const Instant* deadline = nullptr;
    for (std::size_t i = 0; i < n; ++i) {
      if (!enabled[i]) continue;
      arms[i]->arm(site);
      if (const Instant* d = arms[i]->deadline(); d != nullptr && (!deadline || *d < *deadline))
        deadline = d;
    }
    // Queuing can hand a branch what it waits for at once (a permit to the head of a FIFO);
    // then there is nothing to wait for.
    bool served = false;
    for (std::size_t i = 0; i < n && !served; ++i) served = enabled[i] && arms[i]->ready();
    if (!served) block(s, wait, deadline);
  }
}

}  // namespace weft::detail

namespace weft::detail {

JoinSetSlot::~JoinSetSlot() {
  if (!shared_) return;                  // moved from
  if (shared_->ids[slot_] == kNoTask) {  // detached (or never handed to the set): nobody joins it
    shared_->free_slots.push_back(slot_);
    return;
  }
  shared_->done.push_back(slot_);  // join_next frees the slot when it returns the task
  // A destructor: no scheduling point, but join_next wakes.
  wake_all(OpSite{current_scheduler(), kNoObject, false}, shared_->waiters);
}

}  // namespace weft::detail
