// Fairness to tasks that give way: which runnable tasks a decision may offer.
//
// The rule (CHESS's fair scheduler: Musuvathi, Qadeer, "Fair Stateless Model Checking", PLDI
// 2008): a task that gave way (weft::yield_now, or a spin the SpinTracker recognised) is not
// offered while another runnable task has not run since it gave way. A spin loop
// `while (!flag.load()) weft::yield_now();` therefore cannot starve the task that sets the flag,
// under any chooser: every strategy sees only fair candidates, so a correct spin-wait ends, and
// an exhaustive search has no infinite branch through it. A spin that nothing can end (a true
// livelock) still runs until the step limit and is reported as a hang.
//
// Never empty: among tasks that gave way, the one that gave way earliest is always offered (each
// of the others ran, and gave way, after it), and a task that did not give way always is.
#include "scheduler.hpp"

namespace weft::detail {

bool Scheduler::fair_candidates(Task* current) {
  candidates_.clear();
  candidate_tasks_.clear();
  // The two oldest last_ran among all runnable tasks (current included): a task that gave way at
  // Y waits while any other has last_ran <= Y.
  constexpr std::uint64_t kNone = ~std::uint64_t{0};
  std::uint64_t oldest = kNone, second = kNone;
  const Task* oldest_task = nullptr;
  auto note = [&](const Task* t) {
    if (t->last_ran < oldest) {
      second = oldest;
      oldest = t->last_ran;
      oldest_task = t;
    } else if (t->last_ran < second) {
      second = t->last_ran;
    }
  };
  if (current != nullptr) note(current);
  for (Task* t : runnable_) note(t);
  auto offered = [&](const Task* t) {
    if (t->yielded_at == 0) return true;
    const std::uint64_t others = t == oldest_task ? second : oldest;
    return others > t->yielded_at;
  };
  bool current_offered = false;
  if (current != nullptr && offered(current)) {
    candidates_.push_back(Candidate{current->id, current->pending_op, current->pending_object,
                                    current->yielded_at != 0});
    candidate_tasks_.push_back(current);
    current_offered = true;
  }
  for (Task* t : runnable_) {
    if (!offered(t)) continue;
    candidates_.push_back(Candidate{t->id, t->pending_op, t->pending_object, t->yielded_at != 0});
    candidate_tasks_.push_back(t);
  }
  return current_offered;
}

}  // namespace weft::detail
