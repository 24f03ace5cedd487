// A complete Catch2 test file exploring inline bodies with WEFT_EXPLORE: the README's example.
// tests/glue/check_glue.sh runs it (built by meson with GCC, and from the installed package with
// GCC and clang by scripts/check_install.sh) and checks the lines, replay, shrink and scoping.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <memory>
#include <weft/catch2.hpp>
#include <weft/weft.hpp>

TEST_CASE("two request handlers count every hit") {
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

// Hidden ([.]): it fails on purpose; check_glue.sh runs it by name.
TEST_CASE("a read-then-write counter loses a hit", "[.][buggy]") {
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
