// Correct std-shaped programs come out clean under every exploring strategy, and their buggy twins
// are found: weft::sim's own decisions (a barging mutex, spurious wake-ups, spurious
// compare_exchange_weak failures, timed waits) must not turn into false alarms under any search.
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim_test_support.hpp"
#include "weft/sim.hpp"

namespace sim = weft::sim;
using namespace std::chrono_literals;

namespace {

constexpr const char* kStrategies[] = {
    "random",      "pct",          "exhaustive",    "dfs",           "dpor",
    "dpor-source", "dpor-bounded", "dfs-iterative", "delay-bounded", "dfs-sleep"};

weft::ExploreReport explore_with(const std::string& strategy, std::function<void()> body,
                                 std::uint64_t iterations) {
  weft::ExploreOptions options;
  options.strategy = strategy;
  options.iterations = iterations;
  options.preemption_bound = 2;
  return weft::explore(options,
                       weft::ExploreTarget{"sim-program", weft::Flavor::multi_thread, body});
}

void check_clean_everywhere(const std::function<void()>& body) {
  for (const char* strategy : kStrategies) {
    INFO(strategy);
    const weft::ExploreReport report = explore_with(strategy, body, 500);
    INFO(simtest::first_failure(report));
    CHECK(report.ok());
  }
}

// Two producers and two consumers over a queue guarded by a mutex and two condition variables,
// every wait in a predicate loop; `lost`: the consumers wait with a plain `if`, so a spurious
// wake-up or a stolen item makes one pop from an empty queue.
void producers_consumers(bool lost) {
  sim::mutex m;
  sim::condition_variable not_empty;
  std::vector<int> queue;
  int taken = 0;
  auto consume = [&] {
    std::unique_lock<sim::mutex> g(m);
    if (lost) {
      if (queue.empty()) not_empty.wait(g);
    } else {
      not_empty.wait(g, [&] { return !queue.empty(); });
    }
    WEFT_CHECK(!queue.empty());
    queue.pop_back();
    ++taken;
  };
  sim::thread c1(consume);
  sim::thread c2(consume);
  for (int i = 0; i < 2; ++i) {
    std::lock_guard<sim::mutex> g(m);
    queue.push_back(i);
    not_empty.notify_one();
  }
  c1.join();
  c2.join();
  WEFT_CHECK(taken == 2);
}

// A Treiber stack pushed by two threads with compare_exchange_weak (which may fail spuriously);
// `torn`: the push reads the head, then stores it without a compare, losing a node.
struct Node {
  int value;
  Node* next;
};
void treiber_push(bool torn) {
  sim::atomic<Node*> head{nullptr};
  Node a{1, nullptr}, b{2, nullptr};
  auto push = [&](Node* n) {
    if (torn) {
      n->next = head.load();
      head.store(n);
      return;
    }
    n->next = head.load();
    while (!head.compare_exchange_weak(n->next, n)) {
    }
  };
  sim::thread t1([&] { push(&a); });
  sim::thread t2([&] { push(&b); });
  t1.join();
  t2.join();
  int count = 0;
  for (Node* n = head.load(); n != nullptr; n = n->next) ++count;
  WEFT_CHECK(count == 2);
}

// A jthread that waits on a condition_variable_any with its stop token: request_stop (by the
// jthread's destructor) wakes it. `no_token`: it waits without the token, for a flag nobody sets.
void stoppable_worker(bool no_token) {
  sim::mutex m;
  sim::condition_variable_any cv;
  bool work = false;
  {
    sim::jthread worker([&](sim::stop_token stop) {
      std::unique_lock<sim::mutex> g(m);
      if (no_token)
        cv.wait(g, [&] { return work; });
      else
        cv.wait(g, stop, [&] { return work; });
    });
  }
}

// A latch counted down by two workers, then a result read through a promise/future; a
// shared_mutex read by the workers while the main thread writes once.
void latch_future_shared_mutex() {
  sim::latch ready(2);
  sim::shared_mutex rw;
  int config = 1;
  sim::promise<int> result;
  sim::future<int> answer = result.get_future();
  auto worker = [&] {
    {
      sim::shared_lock<sim::shared_mutex> r(rw);
      WEFT_CHECK(config == 1 || config == 2);
    }
    ready.count_down();
  };
  sim::thread w1(worker);
  sim::thread w2(worker);
  {
    std::unique_lock<sim::shared_mutex> w(rw);
    config = 2;
  }
  sim::thread finisher([&] {
    ready.wait();
    result.set_value(42);
  });
  WEFT_CHECK(answer.get() == 42);
  w1.join();
  w2.join();
  finisher.join();
}

// A timed wait that gives up and retries until the flag is set: correct whatever the timing.
void timed_retry() {
  sim::mutex m;
  sim::condition_variable cv;
  bool done = false;
  sim::thread setter([&] {
    sim::this_thread::sleep_for(3ms);
    std::lock_guard<sim::mutex> g(m);
    done = true;
    cv.notify_all();
  });
  {
    std::unique_lock<sim::mutex> g(m);
    while (!cv.wait_for(g, 1ms, [&] { return done; })) {
    }
  }
  setter.join();
}

}  // namespace

TEST_CASE("sim programs: producers and consumers with predicate waits are clean everywhere") {
  check_clean_everywhere([] { producers_consumers(false); });
}

TEST_CASE("sim programs: a Treiber stack with compare_exchange_weak is clean everywhere") {
  check_clean_everywhere([] { treiber_push(false); });
}

TEST_CASE("sim programs: a jthread stopped through its token is clean everywhere") {
  check_clean_everywhere([] { stoppable_worker(false); });
}

TEST_CASE("sim programs: latch, future and shared_mutex together are clean everywhere") {
  check_clean_everywhere(latch_future_shared_mutex);
}

TEST_CASE("sim programs: a timed wait retried until the flag is set is clean everywhere") {
  check_clean_everywhere(timed_retry);
}

TEST_CASE("sim programs: each buggy twin is found by the searches and by random and PCT") {
  struct Buggy {
    const char* name;
    std::function<void()> body;
    weft::FailureKind kind;
  };
  const Buggy buggy[] = {
      {"wait with if", [] { producers_consumers(true); }, weft::FailureKind::body_failure},
      {"torn push", [] { treiber_push(true); }, weft::FailureKind::body_failure},
      {"wait without the token", [] { stoppable_worker(true); }, weft::FailureKind::deadlock},
  };
  for (const Buggy& b : buggy) {
    for (const char* strategy : {"random", "pct", "exhaustive", "dfs", "dpor-bounded"}) {
      INFO(b.name << " with " << strategy);
      const weft::ExploreReport report = explore_with(strategy, b.body, 2000);
      REQUIRE_FALSE(report.ok());
      INFO(simtest::first_failure(report));
      CHECK(report.failures.front().kind == b.kind);
    }
  }
}
