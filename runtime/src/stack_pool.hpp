// Fiber stacks carved from large anonymous mappings and recycled per thread, so that spawning a
// task costs no system call and 100,000 parked tasks need few kernel mappings.
#pragma once
#include <cstddef>
#include <vector>

namespace weft::detail {

struct Stack {
  char* base = nullptr;  // lowest address
  std::size_t size = 0;
  char* top() const noexcept { return base + size; }
};

class StackPool {
 public:
  // The pool of the calling thread.
  static StackPool& local();
  ~StackPool();
  // A stack of exactly `requested` bytes (rounded to pages); pages are committed when touched.
  Stack allocate(std::size_t requested);
  void release(Stack stack) noexcept;

 private:
  struct Slab {
    char* base;
    std::size_t bytes;
    std::size_t guards;  // stacks of this slab with a guard page
  };
  // Free stacks of one size. Warm ones keep their pages and are handed out first; past
  // kMaxWarmStacks a released stack gives its pages back and waits among the cold ones. Two lists,
  // not one: after a burst of tasks, a spawn/exit cycle must keep reusing a warm stack rather than
  // pay a madvise and fresh page faults every time.
  struct FreeList {
    std::size_t size;
    std::vector<Stack> warm;
    std::vector<Stack> cold;
  };
  FreeList& list_for(std::size_t size);
  void map_slab(FreeList& list);
  std::vector<Slab> slabs_;
  std::vector<FreeList> free_;
  // The list of the last size asked for (tasks of a runtime all ask for the same), or nullptr.
  FreeList* last_ = nullptr;
  std::size_t last_requested_ = 0;
};

// The canary written at the bottom of every stack; a fiber whose canary changed overflowed.
inline constexpr unsigned long long kStackCanary = 0x77656674'2d737461ULL;  // "weft-sta"

}  // namespace weft::detail
