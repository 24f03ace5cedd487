// The scheduler's pending timers (virtual time): which task's deadline comes next.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace weft::detail {

// The timers of tasks blocked with a deadline, earliest deadline first and, at equal deadlines, in
// the order they were armed. A task's timer is disarmed by clearing its has_deadline or re-armed by
// bumping its timer_generation; the entries this leaves behind are skipped when they come up
// (an entry is live iff its generation equals the task's and the task has a deadline), so
// disarming costs nothing here. T is the scheduler's Task: a template only so that this header
// needs none of Task but those three fields (deadline_ns, has_deadline, timer_generation).
template <class T>
class TimerQueue {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  // The earliest entry's deadline, live or not. Precondition: !empty().
  std::int64_t earliest() const noexcept { return heap_.front().deadline; }

  // Arms t's timer at t->deadline_ns, under its current timer_generation.
  void arm(T* t) {
    heap_.push_back(Entry{t->deadline_ns, seq_++, t, t->timer_generation});
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
  // Whether a timer is pending; drops the stale entries before the earliest live one, which
  // earliest() then gives.
  bool has_live() noexcept {
    while (!heap_.empty()) {
      if (live(heap_.front())) return true;
      pop();
    }
    return false;
  }
  // Removes every entry due at `deadline`, the earliest (live or not), and appends the tasks of the
  // live ones to `due` in the order they were armed.
  void take_due(std::int64_t deadline, std::vector<T*>& due) {
    while (!heap_.empty() && heap_.front().deadline == deadline) {
      const Entry e = heap_.front();
      pop();
      if (live(e)) due.push_back(e.task);
    }
  }
  // Empties the queue (keeping its capacity, for the next runtime on the thread).
  void clear() noexcept {
    heap_.clear();
    seq_ = 0;
  }

 private:
  struct Entry {
    std::int64_t deadline;
    std::uint64_t seq;  // arming order, for equal deadlines
    T* task;
    std::uint64_t generation;
  };
  static bool later(const Entry& a, const Entry& b) noexcept {
    return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
  }
  static bool live(const Entry& e) noexcept {
    return e.generation == e.task->timer_generation && e.task->has_deadline;
  }
  void pop() noexcept {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
  }

  std::vector<Entry> heap_;  // a min-heap on (deadline, seq)
  std::uint64_t seq_ = 0;
};

}  // namespace weft::detail
