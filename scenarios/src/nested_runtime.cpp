// Scenario 6 of docs/design.md: a runtime inside a runtime. Code running in a task creates a new
// runtime and blocks on it — tokio panics with "Cannot start a runtime from within a runtime"
// (or, with some blocking bridges, deadlocks the worker). weft turns it into a clear error.
#include <chrono>
#include <memory>
#include <string>

#include "weft/harness/scenario.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

struct Config {
  int workers = 0;
};

// A library helper written for synchronous callers: "load the config, async inside".
Config load_config_blocking() {
  weft::Runtime rt;  // a second runtime, created on a thread that already runs one
  return rt.block_on([] {
    weft::sleep(5ms);  // reading the file
    return Config{4};
  });
}

// The same work for async callers: just do it in the calling task.
Config load_config() {
  weft::sleep(5ms);
  return Config{4};
}

enum class Variant { nested, direct };

void start_service(Variant variant) {
  weft::Runtime rt;
  rt.block_on([variant] {
    auto config = std::make_shared<Config>();
    auto loader = weft::spawn(
        [variant, config] {
          *config = variant == Variant::nested ? load_config_blocking() : load_config();
        },
        "config-loader");
    auto server = weft::spawn([] { weft::sleep(10ms); }, "server");
    server.join();
    if (variant == Variant::direct) {
      loader.join();
      WEFT_CHECK(config->workers == 4);
    }
    // Nested: the root never joins the loader (it fires and forgets the config reload).
  });
}

constexpr const char* kStory =
    " A config-loader task calls a helper written for synchronous code, which creates its own "
    "runtime and blocks on it to read the config file; meanwhile a server task runs and the "
    "root waits for the server.";

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "nested-runtime",
    .description =
        std::string("A task starts a runtime inside the runtime it runs on.") + kStory +
        " Starting a runtime from within a runtime cannot work (the inner block_on would freeze "
        "the worker the outer one needs): weft's block_on throws weft::RuntimeError \"cannot "
        "start a runtime from within a runtime: block_on called in task 'config-loader' ...\", "
        "which becomes a panic of that task. Nobody joins the loader, so weft reports a "
        "task_panic naming 'config-loader' and the call site: a clear error, no hang, no crash.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { start_service(Variant::nested); },
    .expect = {.failure = weft::FailureKind::task_panic,
               .budgets = {{"random", 1}, {"pct", 1}, {"dfs", 1}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "nested-runtime-direct",
    .description =
        std::string("Fixed: the task does the work directly on its own runtime.") + kStory +
        " Here the loader calls the async version of the helper, which sleeps with weft::sleep "
        "in the calling task, and the root joins it. Clean under exhaustive DFS with preemption "
        "bound 2.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { start_service(Variant::direct); },
    .expect = {.dfs_preemption_bound = 2},
    .source = __FILE__,
});

}  // namespace
