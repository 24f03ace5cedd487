// The Chooser seam: every nondeterministic decision of the runtime goes through one call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>
#include <type_traits>

#include "weft/ids.hpp"

namespace weft {

enum class DecisionKind : std::uint8_t {
  schedule,   // which runnable task runs next
  timer_tie,  // which of several timers with the same deadline fires first
  shutdown,   // during shutdown: run a runnable task one step, or drop a task. Candidates:
              // the droppable live tasks in id order (Op::drop), then in multi_thread the
              // runnable tasks that have not given way, in run-queue order
  spurious,   // whether a condvar wait wakes spuriously (candidate 0: no, 1: yes)
  value,      // a value requested by user code through weft::choose
};

std::string_view to_string(DecisionKind kind) noexcept;

// One alternative of a decision. For schedule/shutdown candidates `task` is the task and `op`,
// `object` its pending operation (Op::drop for a drop candidate). For timer ties `task` is the
// task the timer wakes. For spurious/value decisions only the index matters.
struct Candidate {
  TaskId task = kNoTask;
  Op op = Op::none;
  ObjectId object = kNoObject;
  // Schedule candidates: the task gave way (weft::yield_now, or a spin the runtime recognised,
  // see runtime/INTERNALS.md "Fairness") and has not run since. The runtime already leaves out a
  // task that gave way while another candidate has not run since; this flag lets a strategy
  // treat the rest as it likes (PCT lowers their priority).
  bool yielded = false;
};

// Context of a decision that strategies may use: the step number (scheduling points so far) and,
// for schedule decisions, whether candidate 0 is the task that was running (so choosing any
// other index is a preemption).
struct DecisionContext {
  std::uint64_t step = 0;
  bool first_is_current = false;
  // Shutdown decisions: how many of the last candidates became runnable since the previous
  // shutdown decision of this runtime (a task the drop or the run decided there woke), so a
  // strategy can tell them apart without remembering every earlier candidate. 0 at the first.
  std::size_t new_runnable = 0;
};

// The candidates of one decision, in their order: candidate i is the answer i. Most decisions list
// them contiguously. A shutdown decision can offer millions (every live task at an await, then in
// multi_thread every runnable task), and the runtime does not list them: it keeps them in an
// order-statistic index and a Candidates view over a Source finds candidate i in O(log n) time.
// A strategy that only needs the count (random, bytes) or one candidate (replay, recording) pays
// O(log n) per drop, and an explored shutdown of n tasks O(n log n); one that looks at every
// candidate (DFS, DPOR) pays O(n log n) per decision. Iteration yields candidates by value.
class Candidates {
 public:
  // Candidates the runtime finds on request rather than lists.
  class Source {
   public:
    virtual std::size_t size() const noexcept = 0;
    // Precondition: i < size().
    virtual Candidate at(std::size_t i) const noexcept = 0;

   protected:
    ~Source() = default;
  };

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Candidate;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Candidate;

    Iterator() = default;
    Iterator(const Candidates* of, std::size_t i) noexcept : of_(of), i_(i) {}
    Candidate operator*() const noexcept { return (*of_)[i_]; }
    Iterator& operator++() noexcept {
      ++i_;
      return *this;
    }
    Iterator operator++(int) noexcept {
      Iterator before = *this;
      ++i_;
      return before;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) noexcept { return a.i_ == b.i_; }

   private:
    const Candidates* of_ = nullptr;
    std::size_t i_ = 0;
  };

  // Every candidate listed (implicit, so a span or vector of candidates can be passed as is).
  Candidates(std::span<const Candidate> listed) noexcept  // NOLINT(google-explicit-constructor)
      : listed_(listed), size_(listed.size()) {}
  template <
      class Range,
      std::enable_if_t<std::is_convertible_v<const Range&, std::span<const Candidate>>, int> = 0>
  Candidates(const Range& listed) noexcept  // NOLINT(google-explicit-constructor)
      : Candidates(std::span<const Candidate>(listed)) {}
  // Candidates found on request. Precondition: `source` outlives this view.
  explicit Candidates(const Source& source) noexcept : source_(&source), size_(source.size()) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // Precondition: i < size(). O(1) when listed, O(log n) from the runtime's shutdown index.
  Candidate operator[](std::size_t i) const noexcept {
    return source_ != nullptr ? source_->at(i) : listed_[i];
  }
  Iterator begin() const noexcept { return Iterator(this, 0); }
  Iterator end() const noexcept { return Iterator(this, size_); }
  // Whether every candidate is listed (then listed() holds them all, in order).
  bool is_listed() const noexcept { return source_ == nullptr; }
  std::span<const Candidate> listed() const noexcept { return listed_; }

 private:
  std::span<const Candidate> listed_;
  const Source* source_ = nullptr;
  std::size_t size_ = 0;
};

class Chooser {
 public:
  virtual ~Chooser() = default;
  // Precondition: candidates.size() >= 2 (single-candidate decisions are never asked or
  // recorded). Returns an index < candidates.size().
  virtual std::size_t choose(DecisionKind kind, const Candidates& candidates,
                             const DecisionContext& context) = 0;
};

// The chooser a runtime uses outside any exploration: always index 0, which means "keep running
// the current task", FIFO order among runnable tasks, timers in registration order, and at
// shutdown drop tasks in id order.
class FirstChooser final : public Chooser {
 public:
  std::size_t choose(DecisionKind, const Candidates&, const DecisionContext&) override { return 0; }
};

}  // namespace weft
