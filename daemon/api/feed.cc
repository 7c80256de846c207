#include "daemon/api/feed.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "protocol/signed_payload.h"

namespace cw::daemon {

namespace net = boost::asio;

struct FeedHub::Waiter {
  explicit Waiter(const net::any_io_executor& ex) : timer(ex) {}
  net::steady_timer timer;
  std::function<void(bool)> done;
  bool woke = false;
};

std::uint64_t FeedHub::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

std::shared_ptr<FeedHub::Waiter> FeedHub::wait(const net::any_io_executor& ex,
                                               std::chrono::milliseconds timeout,
                                               std::uint64_t seen, std::function<void(bool)> done) {
  auto w = std::make_shared<Waiter>(ex);
  w->done = std::move(done);
  {
    std::lock_guard lock(mu_);
    // Something was committed between the caller's read and now: no waiting.
    if (generation_ != seen) {
      net::post(ex, [w] { w->done(true); });
      return w;
    }
    std::erase_if(waiters_, [](const auto& p) { return p.expired(); });
    waiters_.push_back(w);
  }
  w->timer.expires_after(timeout);
  w->timer.async_wait([w](boost::system::error_code) { w->done(w->woke); });
  return w;
}

void FeedHub::cancel(const std::shared_ptr<Waiter>& w) {
  if (!w) return;
  net::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
}

void FeedHub::notify() {
  std::vector<std::shared_ptr<Waiter>> wake;
  {
    std::lock_guard lock(mu_);
    ++generation_;
    for (auto& p : waiters_)
      if (auto w = p.lock()) wake.push_back(std::move(w));
    waiters_.clear();
  }
  for (auto& w : wake)
    net::post(w->timer.get_executor(), [w] {
      w->woke = true;
      w->timer.cancel();
    });
}

bool FeedHub::acquire_stream(const KeyId& org, std::uint32_t max) {
  std::lock_guard lock(mu_);
  auto& n = streams_[org];
  if (n >= max) return false;
  ++n;
  return true;
}

void FeedHub::release_stream(const KeyId& org) {
  std::lock_guard lock(mu_);
  auto it = streams_.find(org);
  if (it != streams_.end() && --it->second == 0) streams_.erase(it);
}

std::string sse_event(std::uint64_t seq, const std::string& signed_payload) {
  return "id: " + std::to_string(seq) + "\nevent: notification\ndata: " + signed_payload + "\n\n";
}

namespace {

class FeedSource final : public StreamSource, public std::enable_shared_from_this<FeedSource> {
 public:
  FeedSource(Store& store, FeedHub& hub, const TrustHolder& trust, NotificationSigner& notes,
             TreeHeads& heads, KeyId org, std::string org_tag, std::uint64_t after,
             net::any_io_executor ex, Metrics& metrics, std::chrono::milliseconds heartbeat)
      : store_(store),
        hub_(hub),
        trust_(trust),
        notes_(notes),
        heads_(heads),
        org_(org),
        org_tag_(std::move(org_tag)),
        last_(after),
        ex_(std::move(ex)),
        metrics_(metrics),
        heartbeat_(heartbeat) {
    metrics_.feed_streams.fetch_add(1);
  }
  ~FeedSource() override {
    metrics_.feed_streams.fetch_sub(1);
    hub_.release_stream(org_);
  }

  void next(std::function<void(std::optional<std::string>)> deliver) override {
    if (cancelled_) return deliver(std::nullopt);
    if (first_) {
      first_ = false;
      return deliver(": casewire feed\nretry: 3000\n\n");
    }
    // A revoked organisation's stream, or one whose feed access was
    // withdrawn, ends at its next step.
    const auto gen = hub_.generation();
    {
      const auto trust = trust_.get();  // a SIGHUP may swap the snapshot meanwhile
      const OrgEntry* org = trust->org(org_);
      if (!org || org->revoked || !org->sub.feed) return deliver(std::nullopt);
      auto items = store_.feed(org_tag_, last_, 64);
      if (!items) return deliver(std::nullopt);
      if (!items->empty()) {
        // The case log's current head (it covers these notifications' events)
        // before every batch, so that a client that stops after the first
        // notification has it too; the client keeps the heads it was shown
        // (casewire verify-log checks them).
        std::string piece =
            "event: tree-head\ndata: " + tree_head_to_json(heads_.current()) + "\n\n";
        for (const auto& it : *items) {
          piece += sse_event(it.seq, notes_.for_org(it.seq, it.body, *org));
          last_ = it.seq;
        }
        return deliver(std::move(piece));
      }
    }
    std::lock_guard lock(mu_);
    waiter_ =
        hub_.wait(ex_, heartbeat_, gen,
                  [self = shared_from_this(), deliver = std::move(deliver)](bool woke) mutable {
                    {
                      std::lock_guard l(self->mu_);
                      self->waiter_.reset();
                    }
                    if (self->cancelled_) return deliver(std::nullopt);
                    if (woke) return self->next(std::move(deliver));
                    deliver(": keep-alive\n\n");  // also detects a vanished subscriber
                  });
  }

  void cancel() override {
    cancelled_ = true;
    std::lock_guard lock(mu_);
    hub_.cancel(waiter_);
  }

 private:
  Store& store_;
  FeedHub& hub_;
  const TrustHolder& trust_;
  NotificationSigner& notes_;
  TreeHeads& heads_;
  KeyId org_;
  std::string org_tag_;  // how the store names this organisation
  std::uint64_t last_;
  net::any_io_executor ex_;
  Metrics& metrics_;
  std::chrono::milliseconds heartbeat_;
  std::atomic<bool> cancelled_{false};
  bool first_ = true;
  std::mutex mu_;
  std::shared_ptr<FeedHub::Waiter> waiter_;  // guarded by mu_
};

}  // namespace

std::shared_ptr<StreamSource> make_feed_source(Store& store, FeedHub& hub, const TrustHolder& trust,
                                               NotificationSigner& notes, TreeHeads& heads,
                                               KeyId org, std::string org_tag, std::uint64_t after,
                                               net::any_io_executor ex, Metrics& metrics,
                                               std::chrono::milliseconds heartbeat,
                                               std::uint32_t max_streams) {
  if (!hub.acquire_stream(org, max_streams)) return nullptr;
  return std::make_shared<FeedSource>(store, hub, trust, notes, heads, org, std::move(org_tag),
                                      after, std::move(ex), metrics, heartbeat);
}

}  // namespace cw::daemon
