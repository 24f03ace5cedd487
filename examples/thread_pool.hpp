// A fixed-size thread pool: submit() queues a job, shutdown() lets the workers finish the queued
// jobs and joins them (the destructor shuts down too).
//
// The bug (Fixed = false): shutdown() sets the atomic stop flag without holding the mutex. A
// worker that has just checked the flag under the mutex, and is about to wait, misses both the
// flag and the notification (a lost wake-up): it waits forever and shutdown() never returns.
#pragma once
#include <cstddef>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "sync.hpp"

namespace examples {

template <bool Fixed>
class ThreadPool {
 public:
  explicit ThreadPool(std::size_t threads) {
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~ThreadPool() { shutdown(); }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(std::function<void()> job) {
    {
      sync::lock_guard<sync::mutex> lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
  }

  void shutdown() {
    if constexpr (Fixed) {
      sync::lock_guard<sync::mutex> lock(mutex_);
      stopping_ = true;
    } else {
      stopping_ = true;  // BUG: an atomic flag is not enough; the waiter checks it under the lock
    }
    wake_.notify_all();
    for (auto& worker : workers_)
      if (worker.joinable()) worker.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        sync::unique_lock<sync::mutex> lock(mutex_);
        while (!stopping_ && jobs_.empty()) wake_.wait(lock);
        if (jobs_.empty()) return;  // stopping, and nothing left to do
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  sync::mutex mutex_;
  sync::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  sync::atomic<bool> stopping_{false};
  std::vector<sync::thread> workers_;
};

}  // namespace examples
