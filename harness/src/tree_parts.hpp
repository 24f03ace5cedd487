// A tree search (dfs, dfs-iterative, delay-bounded, the DPOR strategies, exhaustive) on several
// threads: the tree is cut into parts, each run by one thread at a time, and the parts are kept in
// the order the one-thread search would run them, so that what they found can be put back into
// that order (execution indices, the first failure, the iteration budget) and the result is the
// same for any --jobs.
//
// A part is a strategy restricted to a subtree (Strategy::split). The first part is the whole
// tree. A thread with nothing to run waits until a running thread, between two of its
// executions, splits its part: the split-off part comes right after its donor in the order (the
// donor keeps everything the one-thread search runs before it). The earliest part waiting is
// taken first: it decides the first failure and the budget.
//
// Why the result does not depend on the threads: the one-thread search runs the parts one after
// the other, in the list's order, each in its own order. An execution's index is the number of
// executions of the parts before it plus its index in its part; every part before a failing
// execution's part runs to its end (only the parts after a failure stop), so the lowest failing
// index is the one-thread search's first failure. The budget (--iterations) cuts a part when the
// executions before it, counted so far, already reach the budget: the count only grows, so the
// cut never removes an execution the one-thread search would run; executions past the budget that
// ran before an earlier part grew are dropped when the results are merged.
//
// A part may have to wait for the parts before it (Strategy::awaits_earlier_parts: dfs-iterative's
// next bound, exhaustive's next pass, are built from what the whole previous one found). No thread
// blocks on it: begin() parks the part (it ends there for now, and its thread takes other work,
// so that the earlier parts can be split for it), and take() hands it out again once every part
// before it has ended. Then, if each of those ran all of its part, the strategy is told
// (earlier_parts_ended) and goes on; else the part ends for good, as the one-thread search never
// got past the earlier part that was cut (budget, failure, stop request). Why a parked part is
// always taken again: the earliest parked part's earlier parts are none of them parked, so each
// is finished, or run by a thread (which finishes it: work_parts always calls finish, also on a
// stop request, the time budget or a failure), or free for take(), which hands out the earliest
// free part first; so take() ends the search (busy_ == 0, nothing to take) only when no part is
// parked. The only wait is take()'s, as before.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "weft/harness/strategy.hpp"

namespace weft::detail {

template <class Found>
class TreeParts {
 public:
  struct Part {
    std::unique_ptr<Strategy> strategy;
    Found found;            // by index within the part
    std::uint64_t ran = 0;  // executions begun
    // Executions begun in the parts before this one when last counted: a lower bound of the
    // count (earlier parts only grow), so that begin() need not walk the list every time.
    std::uint64_t before_seen = 0;
    bool taken = false;
    bool finished = false;
    bool parked = false;   // waits for the parts before it to end (see above), nobody runs it
    bool stopped = false;  // a failure in an earlier part ended the search here
    // Strategy::covered_bound() as it changed: (executions run, the bound then), from 0 on, so
    // that the bound the one-thread search had where it ended inside the part is known even when
    // the part ran past that point.
    std::vector<std::pair<std::uint64_t, std::optional<std::int64_t>>> covered;
    std::uint64_t counted = 0;  // executions the one-thread search runs here (set by the merge)
    // Whether the one-thread search would have run all of the part: it is covered, and no
    // earlier failure stopped the search before it (even if it ran to its end meanwhile).
    bool complete() const { return !stopped && strategy->exhausted(); }
    // Whether the one-thread search ran all of the part and nothing past its budget (once the
    // merge has set `counted`).
    bool counted_in_full() const { return complete() && counted == ran; }
  };

  explicit TreeParts(std::unique_ptr<Strategy> root) {
    parts_.push_back(Part{});
    parts_.back().strategy = std::move(root);
  }

  // The earliest part nobody runs, or null when the search is over: nothing is left to take and
  // nobody runs a part that could still be split.
  Part* take() {
    std::unique_lock lock(mutex_);
    for (;;) {
      for (Part& p : parts_) {
        if (p.taken || p.finished) continue;
        if (p.parked && !p.stopped && !earlier_finished(p)) continue;
        p.taken = true;
        p.parked = false;
        ++busy_;
        return &p;
      }
      if (busy_ == 0) return nullptr;
      ++hungry_;
      changed_.wait(lock);
      --hungry_;
    }
  }

  // Before an execution of `part`: its index within the part, or none when the part ends here
  // (stopped by a failure, covered, past `budget` executions counted before it, or an earlier part
  // cut) or is parked until the parts before it end. Gives a waiting thread a part of this one
  // first.
  std::optional<std::uint64_t> begin(Part& part, std::uint64_t budget, std::uint64_t* at_least) {
    std::lock_guard lock(mutex_);
    if (part.strategy->awaits_earlier_parts() && !part.stopped) {
      if (!earlier_finished(part)) {
        part.parked = true;  // finish() gives it back, take() hands it out when they have ended
        return std::nullopt;
      }
      if (earlier_complete(part)) part.strategy->earlier_parts_ended();
    }
    const std::optional<std::int64_t> covered = part.strategy->covered_bound();
    if (part.covered.empty() || part.covered.back().second != covered)
      part.covered.emplace_back(part.ran, covered);
    if (part.stopped || part.strategy->exhausted() || part.strategy->awaits_earlier_parts())
      return std::nullopt;
    // The walk over the earlier parts is needed only when the budget could be reached: while
    // every part together has begun fewer, so have the parts before this one.
    if (ran_ >= budget || part.ran % kRecount == 0) {
      std::uint64_t before = 0;
      for (const Part& p : parts_) {
        if (&p == &part) break;
        before += p.ran;
      }
      part.before_seen = before;
      if (before + part.ran >= budget) return std::nullopt;
    }
    if (hungry_ > 0) {
      if (std::unique_ptr<Strategy> given = part.strategy->split()) {
        auto after = std::next(iterator(part));
        Part& p = *parts_.insert(after, Part{});
        p.strategy = std::move(given);
        changed_.notify_one();
      }
    }
    *at_least = part.before_seen + part.ran;
    ++ran_;
    return part.ran++;
  }

  // `part` had a failure: the parts after it stop (the one-thread search would not reach them).
  void failed(Part& part) {
    std::lock_guard lock(mutex_);
    for (auto it = std::next(iterator(part)); it != parts_.end(); ++it) it->stopped = true;
  }

  // The thread is done with `part`: it ended, or it is parked until the parts before it end.
  void finish(Part& part) {
    std::lock_guard lock(mutex_);
    if (part.parked)
      part.taken = false;
    else
      part.finished = true;
    --busy_;
    changed_.notify_all();
  }

  // Read once every thread is done.
  std::list<Part>& parts() { return parts_; }

 private:
  typename std::list<Part>::iterator iterator(Part& part) {
    for (auto it = parts_.begin(); it != parts_.end(); ++it)
      if (&*it == &part) return it;
    return parts_.end();
  }

  // Whether every part before `part` has ended, and whether each ran all of its part.
  bool earlier_finished(const Part& part) const {
    for (const Part& p : parts_) {
      if (&p == &part) break;
      if (!p.finished) return false;
    }
    return true;
  }
  bool earlier_complete(const Part& part) const {
    for (const Part& p : parts_) {
      if (&p == &part) break;
      if (!p.complete()) return false;
    }
    return true;
  }

  std::mutex mutex_;
  std::condition_variable changed_;              // a part was split off, ended or parked
  std::list<Part> parts_;                        // in the one-thread search's order
  std::uint64_t ran_ = 0;                        // executions begun in every part
  static constexpr std::uint64_t kRecount = 64;  // how often a part's lower bound is refreshed
  unsigned busy_ = 0;                            // threads running a part
  unsigned hungry_ = 0;                          // threads waiting for one
};

}  // namespace weft::detail
