// A complete GoogleTest test file exploring inline bodies with WEFT_EXPLORE (<weft/gtest.hpp>).
// tests/glue/check_glue.sh runs it (built by meson with GCC, and from the installed package by
// scripts/check_install.sh) and checks the lines, replay, shrink and scoping. Link gtest_main.
#include <gtest/gtest.h>

#include <memory>
#include <weft/gtest.hpp>
#include <weft/weft.hpp>

TEST(Handlers, CountEveryHit) {
  weft::ExploreOptions options;
  options.strategy = "dfs";  // every interleaving within the preemption bound
  WEFT_EXPLORE(options) {
    weft::Runtime rt;
    rt.block_on([] {
      auto hits = std::make_shared<weft::Atomic<int>>(0);
      auto handle = [hits] { hits->fetch_add(1); };
      auto a = weft::spawn(handle, "handler a");
      auto b = weft::spawn(handle, "handler b");
      a.join();
      b.join();
      WEFT_CHECK(hits->load() == 2);
    });
  };
}

// Disabled (DISABLED_): it fails on purpose; check_glue.sh runs it with
// --gtest_also_run_disabled_tests.
TEST(Handlers, DISABLED_ReadThenWriteLosesAHit) {
  weft::ExploreOptions options;
  options.strategy = "random";
  options.iterations = 500;
  WEFT_EXPLORE(options) {
    weft::Runtime rt;
    rt.block_on([] {
      auto hits = std::make_shared<weft::Atomic<int>>(0);
      auto handle = [hits] {
        int seen = hits->load();
        hits->store(seen + 1);
      };
      auto a = weft::spawn(handle, "handler a");
      auto b = weft::spawn(handle, "handler b");
      a.join();
      b.join();
      WEFT_CHECK(hits->load() == 2);  // the failing line (check_glue.sh looks for this comment)
    });
  };
}
