// The streaming feed (Server-Sent Events) for organisations behind firewalls.
//
// Resumable without gaps or duplicates: every event's SSE id is its
// notification sequence, which only grows and is assigned inside the writing
// transaction, and the feed reads committed rows only; a subscriber that
// reconnects with Last-Event-ID: N gets exactly the events after N.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "daemon/caselog/tree_heads.h"
#include "daemon/delivery/notification_signer.h"
#include "daemon/metrics.h"
#include "daemon/net/http.h"
#include "daemon/store/store.h"
#include "daemon/trust.h"
#include "protocol/keys.h"

namespace cw::daemon {

// Wakes waiting feed streams when new notifications are committed.
class FeedHub {
 public:
  struct Waiter;
  std::uint64_t generation() const;
  // done(true) when notified after `seen_generation`, done(false) on timeout.
  std::shared_ptr<Waiter> wait(const boost::asio::any_io_executor& ex,
                               std::chrono::milliseconds timeout, std::uint64_t seen_generation,
                               std::function<void(bool)> done);
  void cancel(const std::shared_ptr<Waiter>& w);
  void notify();  // thread-safe

  // Open streams per organisation, capped, so that one organisation key (or
  // whoever holds it) cannot hold the daemon's sockets. Thread-safe.
  bool acquire_stream(const KeyId& org, std::uint32_t max);
  void release_stream(const KeyId& org);

 private:
  mutable std::mutex mu_;
  std::uint64_t generation_ = 0;
  std::vector<std::weak_ptr<Waiter>> waiters_;
  std::map<KeyId, std::uint32_t> streams_;  // guarded by mu_
};

// One subscriber's stream; null when `org` already has `max_streams` open.
// The stream ends when the organisation is revoked or loses feed access
// (checked at every step; FeedHub::notify() after a trust reload wakes it).
std::shared_ptr<StreamSource> make_feed_source(Store& store, FeedHub& hub, const TrustHolder& trust,
                                               NotificationSigner& notes, TreeHeads& heads,
                                               KeyId org, std::string org_tag, std::uint64_t after,
                                               boost::asio::any_io_executor ex, Metrics& metrics,
                                               std::chrono::milliseconds heartbeat,
                                               std::uint32_t max_streams);

// "id: N\nevent: notification\ndata: <signed payload>\n\n"
std::string sse_event(std::uint64_t seq, const std::string& signed_payload);

}  // namespace cw::daemon
