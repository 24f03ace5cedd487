// What a preemption bound counts, for every bounded strategy (DFS, DPOR, shrinking's search).
//
// A schedule decision whose current task could have kept running (DecisionContext::
// first_is_current) and whose answer is not 0 switches away from it: a preemption (CHESS). A
// spurious condition-variable wake-up (answer 1 of a spurious decision) counts the same way: each
// opens a branch as deep as the program, so a bound must limit it too. Fairness needs nothing
// here: the runtime offers only fair candidates (runtime/src/fairness.cpp), and switching away
// from a task that gave way is not a preemption (it is not candidate 0 then). See
// docs/strategies.md.
#pragma once
#include <cstddef>

#include "weft/chooser.hpp"

namespace weft {

inline bool costs_preemption(DecisionKind kind, bool first_is_current, std::size_t index) noexcept {
  if (kind == DecisionKind::spurious) return index != 0;
  return kind == DecisionKind::schedule && first_is_current && index != 0;
}

}  // namespace weft
