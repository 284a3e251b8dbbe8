// A small thread-safe cache of immutable values by string key, least recently used evicted
// first. Values are made outside the lock: two threads racing on a new key both make one, and
// the first stored wins. Failures are not cached.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus {

template <typename T>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// The value of `key`, made by `make()` (a Result<std::shared_ptr<const T>>) on first sight.
  template <typename Make>
  Result<std::shared_ptr<const T>> GetOrMake(const std::string& key, Make&& make) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = index_.find(key);
      if (it != index_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->second;
      }
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<const T> value, make());
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it != index_.end()) return it->second->second;
    lru_.emplace_front(key, value);
    index_[key] = lru_.begin();
    if (lru_.size() > capacity_) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    return value;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lru_.size();
  }

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const T>>;

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
};

}  // namespace arrow_zerobus
