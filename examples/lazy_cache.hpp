// A cache that computes each key's value on first use and hands the same value to every caller.
// compute() is expensive (think: opens a connection), so it must run once per key.
//
// The bug (Fixed = false): check, then compute outside the lock, then insert. Two threads that
// miss at the same time both compute. The fix keeps one entry per key with a once_flag: the first
// caller computes, the others wait for its value (call_once), and the map lock is not held while
// computing, so other keys are not held up.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "sync.hpp"

namespace examples {

template <class K, class V, bool Fixed>
class LazyCache {
 public:
  explicit LazyCache(std::function<V(const K&)> compute) : compute_(std::move(compute)) {}

  V get(const K& key) {
    if constexpr (Fixed) {
      Entry* entry;
      {
        sync::lock_guard<sync::mutex> lock(mutex_);
        auto& slot = entries_[key];
        if (!slot) slot = std::make_unique<Entry>();
        entry = slot.get();
      }
      sync::call_once(entry->once, [&] { entry->value = compute_(key); });
      return entry->value;
    } else {
      {
        sync::lock_guard<sync::mutex> lock(mutex_);
        if (auto it = values_.find(key); it != values_.end()) return it->second;
      }
      V value = compute_(key);  // BUG: another thread may be computing the same key right now
      sync::lock_guard<sync::mutex> lock(mutex_);
      return values_.emplace(key, std::move(value)).first->second;
    }
  }

 private:
  struct Entry {
    sync::once_flag once;
    V value{};
  };
  std::function<V(const K&)> compute_;
  sync::mutex mutex_;
  std::map<K, std::unique_ptr<Entry>> entries_;  // Fixed
  std::map<K, V> values_;                        // not Fixed
};

}  // namespace examples
