// The most recent committed notifications and who may read them, kept in
// memory so that feeds - thousands of streams waking at once for one new
// notification - are answered without a database query each (issue 12:
// before this, every stream ran its own query behind the store's one read
// connection). The tail is an exact copy of what the database holds:
// notifications and their delivery rows are only ever inserted (add_event),
// never changed in a way a feed sees, nor deleted. The writer stages a
// batch's entries and publishes them only after COMMIT, as for the case log.
//
// A read the tail cannot answer in full (a feed resuming from before the
// oldest entry kept) says so, and the store asks the database.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/store/store.h"

namespace cw::daemon {

class NotificationTail {
 public:
  // `first_seq`: the sequence the next notification will get; everything
  // from it on will be in the tail.
  NotificationTail(std::uint64_t first_seq, std::size_t max_entries, std::size_t max_recipients)
      : covered_from_(first_seq), max_entries_(max_entries), max_recipients_(max_recipients) {}

  // Writer thread only.
  void stage(std::uint64_t seq, std::string body, std::vector<std::string> orgs) {
    staged_.push_back({seq, std::move(body), std::move(orgs)});
  }
  void discard() { staged_.clear(); }
  void publish() {
    if (staged_.empty()) return;
    std::unique_lock lock(mu_);
    for (auto& s : staged_) {
      Entry e{s.seq, std::move(s.body), {}};
      e.orgs.reserve(s.orgs.size());
      for (const auto& o : s.orgs) e.orgs.push_back(intern(o));
      std::sort(e.orgs.begin(), e.orgs.end());
      recipients_ += e.orgs.size();
      entries_.push_back(std::move(e));
    }
    staged_.clear();
    while (!entries_.empty() && (entries_.size() > max_entries_ || recipients_ > max_recipients_)) {
      recipients_ -= entries_.front().orgs.size();
      covered_from_ = entries_.front().seq + 1;
      entries_.pop_front();
    }
  }

  // `org`'s notifications after `after`, at most `limit`; nullopt when some
  // of them may be older than the tail (ask the database).
  std::optional<std::vector<FeedItem>> read(const std::string& org, std::uint64_t after,
                                            std::size_t limit) const {
    std::shared_lock lock(mu_);
    if (after + 1 < covered_from_) return std::nullopt;
    std::vector<FeedItem> out;
    auto id = ids_.find(org);
    if (id == ids_.end()) return out;  // nothing in the tail is for it
    auto it = std::upper_bound(entries_.begin(), entries_.end(), after,
                               [](std::uint64_t a, const Entry& e) { return a < e.seq; });
    for (; it != entries_.end() && out.size() < limit; ++it)
      if (std::binary_search(it->orgs.begin(), it->orgs.end(), id->second))
        out.push_back({it->seq, it->body});
    return out;
  }

 private:
  struct Staged {
    std::uint64_t seq;
    std::string body;
    std::vector<std::string> orgs;
  };
  struct Entry {
    std::uint64_t seq;
    std::string body;
    std::vector<std::uint32_t> orgs;  // interned tags, sorted
  };

  std::uint32_t intern(const std::string& org) {
    auto [it, added] = ids_.try_emplace(org, static_cast<std::uint32_t>(ids_.size()));
    return it->second;
  }

  mutable std::shared_mutex mu_;
  std::deque<Entry> entries_;                           // ascending seq
  std::unordered_map<std::string, std::uint32_t> ids_;  // organisation tag -> small id
  std::uint64_t covered_from_;
  std::size_t recipients_ = 0;
  const std::size_t max_entries_, max_recipients_;
  std::vector<Staged> staged_;  // this batch's, not yet durable
};

}  // namespace cw::daemon
