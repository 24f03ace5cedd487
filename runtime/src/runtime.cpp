// weft::Runtime and the thread-local exploration hooks.
#include "weft/runtime.hpp"

#include "scheduler.hpp"

namespace weft {
namespace detail {
namespace {
thread_local const ExplorationHooks* tls_hooks = nullptr;
thread_local std::uint64_t tls_runtimes_created = 0;
}  // namespace

ScopedExplorationHooks::ScopedExplorationHooks(const ExplorationHooks& hooks)
    : previous_(tls_hooks), hooks_(hooks) {
  hooks_.runtimes_before = tls_runtimes_created;
  tls_hooks = &hooks_;
}
ScopedExplorationHooks::~ScopedExplorationHooks() { tls_hooks = previous_; }
const ExplorationHooks* current_exploration_hooks() noexcept { return tls_hooks; }

std::uint64_t runtimes_created() noexcept { return tls_runtimes_created; }

bool implicit_root_possible() noexcept {
  return tls_hooks != nullptr && tls_runtimes_created == tls_hooks->runtimes_before &&
         current_scheduler() == nullptr;
}
}  // namespace detail

Runtime::Runtime(RuntimeOptions options)
    : options_(options), scheduler_(std::make_unique<detail::Scheduler>(*this, options_)) {
  ++detail::tls_runtimes_created;
}

Runtime::~Runtime() = default;

void Runtime::run_root(void (*root)(void*), void* arg, SourceLocation where) {
  scheduler_->run_root(root, arg, where);
}

std::vector<TaskSnapshot> Runtime::tasks() const { return scheduler_->snapshot(); }
std::uint64_t Runtime::steps() const { return scheduler_->steps(); }
Flavor Runtime::flavor() const { return scheduler_->flavor(); }
Duration Runtime::elapsed() const { return Duration(scheduler_->now_ns()); }

}  // namespace weft
