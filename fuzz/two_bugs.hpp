// A body with two different bugs, for the deduplication checks: two tasks increment a counter
// with a load and a store (a lost update fails the body's final check), and a watcher task must
// never see it half-updated (a second bug: another kind, task and line). Used by
// fuzz/two_bugs_fuzz.cpp and tests/harness/fuzz_test.cpp.
#pragma once
#include <memory>

#include "weft/weft.hpp"

namespace weft_examples {
inline void two_bugs() {
  weft::Runtime rt;
  rt.block_on([] {
    auto counter = std::make_shared<weft::Atomic<int>>(0);
    auto bump = [counter] {
      int seen = counter->load();
      counter->store(seen + 1);
    };
    auto a = weft::spawn(bump, "a");
    auto b = weft::spawn(bump, "b");
    // Never joined: its failed check is a panic in 'watcher' (task_panic).
    auto watcher = weft::spawn([counter] { WEFT_CHECK(counter->load() != 1); }, "watcher");
    a.join();
    b.join();
    WEFT_CHECK(counter->load() == 2);  // the lost update: a failure of the body
  });
}
}  // namespace weft_examples
