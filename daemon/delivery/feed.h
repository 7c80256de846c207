// The streaming feed (Server-Sent Events) for organisations behind firewalls.
//
// Resumable without gaps or duplicates: every event's SSE id is its
// notification sequence, which only grows and is assigned inside the writing
// transaction, and the feed reads committed rows only; a subscriber that
// reconnects with Last-Event-ID: N gets exactly the events after N.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

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
  std::shared_ptr<Waiter> wait(const boost::asio::any_io_executor& ex, std::chrono::milliseconds timeout,
                               std::uint64_t seen_generation, std::function<void(bool)> done);
  void cancel(const std::shared_ptr<Waiter>& w);
  void notify();  // thread-safe

 private:
  mutable std::mutex mu_;
  std::uint64_t generation_ = 0;
  std::vector<std::weak_ptr<Waiter>> waiters_;
};

// One subscriber's stream.
std::shared_ptr<StreamSource> make_feed_source(Store& store, FeedHub& hub, const TrustHolder& trust,
                                               const SigningKey& daemon, KeyId org, std::uint64_t after,
                                               boost::asio::any_io_executor ex, Metrics& metrics,
                                               std::chrono::milliseconds heartbeat);

// "id: N\nevent: notification\ndata: <signed payload>\n\n"
std::string sse_event(std::uint64_t seq, const std::string& signed_payload);

}  // namespace cw::daemon
