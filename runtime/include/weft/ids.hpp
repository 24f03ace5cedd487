// Identifiers and operation names shared by the runtime, its seams and everything above them.
#pragma once
#include <cstdint>
#include <string_view>

namespace weft {

// Tasks are numbered 0, 1, 2, ... in spawn order within one runtime; the root task of block_on is
// the first task spawned by that block_on call.
using TaskId = std::uint32_t;
inline constexpr TaskId kNoTask = UINT32_MAX;

// Sync objects and channels are numbered on first use within a runtime, so ids depend only on the
// schedule, never on addresses.
using ObjectId = std::uint32_t;
inline constexpr ObjectId kNoObject = 0;

enum class ObjectKind : std::uint8_t {
  none,
  task,
  mutex,
  rwlock,
  condvar,
  notify,
  semaphore,
  barrier,
  mpsc,
  oneshot,
  broadcast,
  atomic,
  timer,
  token,  // a CancellationToken (and the trees of child tokens)
  watch,  // a watch channel
};

// The operation a task performs at a scheduling point (or is blocked in). Candidates carry the
// pending operation of each task so that a strategy can reason about independence.
enum class Op : std::uint8_t {
  none,
  start,  // first run of a task
  spawn,
  yield,
  join,
  abort,
  sleep,
  send,
  recv,
  close,
  lock,         // exclusive acquire (mutex, rwlock write)
  lock_shared,  // rwlock read
  unlock,
  wait,  // condvar / barrier / notify wait
  notify,
  acquire,  // semaphore
  release,
  load,
  store,
  rmw,
  choose,  // a value drawn with weft::choose
  drop,    // a shutdown candidate: drop this task
};

std::string_view to_string(ObjectKind kind) noexcept;
std::string_view to_string(Op op) noexcept;

}  // namespace weft
