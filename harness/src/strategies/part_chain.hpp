// How the parts of a split search that goes bound by bound (dfs-iterative's bounds, exhaustive's
// passes) hand what they found to the part that goes on to the next bound.
//
// The next bound depends on what the whole current bound found, and on several threads
// (tree_parts.hpp) the bound is cut into parts. Each part has an entry in a chain the parts
// share, in the one-thread order (a part given away comes right after its donor), and one part,
// the last, holds the continuation: the right to go on to the next bound. The others, once their
// part of the bound is done, leave what the next bound needs in their entry and end; the part
// with the continuation waits (Strategy::awaits_earlier_parts) until every part before it has
// ended, then reads their entries in order and goes on. Only the continuation's holder reads the
// chain, and only once the parts before it have ended, so an entry is never read while written.
#pragma once
#include <iterator>
#include <list>
#include <memory>
#include <mutex>

namespace weft::detail {

template <class Entry>
class PartChain {
 public:
  // The chain of the part split off this one, right after it: it takes the continuation if this
  // part held it.
  PartChain give() {
    if (!shared_) {
      shared_ = std::make_shared<Shared>();
      entry_ = shared_->entries.emplace(shared_->entries.end());
    }
    PartChain given;
    given.shared_ = shared_;
    {
      std::lock_guard lock(shared_->mutex);
      given.entry_ = shared_->entries.emplace(std::next(entry_));
    }
    given.continuation_ = continuation_;
    continuation_ = false;
    return given;
  }

  // Whether this part goes on to the next bound.
  bool continuation() const { return continuation_; }

  // Whether some part before this one has an entry that the next bound needs.
  bool earlier_parts() const {
    if (!shared_) return false;  // never split
    std::lock_guard lock(shared_->mutex);
    return entry_ != shared_->entries.begin();
  }

  // A part without the continuation: what its part of the bound found, for the holder.
  void leave(Entry entry) {
    std::lock_guard lock(shared_->mutex);
    *entry_ = std::move(entry);
  }

  // The holder of the continuation, once every part before it has ended: `take(entry)` for each
  // of their entries in the one-thread order, which are then forgotten (they were this bound's).
  template <class Take>
  void take_earlier(Take take) {
    if (!shared_) return;
    std::lock_guard lock(shared_->mutex);
    for (auto it = shared_->entries.begin(); it != entry_; ++it) take(std::move(*it));
    shared_->entries.erase(shared_->entries.begin(), entry_);
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::list<Entry> entries;  // under mutex, in the one-thread order of the parts
  };
  std::shared_ptr<Shared> shared_;  // null until the first split
  typename std::list<Entry>::iterator entry_;
  bool continuation_ = true;
};

}  // namespace weft::detail
