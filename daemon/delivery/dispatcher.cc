#include "daemon/delivery/dispatcher.h"

#include <openssl/ssl.h>
#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <set>
#include <thread>

#include "daemon/delivery/cap.h"
#include "daemon/delivery/escalation.h"
#include "daemon/delivery/webhook.h"
#include "daemon/event_loop.h"
#include "daemon/log.h"
#include "protocol/case_log.h"
#include "protocol/notification.h"
#include "protocol/signed_payload.h"
#include "protocol/socks5.h"
#include "protocol/timefmt.h"
#include "protocol/tls_pin.h"
#include "protocol/url.h"

namespace cw::daemon {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Attempt {
  int status = 0;  // HTTP status, 0 = no answer
  std::int64_t retry_after_s = 0;
  bool refused_target = false;  // the name resolved only to internal addresses
  bool pin_mismatch = false;    // a pinned receiver presented another key
};

// One POST with a total deadline. Never throws; a failure is status 0.
// The name is resolved once, and only the vetted addresses are connected to:
// no second lookup that could answer differently (DNS rebinding).
// With a `pin`, the receiver's certificate key is checked against it instead
// of a CA chain and the host name, before a byte of the request is sent.
// With a `proxy`, the receiver's name goes to the proxy unresolved (SOCKS5
// by name): this server never looks it up and the receiver sees only the
// proxy's exit.
net::awaitable<Attempt> post(ssl::context& tls, ParsedUrl t, http::request<http::string_body> req,
                             std::chrono::milliseconds timeout, bool allow_private, std::string pin,
                             std::optional<ParsedUrl> proxy) {
  auto ex = co_await net::this_coro::executor;
  beast::error_code ec;
  auto tok = net::redirect_error(net::use_awaitable, ec);
  beast::tcp_stream tcp(ex);
  tcp.expires_after(timeout);
  tcp::resolver resolver(ex);
  if (proxy) {
    // The proxy address is an IP literal or localhost (parse_proxy_url_text).
    auto at = co_await resolver.async_resolve(proxy->host, std::to_string(proxy->port), tok);
    if (ec) co_return Attempt{};
    co_await tcp.async_connect(at, tok);
    if (ec) co_return Attempt{};
    auto st = co_await socks5_connect(tcp, t.host, t.port);
    if (!st.ok()) co_return Attempt{};
  } else {
    auto results = co_await resolver.async_resolve(t.host, std::to_string(t.port), tok);
    if (ec) co_return Attempt{};
    std::vector<tcp::endpoint> vetted;
    for (const auto& r : results)
      if (allow_private || !is_internal_address(r.endpoint().address()))
        vetted.push_back(r.endpoint());
    if (vetted.empty()) co_return Attempt{0, 0, true};
    co_await tcp.async_connect(vetted, tok);
    if (ec) co_return Attempt{};
  }
  http::response<http::string_body> res;
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{64} * 1024);  // we only need the status
  if (t.scheme == "https") {
    beast::ssl_stream<beast::tcp_stream> s(std::move(tcp), tls);
    SSL_set_tlsext_host_name(s.native_handle(), t.host.c_str());
    if (pin.empty()) {
      // Public webhook receivers are checked the ordinary way: CA chain and name.
      SSL_set1_host(s.native_handle(), t.host.c_str());
    } else {
      // A pinned receiver: any chain, but exactly this key (checked below).
      SSL_set_verify(s.native_handle(), SSL_VERIFY_NONE, nullptr);
    }
    co_await s.async_handshake(ssl::stream_base::client, tok);
    if (ec) co_return Attempt{};
    if (!pin.empty()) {
      X509* cert = SSL_get1_peer_certificate(s.native_handle());
      auto got = cert ? spki_pin(cert) : Result<std::string>(make_error(Errc::pin_mismatch, ""));
      if (cert) X509_free(cert);
      if (!got || *got != pin) co_return Attempt{0, 0, false, true};
    }
    co_await http::async_write(s, req, tok);
    if (!ec) co_await http::async_read(s, buf, parser, tok);
  } else {
    co_await http::async_write(tcp, req, tok);
    if (!ec) co_await http::async_read(tcp, buf, parser, tok);
  }
  if (ec) co_return Attempt{};
  Attempt a;
  a.status = static_cast<int>(parser.get().result_int());
  auto ra = parser.get()[http::field::retry_after];
  if (!ra.empty() && ra.size() < 8 && ra.find_first_not_of("0123456789") == std::string_view::npos)
    a.retry_after_s = std::stoll(std::string(ra));
  co_return a;
}

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Impl> {
  DeliveryConfig cfg;
  const Keyring& keys;
  const TrustHolder& trust;
  Store& store;
  Metrics& metrics;
  NotificationSigner& notes;
  TreeHeads& heads;
  net::io_context ioc;
  net::steady_timer timer{ioc};
  ssl::context tls{ssl::context::tls_client};
  std::thread thread;
  // io thread only:
  // Deliveries running: at most max_parallel in all, at most kPerOrg to one
  // organisation (a burst to one receiver is not one round trip and one
  // durable write at a time), never the same row twice.
  static constexpr std::uint32_t kPerOrg = 4;
  std::map<std::string, std::uint32_t> in_flight;                  // by organisation tag
  std::set<std::pair<std::uint64_t, std::string>> rows_in_flight;  // (seq, org)
  std::size_t running = 0;
  std::map<std::string, std::int64_t> org_pause_until_ms;  // slow down a failing receiver
  std::vector<std::string> disabled_tags;                  // webhooks disabled by a 410
  bool stopping = false;
  bool escalating = false;

  // Parsed once; the config loader has already refused a malformed one.
  std::optional<ParsedUrl> proxy;

  Impl(const DeliveryConfig& c, const Keyring& k, const TrustHolder& t, Store& s, Metrics& m,
       NotificationSigner& n, TreeHeads& h)
      : cfg(c), keys(k), trust(t), store(s), metrics(m), notes(n), heads(h) {
    if (!cfg.proxy.empty())
      if (auto p = parse_proxy_url_text(cfg.proxy)) proxy = *p;
    tls.set_default_verify_paths();
    tls.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  }

  void schedule(std::chrono::milliseconds in) {
    timer.expires_after(in);
    timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec == net::error::operation_aborted && !self->stopping) return self->tick();
      if (!ec) self->tick();
    });
  }

  void tick() {
    if (stopping) return;
    escalate();
    auto due = store.due_webhooks(unix_millis(now_ms()), 1000, disabled_tags);
    if (due && !due->empty()) {
      auto snapshot = trust.get();
      // The store names organisations by tag; the trust store by key id.
      std::map<std::string, KeyId> by_tag;
      for (const auto& o : snapshot->store().orgs())
        by_tag.emplace(keys.org_tag(o.key.id()), o.key.id());
      const auto now = now_ms();
      for (auto& d : *due) {
        if (running >= cfg.max_parallel) break;
        if (rows_in_flight.count({d.seq, d.org})) continue;
        if (auto f = in_flight.find(d.org); f != in_flight.end() && f->second >= kPerOrg) continue;
        if (auto p = org_pause_until_ms.find(d.org);
            p != org_pause_until_ms.end() && p->second > now)
          continue;
        // Another daemon on the same database may hold it (or just took it).
        if (auto claimed = store.claim_webhook(d.seq, d.org, unix_millis(now));
            !claimed || !*claimed)
          continue;
        ++in_flight[d.org];
        rows_in_flight.insert({d.seq, d.org});
        ++running;
        auto id = by_tag.find(d.org);
        net::co_spawn(ioc,
                      deliver(std::move(d), snapshot,
                              id == by_tag.end() ? std::nullopt : std::optional(id->second)),
                      net::detached);
      }
    }
    schedule(std::chrono::milliseconds(cfg.poll_interval_ms));
  }

  void escalate() {
    if (escalating || cfg.escalate_after_s == 0) return;
    escalating = true;
    // The store answers on its own thread, possibly after this dispatcher
    // stopped: hold it weakly there (a strong reference parked in a stopped
    // io_context would keep both alive forever).
    escalate_due_cases(store, *trust.get(), keys, unix_now(),
                       [weak = weak_from_this()](Result<std::uint32_t> n) {
                         post_weak(weak, [n = std::move(n)](Impl& self) {
                           self.escalating = false;
                           if (n && *n > 0) {
                             self.metrics.escalations.fetch_add(*n);
                             log_event("cases_escalated", {LogField::num("count", *n)});
                           }
                         });
                       });
  }

  // Runs `fn` on the dispatcher's thread if the dispatcher still exists.
  template <class F>
  static void post_weak(const std::weak_ptr<Impl>& weak, F fn) {
    auto self = weak.lock();
    if (!self) return;
    net::post(self->ioc, [weak, fn = std::move(fn)]() mutable {
      if (auto s = weak.lock()) fn(*s);
    });
  }

  std::int64_t backoff_ms(std::uint32_t failures_so_far) const {
    const auto& s = cfg.retry_schedule_ms;
    std::int64_t base = s[std::min<std::size_t>(failures_so_far, s.size() - 1)];
    // +-10 % jitter so receivers coming back are not hit in lockstep.
    std::int64_t jitter = base / 10;
    if (jitter > 0)
      base += static_cast<std::int64_t>(
                  randombytes_uniform(static_cast<std::uint32_t>(2 * jitter + 1))) -
              jitter;
    return base;
  }

  net::awaitable<void> deliver(DueWebhook d, std::shared_ptr<const TrustView> snapshot,
                               std::optional<KeyId> id) {
    auto self = shared_from_this();  // alive while this attempt runs
    WebhookResult result{
        d.seq, d.org, id ? key_id_hex(*id) : std::string(), WebhookOutcome::retry, {}, 0, 0};
    const OrgEntry* org = id ? snapshot->org(*id) : nullptr;
    if (org) result.generation = org->sub.webhook_generation;
    auto target = org ? parse_webhook_url(org->sub.webhook_url)
                      : Result<ParsedUrl>(make_error(Errc::not_found, ""));
    // The stored body is decoded for the payload's timestamp (and a CAP
    // subscriber's XML); one we cannot decode is a bug or damage, never
    // something to send: counted, logged, and no longer pushed.
    std::optional<Notification> source;
    bool damaged = false;
    if (org) {
      auto n = decode_notification(d.body);
      if (n) {
        source = std::move(*n);
      } else {
        damaged = true;
        metrics.internal_errors.fetch_add(1);
        log_event("notification_damaged", {LogField::code(n.code())});
      }
    }
    if (!org || org->revoked || org->sub.webhook_url.empty() || !target || damaged) {
      // No endpoint any more (revoked, or the webhook was removed): the
      // notification stays readable on the feed; stop pushing it.
      result.outcome = WebhookOutcome::failed_for_good;
    } else {
      std::string body = webhook_payload(d.seq, d.body, *source, *org, notes, keys.signing().id());
      const std::string content_type = "application/json";
      const auto ts = unix_now();
      const auto wid = webhook_id(d.seq);
      http::request<http::string_body> req{http::verb::post, target->target, 11};
      req.set(http::field::host, target->host);
      req.set(http::field::user_agent, "casewired/1");
      req.set(http::field::content_type, content_type);
      req.set("webhook-id", wid);
      req.set("webhook-timestamp", std::to_string(ts));
      req.set("webhook-signature",
              webhook_signature(wid, ts, body, org->sub.webhook_secret, keys.signing()));
      // The case log's current head (signed on its own, outside the body the
      // notification's signature covers): a receiver keeps the newest and
      // checks it with `casewire verify-log --compare FILE`.
      req.set("casewire-tree-head", tree_head_to_json(heads.current()));
      req.body() = std::move(body);
      req.keep_alive(false);
      req.prepare_payload();
      auto a = co_await post(tls, *target, std::move(req),
                             std::chrono::milliseconds(cfg.webhook_timeout_ms),
                             cfg.allow_private_webhooks, org->sub.webhook_pin, proxy);
      if (a.pin_mismatch) {
        // Retried like any failure (the receiver may be mid-rotation), but
        // said plainly: it may also be someone in between.
        metrics.webhook_pin_mismatches.fetch_add(1);
        log_event("webhook_pin_mismatch");
      }
      result.http_status = a.status;
      const auto now = now_ms();
      if (a.refused_target) {
        // Pointing the daemon at its own host or the cloud metadata service
        // is not a delivery failure to retry: stop, say so (metric, log).
        result.outcome = WebhookOutcome::failed_for_good;
        metrics.webhook_targets_refused.fetch_add(1);
        log_event("webhook_target_refused");
      } else if (a.status >= 200 && a.status < 300) {
        result.outcome = WebhookOutcome::delivered;
        org_pause_until_ms.erase(d.org);
      } else if (a.status == 410) {
        result.outcome = WebhookOutcome::gone;
      } else if (d.attempts + 1 > cfg.retry_schedule_ms.size()) {
        result.outcome = WebhookOutcome::failed_for_good;
      } else {
        auto delay = backoff_ms(d.attempts);
        // 429/502/504 and Retry-After mean "slow down": honour the larger wait.
        if (a.retry_after_s > 0) delay = std::max<std::int64_t>(delay, a.retry_after_s * 1000);
        result.next_attempt_at = unix_millis(now + delay);
        org_pause_until_ms[d.org] = now + delay;
      }
    }
    switch (result.outcome) {
      case WebhookOutcome::delivered:
        metrics.webhook_delivered.fetch_add(1);
        break;
      case WebhookOutcome::gone:
        metrics.webhooks_disabled.fetch_add(1);
        log_event("webhook_disabled", {LogField::num("http_status", 410)});
        break;
      default:
        metrics.webhook_failed_attempts.fetch_add(1);
        log_event("webhook_failed",
                  {LogField::num("http_status", static_cast<std::uint64_t>(result.http_status))});
    }
    store.record_webhook_results(
        {result}, unix_seconds(unix_now()),
        [weak = weak_from_this(), org_id = d.org, seq = d.seq](const Result<bool>&) {
          post_weak(weak, [org_id, seq](Impl& s) {
            if (--s.in_flight[org_id] == 0) s.in_flight.erase(org_id);
            s.rows_in_flight.erase({seq, org_id});
            --s.running;
            s.refresh_failing_gauge();
            if (!s.stopping) s.timer.cancel();  // look for more work now
          });
        });
  }

  void revive() {
    std::vector<WebhookGeneration> current;
    const auto snapshot = trust.get();
    for (const auto& o : snapshot->store().orgs())
      if (!o.revoked && !o.sub.webhook_url.empty())
        current.push_back(
            {key_id_hex(o.key.id()), keys.org_tag(o.key.id()), o.sub.webhook_generation});
    if (current.empty()) return;
    store.revive_webhooks(std::move(current), unix_seconds(unix_now()),
                          [weak = weak_from_this()](Result<std::uint32_t> n) {
                            if (!n || *n == 0) return;
                            post_weak(weak, [n = *n](Impl& s) {
                              s.metrics.webhooks_revived.fetch_add(n);
                              log_event("webhooks_revived", {LogField::num("count", n)});
                              s.org_pause_until_ms.clear();
                              s.refresh_failing_gauge();
                              if (!s.stopping) s.timer.cancel();  // deliver what was waiting now
                            });
                          });
  }

  // Also refreshes which organisations' webhooks are disabled (a 410), by
  // tag, so due_webhooks skips their rows.
  void refresh_failing_gauge() {
    auto h = store.webhook_health();
    if (!h) return;
    std::int64_t failing = 0;
    disabled_tags.clear();
    for (const auto& w : *h) {
      failing += w.state != WebhookState::ok;
      if (w.state == WebhookState::disabled)
        if (auto id = parse_key_id(w.org)) disabled_tags.push_back(keys.org_tag(*id));
    }
    metrics.webhook_orgs_failing.store(failing);
  }
};

Dispatcher::Dispatcher(const DeliveryConfig& config, const Keyring& keys, const TrustHolder& trust,
                       Store& store, Metrics& metrics, NotificationSigner& notes, TreeHeads& heads)
    : impl_(std::make_shared<Impl>(config, keys, trust, store, metrics, notes, heads)) {}

Dispatcher::~Dispatcher() {
  stop();
}

void Dispatcher::start() {
  auto impl = impl_;
  impl->refresh_failing_gauge();
  net::post(impl->ioc, [impl] {
    impl->revive();
    impl->tick();
  });
  impl->thread = std::thread([impl] { run_event_loop(impl->ioc, impl->metrics); });
}

// wake() and trust_changed() are called from other threads (the store's
// writer, the signal handler) at any time, also after stop(): a handler that
// held the Impl strongly and was parked in the stopped io_context would keep
// the Impl, and so the io_context holding it, alive forever (a leak that
// LeakSanitizer reported at exit after a fatal store fault). Hold it weakly.
void Dispatcher::wake() {
  Impl::post_weak(impl_, [](Impl& s) {
    if (!s.stopping) s.timer.cancel();
  });
}

void Dispatcher::trust_changed() {
  Impl::post_weak(impl_, [](Impl& s) {
    if (!s.stopping) s.revive();
  });
}

void Dispatcher::stop() {
  auto impl = impl_;
  if (!impl->thread.joinable()) return;
  net::post(impl->ioc, [impl] {
    impl->stopping = true;
    impl->timer.cancel();
  });
  // In-flight attempts end within the webhook timeout; their results go to
  // the store before it closes. Then the io_context runs out of work.
  impl->thread.join();
}

}  // namespace cw::daemon
