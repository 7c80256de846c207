// One Ed25519 signature per notification, however many organisations and
// channels (feed, pull API, webhooks) carry it: the signed form is made the
// first time anyone needs it and kept (the last few thousand, in memory).
// Then, for an organisation with a sealed subscription, that same signed
// form is sealed to its box key (docs/PROTOCOL.md §4b).
//
// Thread-safe. The daemon's signing key changes only at a restart (key
// rotation, OPERATIONS §10), which empties the cache with the process.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "daemon/metrics.h"
#include "protocol/keys.h"
#include "trust/trust_store.h"

namespace cw::daemon {

class NotificationSigner {
 public:
  NotificationSigner(const SigningKey& daemon, Metrics& metrics) : key_(daemon), m_(metrics) {}

  // The daemon-signed notification `seq` (its stored body).
  std::string signed_form(std::uint64_t seq, std::string_view body);

  // What `org` receives on the feed and pull API: the signed form, or - for
  // a sealed subscription - that form sealed to the organisation's box key.
  std::string for_org(std::uint64_t seq, std::string_view body, const OrgEntry& org);

 private:
  static constexpr std::size_t kKept = 4096;
  const SigningKey& key_;
  Metrics& m_;
  std::mutex mu_;
  std::map<std::uint64_t, std::string> signed_;
  std::deque<std::uint64_t> order_;  // oldest first, for eviction
};

}  // namespace cw::daemon
