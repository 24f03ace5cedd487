// The scheduler's task records and task ids.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "weft/ids.hpp"

namespace weft::detail {

// Owns the records of a runtime's tasks and hands out task ids, 0 first, in order of creation
// (ids reach traces, so they must not depend on which records were reused). A record is reused
// once its task is reaped, with no allocation; it keeps its timer_generation across reuse, so
// that a timer entry left by its previous task never looks live for the next (timer_queue.hpp).
// T is the scheduler's Task: a template only so that this header needs none of Task but its id
// and timer_generation.
template <class T>
class TaskArena {
 public:
  // A fresh record with the next id.
  T* create() {
    T* t;
    if (!free_.empty()) {
      t = free_.back();
      free_.pop_back();
      const std::uint64_t generation = t->timer_generation;
      t->~T();
      new (t) T();
      t->timer_generation = generation;
    } else {
      storage_.push_back(std::make_unique<T>());
      t = storage_.back().get();
    }
    t->id = next_id_++;
    return t;
  }
  // t's task was reaped: its record may be reused.
  void release(T* t) { free_.push_back(t); }
  // The id the next create() gives.
  TaskId next_id() const noexcept { return next_id_; }
  std::size_t size() const noexcept { return storage_.size(); }
  bool all_released() const noexcept { return free_.size() == storage_.size(); }
  // For the next runtime on this thread: keeps at most `keep` records and restarts the ids.
  // Precondition: all_released().
  void recycle(std::size_t keep) {
    if (storage_.size() > keep) {
      storage_.resize(keep);
      storage_.shrink_to_fit();
      free_.clear();
      free_.shrink_to_fit();
      for (auto& t : storage_) free_.push_back(t.get());
    }
    next_id_ = 0;
  }

 private:
  std::vector<std::unique_ptr<T>> storage_;
  std::vector<T*> free_;
  TaskId next_id_ = 0;
};

}  // namespace weft::detail
