// Token buckets keyed by anything hashable: per client IP before any
// authentication (cheap flood control), per contact key after it.
// Thread-safe; the table is bounded so an attacker cycling addresses cannot
// grow it without limit (full buckets are dropped first, then all if needed).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <unordered_map>

namespace cw::daemon {

template <class Key, class Hash = std::hash<Key>>
class TokenBuckets {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TokenBuckets(std::size_t max_keys = 100000) : max_keys_(max_keys) {}

  // Takes one token if available. `capacity` tokens refill evenly over
  // `period`. On refusal, *retry_after_s says when one token will be back.
  bool take(const Key& key, double capacity, std::chrono::duration<double> period,
            double* retry_after_s, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mu_);
    const double rate = capacity / period.count();
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
      if (buckets_.size() >= max_keys_) prune(now, rate, capacity);
      it = buckets_.emplace(key, Bucket{capacity, now}).first;
    }
    Bucket& b = it->second;
    b.tokens =
        std::min(capacity, b.tokens + std::chrono::duration<double>(now - b.last).count() * rate);
    b.last = now;
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      return true;
    }
    if (retry_after_s) *retry_after_s = (1.0 - b.tokens) / rate;
    return false;
  }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  void prune(Clock::time_point now, double rate, double capacity) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double t =
          it->second.tokens + std::chrono::duration<double>(now - it->second.last).count() * rate;
      it = t >= capacity ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() >= max_keys_) buckets_.clear();
  }

  std::mutex mu_;
  std::unordered_map<Key, Bucket, Hash> buckets_;
  std::size_t max_keys_;
};

}  // namespace cw::daemon
