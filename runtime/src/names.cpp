// Stable names of the runtime's enums; they appear in trace files, so never rename one.
#include <string_view>

#include "weft/chooser.hpp"
#include "weft/ids.hpp"
#include "weft/observer.hpp"
#include "weft/runtime.hpp"

namespace weft {

std::string_view to_string(ObjectKind kind) noexcept {
  switch (kind) {
    case ObjectKind::none:
      return "none";
    case ObjectKind::task:
      return "task";
    case ObjectKind::mutex:
      return "mutex";
    case ObjectKind::rwlock:
      return "rwlock";
    case ObjectKind::condvar:
      return "condvar";
    case ObjectKind::notify:
      return "notify";
    case ObjectKind::semaphore:
      return "semaphore";
    case ObjectKind::barrier:
      return "barrier";
    case ObjectKind::mpsc:
      return "mpsc";
    case ObjectKind::oneshot:
      return "oneshot";
    case ObjectKind::broadcast:
      return "broadcast";
    case ObjectKind::atomic:
      return "atomic";
    case ObjectKind::timer:
      return "timer";
    case ObjectKind::token:
      return "token";
    case ObjectKind::watch:
      return "watch";
  }
  return "?";
}

std::string_view to_string(Op op) noexcept {
  switch (op) {
    case Op::none:
      return "none";
    case Op::start:
      return "start";
    case Op::spawn:
      return "spawn";
    case Op::yield:
      return "yield";
    case Op::join:
      return "join";
    case Op::abort:
      return "abort";
    case Op::sleep:
      return "sleep";
    case Op::send:
      return "send";
    case Op::recv:
      return "recv";
    case Op::close:
      return "close";
    case Op::lock:
      return "lock";
    case Op::lock_shared:
      return "lock_shared";
    case Op::unlock:
      return "unlock";
    case Op::wait:
      return "wait";
    case Op::notify:
      return "notify";
    case Op::acquire:
      return "acquire";
    case Op::release:
      return "release";
    case Op::load:
      return "load";
    case Op::store:
      return "store";
    case Op::rmw:
      return "rmw";
    case Op::choose:
      return "choose";
    case Op::drop:
      return "drop";
  }
  return "?";
}

std::string_view to_string(DecisionKind kind) noexcept {
  switch (kind) {
    case DecisionKind::schedule:
      return "schedule";
    case DecisionKind::timer_tie:
      return "timer_tie";
    case DecisionKind::shutdown:
      return "shutdown";
    case DecisionKind::spurious:
      return "spurious";
    case DecisionKind::value:
      return "value";
  }
  return "?";
}

std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::spawn:
      return "spawn";
    case EventKind::run:
      return "run";
    case EventKind::block:
      return "block";
    case EventKind::wake:
      return "wake";
    case EventKind::op:
      return "op";
    case EventKind::finish:
      return "finish";
    case EventKind::panic:
      return "panic";
    case EventKind::cancelled:
      return "cancelled";
    case EventKind::swallowed_cancellation:
      return "swallowed_cancellation";
    case EventKind::timer_fire:
      return "timer_fire";
    case EventKind::clock_advance:
      return "clock_advance";
    case EventKind::shutdown_begin:
      return "shutdown_begin";
    case EventKind::drop:
      return "drop";
    case EventKind::deadlock:
      return "deadlock";
    case EventKind::hang:
      return "hang";
    case EventKind::shutdown_end:
      return "shutdown_end";
    case EventKind::detach:
      return "detach";
    case EventKind::object_created:
      return "object_created";
    case EventKind::leak_check:
      return "leak_check";
    case EventKind::long_poll:
      return "long_poll";
    case EventKind::step:
      return "step";
    case EventKind::access:
      return "access";
  }
  return "?";
}

std::string_view to_string(Flavor flavor) noexcept {
  return flavor == Flavor::multi_thread ? "multi_thread" : "current_thread";
}

std::optional<Flavor> parse_flavor(std::string_view text) noexcept {
  if (text == "multi_thread") return Flavor::multi_thread;
  if (text == "current_thread") return Flavor::current_thread;
  return std::nullopt;
}

std::string_view to_string(TaskState state) noexcept {
  switch (state) {
    case TaskState::idle:
      return "idle";
    case TaskState::runnable:
      return "runnable";
    case TaskState::running:
      return "running";
    case TaskState::blocked:
      return "blocked";
    case TaskState::finished:
      return "finished";
  }
  return "?";
}

}  // namespace weft
