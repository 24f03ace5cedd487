// weft::Runtime and the thread-local exploration hooks.
#include "weft/runtime.hpp"

#include "scheduler.hpp"

namespace weft {
namespace detail {
namespace {
thread_local const ExplorationHooks* tls_hooks = nullptr;
}

ScopedExplorationHooks::ScopedExplorationHooks(const ExplorationHooks& hooks)
    : previous_(tls_hooks), hooks_(hooks) {
  tls_hooks = &hooks_;
}
ScopedExplorationHooks::~ScopedExplorationHooks() { tls_hooks = previous_; }
const ExplorationHooks* current_exploration_hooks() noexcept { return tls_hooks; }
}  // namespace detail

Runtime::Runtime(RuntimeOptions options)
    : options_(std::move(options)),
      scheduler_(std::make_unique<detail::Scheduler>(*this, options_)) {}

Runtime::~Runtime() = default;

void Runtime::run_root(void (*root)(void*), void* arg, SourceLocation where) {
  scheduler_->run_root(root, arg, where);
}

std::vector<TaskSnapshot> Runtime::tasks() const { return scheduler_->snapshot(); }
std::uint64_t Runtime::steps() const { return scheduler_->steps(); }
Duration Runtime::elapsed() const { return Duration(scheduler_->now_ns()); }

}  // namespace weft
