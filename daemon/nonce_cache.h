// Remembers (key id, nonce) pairs of signed requests for twice the allowed
// clock skew, so a captured request cannot be replayed inside its validity
// window. Bounded: when full, the oldest half is forgotten (an attacker
// filling it needs valid signatures, i.e. an enrolled key).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace cw::daemon {

class NonceCache {
 public:
  explicit NonceCache(std::int64_t ttl_s, std::size_t max_entries = 200000)
      : ttl_s_(ttl_s), max_(max_entries) {}

  // True if the pair is new (and now remembered); false for a replay.
  bool insert_fresh(const std::string& key_and_nonce, std::int64_t now) {
    std::lock_guard lock(mu_);
    while (!order_.empty() && (order_.front().first < now - ttl_s_ || order_.size() >= max_)) {
      seen_.erase(order_.front().second);
      order_.pop_front();
    }
    if (!seen_.insert(key_and_nonce).second) return false;
    order_.emplace_back(now, key_and_nonce);
    return true;
  }

 private:
  std::int64_t ttl_s_;
  std::size_t max_;
  std::mutex mu_;
  std::unordered_set<std::string> seen_;
  std::deque<std::pair<std::int64_t, std::string>> order_;
};

}  // namespace cw::daemon
