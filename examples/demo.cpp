// The production build of the examples: the fixed components on real std threads.
#include <atomic>
#include <cstdio>
#include <string>

#include "bounded_queue.hpp"
#include "lazy_cache.hpp"
#include "thread_pool.hpp"

int main() {
  using namespace examples;

  BoundedQueue<int, true> queue(2);
  std::atomic<int> consumed_sum{0};
  std::thread consumers[2];
  for (auto& c : consumers)
    c = std::thread([&] {
      while (auto v = queue.pop()) consumed_sum += *v;
    });
  for (int i = 1; i <= 100; ++i) queue.push(i);
  queue.close();
  for (auto& c : consumers) c.join();
  std::printf("bounded queue: consumed %d (expected 5050)\n", consumed_sum.load());

  std::atomic<int> jobs_run{0};
  {
    ThreadPool<true> pool(4);
    for (int i = 0; i < 1000; ++i) pool.submit([&] { ++jobs_run; });
    pool.shutdown();
  }
  std::printf("thread pool: ran %d jobs (expected 1000)\n", jobs_run.load());

  std::atomic<int> computed{0};
  LazyCache<int, std::string, true> cache([&](const int& key) {
    ++computed;
    return std::to_string(key * key);
  });
  std::thread readers[4];
  for (auto& r : readers)
    r = std::thread([&] {
      for (int k = 0; k < 50; ++k) cache.get(k);
    });
  for (auto& r : readers) r.join();
  std::printf("lazy cache: computed %d values for 50 keys (expected 50)\n", computed.load());

  const bool ok = consumed_sum == 5050 && jobs_run == 1000 && computed == 50;
  return ok ? 0 : 1;
}
