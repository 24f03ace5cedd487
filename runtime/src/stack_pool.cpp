// Stacks come from slabs of kStacksPerSlab; each stack has a PROT_NONE guard region
// (kStackGuardBytes) below it while the guard budget lasts (past it the bottom canary is the only
// check). One page was not enough: a 200 KB frame jumped it into the neighbouring stack.
#include "stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sanitizer.hpp"
#include "weft/detail/thread_watch.hpp"

namespace weft::detail {
namespace {
constexpr std::size_t kStacksPerSlab = 64;
// Free stacks per size that keep their pages; beyond this, released stacks return their pages
// to the kernel.
constexpr std::size_t kMaxWarmStacks = 4096;

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}
std::size_t round_to_pages(std::size_t n) {
  std::size_t p = page_size();
  return (n + p - 1) / p * p;
}

// A guard page splits its slab's mapping: every guarded stack costs the process two kernel
// mappings, and past vm.max_map_count (65530 by default) mmap itself fails, so no new slab could
// be mapped. Guards stop at a quarter of the limit (half of the mappings), process-wide, leaving
// the rest to slabs, malloc and everyone else.
std::size_t guard_budget() {
  static const std::size_t budget = [] {
    long max_maps = 65530;
    if (std::FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
      if (std::fscanf(f, "%ld", &max_maps) != 1) max_maps = 65530;
      std::fclose(f);
    }
    return static_cast<std::size_t>(max_maps > 0 ? max_maps : 0) / 4;
  }();
  return budget;
}
std::atomic<std::size_t> guarded_stacks{0};
std::atomic<bool> guards_failed{false};

// Makes the guard region at `guard` inaccessible if the budget allows. Returns whether it did.
bool add_guard(char* guard) {
  if (guards_failed.load(std::memory_order_relaxed)) return false;
  if (guarded_stacks.fetch_add(1, std::memory_order_relaxed) >= guard_budget()) {
    guarded_stacks.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  if (mprotect(guard, kStackGuardBytes, PROT_NONE) != 0) {
    // Out of mappings after all: stop trying, a failed mprotect per stack would be slow.
    guarded_stacks.fetch_sub(1, std::memory_order_relaxed);
    guards_failed.store(true, std::memory_order_relaxed);
    return false;
  }
  return true;
}
}  // namespace

StackPool& StackPool::local() {
  thread_local StackPool pool;
  return pool;
}

StackPool::~StackPool() {
  // std::exit called inside a task runs this thread's destructors on that task's stack: the slab
  // holding the running stack stays mapped (the process is ending anyway), or the next return
  // would fault.
  const char here = 0;
  const char* sp = &here;
  for (const Slab& slab : slabs_) {
    if (sp >= slab.base && sp < slab.base + slab.bytes) continue;
    munmap(slab.base, slab.bytes);
    guarded_stacks.fetch_sub(slab.guards, std::memory_order_relaxed);
  }
}

StackPool::FreeList& StackPool::list_for(std::size_t size) {
  for (FreeList& list : free_)
    if (list.size == size) return list;
  free_.push_back(FreeList{size, {}});
  last_ = nullptr;  // the vector may have moved
  return free_.back();
}

Stack StackPool::allocate(std::size_t requested) {
  FreeList* list = last_;
  if (list == nullptr || requested != last_requested_) [[unlikely]] {
    list = &list_for(round_to_pages(requested < 16384 ? 16384 : requested));
    last_ = list;
    last_requested_ = requested;
  }
  std::vector<Stack>* from = &list->warm;
  if (from->empty()) [[unlikely]] {
    if (list->cold.empty()) map_slab(*list);
    from = &list->cold;
  }
  Stack stack = from->back();
  from->pop_back();
  std::memcpy(stack.base, &kStackCanary, sizeof kStackCanary);
  return stack;
}

void StackPool::map_slab(FreeList& list) {
  const std::size_t size = list.size;
  const std::size_t stride = size + kStackGuardBytes;  // guard region + stack
  const std::size_t bytes = stride * kStacksPerSlab;
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) {
    std::fprintf(stderr, "weft: cannot map %zu bytes for task stacks\n", bytes);
    std::abort();
  }
  char* base = static_cast<char*>(mem);
  Slab& slab = slabs_.emplace_back(Slab{base, bytes, 0});
  // Pushed in reverse so that stacks are handed out in address order.
  for (std::size_t i = kStacksPerSlab; i-- > 0;) {
    char* guard = base + i * stride;
    // Without a guard page (budget spent) the stack is still usable; the canary checks it.
    if (add_guard(guard)) ++slab.guards;
    list.cold.push_back(Stack{guard + kStackGuardBytes, size});
  }
}

void StackPool::release(Stack stack) noexcept {
  // A fiber that exited early (or was abandoned) leaves poisoned frames behind for ASan.
  unpoison_memory(stack.base, stack.size);
  FreeList& list = last_ != nullptr && last_->size == stack.size ? *last_ : list_for(stack.size);
  if (list.warm.size() >= kMaxWarmStacks) [[unlikely]] {
    madvise(stack.base, stack.size, MADV_DONTNEED);
    list.cold.push_back(stack);
    return;
  }
  list.warm.push_back(stack);
}

}  // namespace weft::detail
