// Remembers the nonces of signed requests so a captured request cannot be
// replayed inside its validity window (kRequestSkew either side of now).
//
// Per key, bounded: each key has its own table, expired entries are dropped
// as time passes, and a key that fills its table is refused (rate_limited)
// rather than allowed to push its own - or anyone else's - nonces out. An
// earlier design shared one table and evicted the oldest entries when full,
// so one enrolled key flooding requests could make other keys' captured
// requests replayable. Keys are enrolled, so the number of tables is bounded
// by the trust store.
//
// After a restart the table is empty; the daemon closes that gap by refusing
// requests signed before it started (ApiHandler), not by persisting nonces.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace cw::daemon {

class NonceCache {
 public:
  enum class Verdict { fresh, replayed, full };

  explicit NonceCache(std::int64_t ttl_s, std::size_t max_per_key = 20000)
      : ttl_s_(ttl_s), max_per_key_(max_per_key) {}

  // Records `nonce` for `key` if it is new. Thread-safe.
  Verdict insert(const std::string& key, const std::string& nonce, std::int64_t now) {
    std::lock_guard lock(mu_);
    auto& t = tables_[key];
    while (!t.order.empty() && t.order.front().first < now - ttl_s_) {
      t.seen.erase(t.order.front().second);
      t.order.pop_front();
    }
    if (t.seen.count(nonce)) return Verdict::replayed;
    if (t.order.size() >= max_per_key_) return Verdict::full;
    t.seen.insert(nonce);
    t.order.emplace_back(now, nonce);
    return Verdict::fresh;
  }

 private:
  struct Table {
    std::unordered_set<std::string> seen;
    std::deque<std::pair<std::int64_t, std::string>> order;
  };
  const std::int64_t ttl_s_;
  const std::size_t max_per_key_;
  std::mutex mu_;
  std::unordered_map<std::string, Table> tables_;
};

}  // namespace cw::daemon
