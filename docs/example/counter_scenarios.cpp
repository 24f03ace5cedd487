// Scenarios of my project for weft: a hit counter shared by two request handlers.
#include <weft/harness/scenario.hpp>
#include <weft/weft.hpp>

namespace {

// The code under test. `hits` is a weft::Atomic so that every access is a scheduling point.
void count_hits(bool use_fetch_add) {
  weft::Runtime rt;
  rt.block_on([use_fetch_add] {
    weft::Atomic<int> hits{0};
    auto handler = [&hits, use_fetch_add] {
      if (use_fetch_add) {
        hits.fetch_add(1);
      } else {
        int seen = hits.load();  // another handler may store between this load...
        hits.store(seen + 1);    // ...and this store: one hit is lost
      }
    };
    auto a = weft::spawn(handler, "handler-a");
    auto b = weft::spawn(handler, "handler-b");
    a.join();
    b.join();
    WEFT_CHECK(hits.load() == 2);
  });
}

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "counter-lost-update",
    .description = "Two handlers count a hit with load + store and one hit is lost. Each handler "
                   "loads the counter and stores the value plus one; when both load before "
                   "either stores, the count ends at 1 and the root's check fails.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { count_hits(false); },
    .expect = {.failure = weft::FailureKind::body_failure,
               .budgets = {{"random", 50}, {"pct", 50}, {"dfs", 30}}},
    .source = __FILE__,
});

WEFT_REGISTER_SCENARIO(weft::Scenario{
    .name = "counter-fetch-add",
    .description = "Fixed: the handlers count with one atomic fetch_add. Clean under exhaustive "
                   "DFS with preemption bound 2.",
    .flavor = weft::Flavor::multi_thread,
    .body = [] { count_hits(true); },
    .expect = {.dfs_preemption_bound = 2},
    .source = __FILE__,
});

}  // namespace
