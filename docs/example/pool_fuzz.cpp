// My project's own weft test body as a libFuzzer target (weft/fuzz.hpp). The fuzzer's bytes
// decide the interleaving; a failing one writes traces/pool_fuzz-bytes-<sha1 of the input>.json and
// aborts, so libFuzzer saves the input as crash-<the same sha1>.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer pool_fuzz.cpp -o pool_fuzz \
//     $(pkg-config --cflags --libs weft)
//   ./pool_fuzz -max_total_time=30            # fuzz (finds the double hand-out below)
//   ./pool_fuzz crash-<sha1>                  # one input again: rewrites its trace
//   weft report traces/pool_fuzz-bytes-<sha1>.json  # the interleaving, step by step
//
// The same body in a Catch2 test is WEFT_EXPLORE(options, pool_body) (weft/catch2.hpp), and
// WEFT_TRACE=traces/pool_fuzz-bytes-<sha1>.json replays the fuzzer's trace there.
#include <weft/fuzz.hpp>
#include <weft/weft.hpp>

namespace {

// The code under test: a pool of one connection. acquire() checks for a free connection and then
// takes it, two steps another task can come between (a check-then-act race).
class Pool {
 public:
  bool acquire() {
    if (free_.load() == 0) return false;
    free_.store(free_.load() - 1);
    return true;
  }
  void release() { free_.fetch_add(1); }

 private:
  weft::Atomic<int> free_{1};
};

void pool_body() {
  weft::Runtime rt;
  rt.block_on([] {
    auto pool = std::make_shared<Pool>();
    auto users = std::make_shared<weft::Atomic<int>>(0);
    auto client = [pool, users] {
      if (!pool->acquire()) return;
      WEFT_CHECK(users->fetch_add(1) == 0);  // one connection, one user at a time
      weft::yield_now();                     // use it
      users->fetch_sub(1);
      pool->release();
    };
    auto a = weft::spawn(client, "client a");
    auto b = weft::spawn(client, "client b");
    a.join();
    b.join();
  });
}

}  // namespace

WEFT_FUZZ_TARGET(weft::ExploreOptions{}, pool_body)
