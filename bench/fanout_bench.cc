// From an alert to the organisations: how fast a notification reaches feed
// subscribers and webhook receivers, and what one costs when thousands
// listen (issue 12, scenarios end_to_end, fanout_sse, fanout_webhook).
//
//   fanout_bench end_to_end     SECONDS RATE   open-loop alerts at RATE/s; one SSE subscriber
//                                              and one webhook receiver; latency from each
//                                              alert's scheduled send to its notification
//   fanout_bench fanout_webhook SUBSCRIBERS    one alert; until every webhook is delivered and
//                                              its HMAC verified
//   fanout_bench fanout_sse     SUBSCRIBERS    one alert; until the last of SUBSCRIBERS TLS feed
//                                              streams has it; the daemon's RSS per idle stream
//   fanout_bench reference_broker SUBSCRIBERS MESSAGES
//                                              Mosquitto (QoS 0, 500-byte messages) and casewire
//                                              (alerts to feed streams), same fan-out: delivered/s
//
// Prints one JSON object. Open loop: each alert has a scheduled time and its
// latency is measured from that time, so a stall delays the clock of every
// alert behind it (no coordinated omission). Envelopes are sealed before the
// clock starts.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "bench/process_stats.h"
#include "protocol/signed_request.h"
#include "protocol/webhook_secret.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"
#include "tests/support/temp_dir.h"

#if CASEWIRE_HAVE_MOSQUITTO
#include <mosquitto.h>
#endif

using namespace cw;
using namespace cw::test;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since_start(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

using cw::bench::cpu_us;

long rss_kb(pid_t pid, const char* field = "VmRSS:") {
  return cw::bench::status_kb(pid, field);
}

// A daemon for fan-out: no per-address or connection limits in the way,
// 10,000 feed streams allowed to one organisation.
struct FanoutInstance {
  FanoutInstance()
      : inst(
            "per_ip_per_minute = 0\nmax_connections = 30000\nmax_connections_per_ip = 0\n"
            "max_feeds_per_org = 10000\n",
            "[server]\nthreads = 2\n[delivery]\nfeed_heartbeat_ms = 10000\n"),
        contact(inst.add_contact("bench", 100000000)),
        org(inst.add_org("ngo", OrgOptions{})) {
    inst.start();
  }
  Instance inst;
  Contact contact;
  Org org;
};

// A plain-HTTP webhook receiver on loopback: checks each delivery's
// Standard Webhooks v1 HMAC with the secret of its path, answers 204, and
// records when it arrived.
class HookReceiver {
 public:
  struct Hit {
    std::string path;
    std::uint64_t id = 0;  // from webhook-id msg_<id>
    bool hmac_ok = false;
    Clock::time_point at;
  };
  explicit HookReceiver(int workers = 4) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4096);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { serve(); });
  }
  ~HookReceiver() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    for (auto& t : threads_) t.join();
    ::close(fd_);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void secret(const std::string& path, const std::string& whsec) {
    std::lock_guard lock(mu_);
    secrets_[path] = *parse_webhook_secret(whsec);
  }
  std::vector<Hit> hits() const {
    std::lock_guard lock(mu_);
    return hits_;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return hits_.size();
  }

 private:
  static std::string header(const std::string& head, const std::string& name) {
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    const auto at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) return {};
    auto start = at + name.size() + 3;
    while (start < head.size() && head[start] == ' ') ++start;
    return head.substr(start, head.find("\r\n", start) - start);
  }
  void serve() {
    while (!stop_) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string in;
      char buf[8192];
      std::size_t head_end = std::string::npos, need = 0;
      for (;;) {
        const auto n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos)
          need = head_end + 4 + std::stoul(header(in.substr(0, head_end), "content-length"));
        if (head_end != std::string::npos && in.size() >= need) break;
      }
      if (head_end == std::string::npos || in.size() < need) {
        ::close(c);
        continue;
      }
      const auto at = Clock::now();
      const std::string head = in.substr(0, head_end);
      const std::string body = in.substr(head_end + 4, need - head_end - 4);
      Hit h;
      h.at = at;
      h.path = head.substr(5, head.find(' ', 5) - 5);
      const std::string wid = header(head, "webhook-id"), ts = header(head, "webhook-timestamp"),
                        sig = header(head, "webhook-signature");
      if (wid.rfind("msg_", 0) == 0) h.id = std::stoull(wid.substr(4));
      {
        std::lock_guard lock(mu_);
        auto s = secrets_.find(h.path);
        if (s != secrets_.end()) {
          const std::string signed_text = wid + "." + ts + "." + body;
          unsigned char mac[crypto_auth_hmacsha256_BYTES];
          crypto_auth_hmacsha256_state st;
          crypto_auth_hmacsha256_init(&st, s->second.data(), s->second.size());
          crypto_auth_hmacsha256_update(
              &st, reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
          crypto_auth_hmacsha256_final(&st, mac);
          h.hmac_ok = sig.find("v1," + to_base64(ByteView(mac, sizeof mac))) != std::string::npos;
        }
        hits_.push_back(h);
      }
      const char ok[] = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      ::send(c, ok, sizeof ok - 1, MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::map<std::string, SecretBytes> secrets_;
  std::vector<Hit> hits_;
};

// A TLS feed stream for `org`: the request, signed for this daemon.
std::unique_ptr<RawClient> open_feed(const Instance& inst, const Org& org) {
  auto c = RawClient::connect(inst.port(), true, std::chrono::seconds(120));
  if (!c || !c->handshake_ok()) return nullptr;
  const std::string auth = sign_request(org.identity->sign, inst.invite().daemon_sign.id(), "GET",
                                        "/v1/feed", "", unix_now());
  if (!c->send("GET /v1/feed HTTP/1.1\r\nHost: casewire\r\nAccept: text/event-stream\r\n"
               "Authorization: " +
               auth + "\r\n\r\n"))
    return nullptr;
  return c;
}

// Notification ids in a piece of an event stream ("id: N\nevent: notification").
std::vector<std::uint64_t> ids_in(const std::string& piece) {
  std::vector<std::uint64_t> out;
  for (auto at = piece.find("id: "); at != std::string::npos; at = piece.find("id: ", at + 4)) {
    if (at > 0 && piece[at - 1] != '\n') continue;
    const auto end = piece.find('\n', at);
    if (end == std::string::npos || piece.compare(end + 1, 19, "event: notification") != 0)
      continue;
    out.push_back(std::stoull(piece.substr(at + 4, end - at - 4)));
  }
  return out;
}

int end_to_end(double seconds, double rate) {
  Instance inst(
      "per_ip_per_minute = 0\nmax_connections = 4096\nmax_connections_per_ip = 0\n"
      "max_body_bytes = 16384\n",
      "[server]\nthreads = 2\n[delivery]\nmax_parallel = 64\nfeed_heartbeat_ms = 1000\n");
  auto contact = inst.add_contact("bench", 100000000);
  HookReceiver hooks;
  auto org = inst.add_org("ngo", OrgOptions{.webhook_url = hooks.url("/ngo")});
  hooks.secret("/ngo", org.webhook_secret);
  inst.start();
  const auto n = static_cast<std::size_t>(seconds * rate);
  std::vector<std::string> pool;
  const Alert a = sample_alert();
  for (std::size_t i = 0; i < n; ++i) pool.emplace_back(as_chars(inst.seal(contact, a)));

  // The feed subscriber, reading on its own thread.
  auto feed = open_feed(inst, org);
  if (!feed) return 1;
  std::mutex mu;
  std::map<std::uint64_t, Clock::time_point> sse_at;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      auto piece = feed->read_chunk();
      if (!piece) break;
      const auto now = Clock::now();
      std::lock_guard lock(mu);
      for (auto id : ids_in(*piece)) sse_at.emplace(id, now);
    }
  });

  // Open-loop senders: alert i is due at start + i/rate, sent on connection
  // i % k; a sender that falls behind sends at once, its latency counted
  // from the due time.
  const std::size_t k = std::max<std::size_t>(1, static_cast<std::size_t>(rate / 200));
  std::vector<Clock::time_point> dues;  // of the alerts the daemon accepted
  std::atomic<std::uint64_t> failed{0};
  const double cpu0 = cpu_us(inst.pid());
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  std::vector<std::thread> senders;
  for (std::size_t c = 0; c < k; ++c)
    senders.emplace_back([&, c] {
      auto conn = RawClient::connect(inst.port(), true, std::chrono::seconds(10));
      for (std::size_t i = c; i < n; i += k) {
        const auto due = start + std::chrono::microseconds(static_cast<long>(1e6 * i / rate));
        std::this_thread::sleep_until(due);
        std::optional<HttpReply> r;
        if (conn && conn->send(http_request("POST", "/v1/alerts", pool[i]))) r = conn->read_reply();
        if (!r || r->status != 201) {
          ++failed;
          conn = RawClient::connect(inst.port(), true, std::chrono::seconds(10));
          continue;
        }
        std::lock_guard lock(mu);
        dues.push_back(due);
      }
    });
  for (auto& t : senders) t.join();
  // Wait (bounded) for the last notifications on both paths.
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until) {
    std::size_t have;
    {
      std::lock_guard lock(mu);
      have = sse_at.size();
    }
    if (have >= dues.size() && hooks.count() >= dues.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double cpu = cpu_us(inst.pid()) - cpu0;
  done = true;
  std::vector<double> sse_ms, hook_ms;
  std::size_t hmac_bad = 0;
  {
    std::lock_guard lock(mu);
    // One organisation, new cases only: one notification per alert, ids in
    // commit order. A receipt's number is random (a seized phone must not
    // count alerts), so alerts and notifications are paired by rank: the
    // k-th notification with the k-th alert due. Exact with one sender;
    // with several, alerts in flight together may swap (an error of about
    // one commit's time).
    std::sort(dues.begin(), dues.end());
    std::size_t i = 0;
    for (const auto& [id, at] : sse_at)
      if (i < dues.size()) sse_ms.push_back(ms_between(dues[i++], at));
    std::map<std::uint64_t, Clock::time_point> hook_at;
    for (const auto& h : hooks.hits()) {
      if (!h.hmac_ok) ++hmac_bad;
      hook_at.emplace(h.id, h.at);  // a retry keeps the first arrival
    }
    i = 0;
    for (const auto& [id, at] : hook_at)
      if (i < dues.size()) hook_ms.push_back(ms_between(dues[i++], at));
  }
  inst.stop();  // ends the stream: the reader returns
  reader.join();
  std::cout << "{\"scenario\":\"end_to_end\",\"offered_per_s\":" << rate
            << ",\"alerts\":" << dues.size() << ",\"failed\":" << failed
            << ",\"sse_received\":" << sse_ms.size() << ",\"sse_p50_ms\":" << pct(sse_ms, 0.5)
            << ",\"sse_p99_ms\":" << pct(sse_ms, 0.99) << ",\"webhook_received\":" << hook_ms.size()
            << ",\"webhook_p50_ms\":" << pct(hook_ms, 0.5)
            << ",\"webhook_p99_ms\":" << pct(hook_ms, 0.99) << ",\"hmac_failed\":" << hmac_bad
            << ",\"daemon_cpu_us_per_alert\":"
            << static_cast<long>(dues.empty() ? 0 : cpu / static_cast<double>(dues.size())) << "}"
            << std::endl;
  return failed == 0 && hmac_bad == 0 ? 0 : 1;
}

int fanout_webhook(std::size_t subscribers) {
  Instance inst("per_ip_per_minute = 0\nmax_connections = 4096\nmax_connections_per_ip = 0\n",
                "[server]\nthreads = 2\n[delivery]\nmax_parallel = 64\n");
  auto contact = inst.add_contact("bench", 100000000);
  HookReceiver hooks(8);
  for (std::size_t i = 0; i < subscribers; ++i) {
    const std::string path = "/o" + std::to_string(i);
    auto org = inst.add_org("org" + std::to_string(i), OrgOptions{.webhook_url = hooks.url(path)});
    hooks.secret(path, org.webhook_secret);
  }
  inst.start();
  const std::string wire(as_chars(inst.seal(contact, sample_alert())));
  const double cpu0 = cpu_us(inst.pid());
  const auto sent = Clock::now();
  auto r = post_alert(inst.port(), wire);
  if (!r || r->status != 201) return 1;
  const auto receipt = Clock::now();
  while (hooks.count() < subscribers && ms_between(sent, Clock::now()) < 30000)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto hits = hooks.hits();
  std::size_t ok = 0;
  Clock::time_point last = receipt;
  for (const auto& h : hits) {
    ok += h.hmac_ok;
    last = std::max(last, h.at);
  }
  const double cpu = cpu_us(inst.pid()) - cpu0;
  const auto sigs = inst.metric("casewire_notification_signatures_total");
  std::cout << "{\"scenario\":\"fanout_webhook\",\"subscribers\":" << subscribers
            << ",\"delivered\":" << hits.size() << ",\"hmac_verified\":" << ok
            << ",\"receipt_ms\":" << ms_between(sent, receipt)
            << ",\"last_delivered_ms\":" << ms_between(receipt, last)
            << ",\"notification_signatures\":" << sigs
            << ",\"daemon_cpu_ms\":" << static_cast<long>(cpu / 1000) << "}" << std::endl;
  inst.stop();
  return ok == subscribers ? 0 : 1;
}

// One reader thread per stream, with a small stack: thousands of them.
struct Stream {
  std::unique_ptr<RawClient> conn;
  std::atomic<bool> got{false};
  Clock::time_point at;
};

int fanout_sse(std::size_t subscribers) {
  FanoutInstance f;
  auto& inst = f.inst;
  const auto& contact = f.contact;
  const auto& org = f.org;
  const std::string wire(as_chars(inst.seal(contact, sample_alert())));
  const long rss0 = rss_kb(inst.pid());
  std::vector<std::unique_ptr<Stream>> streams;
  streams.reserve(subscribers);
  for (std::size_t i = 0; i < subscribers; ++i) {
    auto s = std::make_unique<Stream>();
    s->conn = open_feed(inst, org);
    if (!s->conn) break;
    streams.push_back(std::move(s));
  }
  // Each stream's first piece (the ": casewire feed" comment) says it is open.
  std::vector<pthread_t> readers(streams.size());
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 128 * 1024);
  std::atomic<std::size_t> open{0};
  struct Arg {
    Stream* s;
    std::atomic<std::size_t>* open;
  };
  std::vector<Arg> args;
  args.reserve(streams.size());
  for (std::size_t i = 0; i < streams.size(); ++i) {
    args.push_back({streams[i].get(), &open});
    pthread_create(
        &readers[i], &attr,
        [](void* p) -> void* {
          auto* a = static_cast<Arg*>(p);
          bool counted = false;
          while (auto piece = a->s->conn->read_chunk()) {
            if (!counted && piece->find("casewire feed") != std::string::npos) {
              counted = true;
              a->open->fetch_add(1);
            }
            if (!ids_in(*piece).empty()) {
              a->s->at = Clock::now();
              a->s->got = true;
              break;
            }
          }
          return nullptr;
        },
        &args[i]);
  }
  while (open < streams.size()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_idle = rss_kb(inst.pid());
  const auto sent = Clock::now();
  auto r = post_alert(inst.port(), wire);
  if (!r || r->status != 201) return 1;
  const auto receipt = Clock::now();
  std::size_t got = 0;
  while (ms_between(receipt, Clock::now()) < 30000) {
    got = 0;
    for (const auto& s : streams) got += s->got;
    if (got == streams.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Clock::time_point last = receipt;
  std::vector<double> each;
  for (const auto& s : streams)
    if (s->got) {
      last = std::max(last, s->at);
      each.push_back(ms_between(receipt, s->at));
    }
  const long rss_peak = rss_kb(inst.pid(), "VmHWM:");
  std::cout << "{\"scenario\":\"fanout_sse\",\"subscribers\":" << streams.size()
            << ",\"received\":" << got << ",\"receipt_ms\":" << ms_between(sent, receipt)
            << ",\"p50_ms\":" << pct(each, 0.5) << ",\"last_ms\":" << ms_between(receipt, last)
            << ",\"daemon_rss_kb_before\":" << rss0
            << ",\"daemon_rss_kb_idle_streams\":" << rss_idle << ",\"rss_kb_per_idle_stream\":"
            << (streams.empty()
                    ? 0.0
                    : static_cast<double>(rss_idle - rss0) / static_cast<double>(streams.size()))
            << ",\"daemon_peak_rss_kb\":" << rss_peak << ",\"notification_signatures\":"
            << inst.metric("casewire_notification_signatures_total") << "}" << std::endl;
  inst.stop();
  for (auto& t : readers) pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  return got == streams.size() ? 0 : 1;
}

// ---- reference_broker: Mosquitto beside casewire, same fan-out ----------

struct FanoutRate {
  double delivered_per_s = 0, p50_ms = 0, p99_ms = 0;
  std::size_t delivered = 0;
};

#if CASEWIRE_HAVE_MOSQUITTO
// Mosquitto (Debian's broker) on loopback: one publisher, `subscribers`
// clients on one topic, `messages` messages of 500 bytes at QoS 0 (its
// fastest: no acknowledgement, nothing stored). Each payload carries its send
// time; latency is receive minus send.
FanoutRate mosquitto_fanout(std::size_t subscribers, std::size_t messages) {
  FanoutRate out;
  TempDir dir;
  const std::uint16_t port = static_cast<std::uint16_t>(20000 + (::getpid() % 20000));
  const std::string conf = dir.path() + "/mosquitto.conf";
  {
    std::ofstream f(conf);
    f << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence false\n"
      << "max_queued_messages 100000\n";
  }
  Process broker({"/usr/sbin/mosquitto", "-c", conf}, dir.path() + "/mosquitto");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  mosquitto_lib_init();
  struct Sub {
    mosquitto* m = nullptr;
    std::mutex mu;
    std::vector<double> lat;
  };
  std::vector<std::unique_ptr<Sub>> subs;
  for (std::size_t i = 0; i < subscribers; ++i) {
    auto s = std::make_unique<Sub>();
    s->m = mosquitto_new(nullptr, true, s.get());
    mosquitto_connect_callback_set(s->m, [](mosquitto* m, void*, int) {
      mosquitto_subscribe(m, nullptr, "casewire/bench", 0);
    });
    mosquitto_message_callback_set(s->m, [](mosquitto*, void* ud, const mosquitto_message* msg) {
      const auto now = Clock::now().time_since_epoch().count();
      std::int64_t sent = 0;
      if (msg->payloadlen >= 8) std::memcpy(&sent, msg->payload, 8);
      auto* sub = static_cast<Sub*>(ud);
      std::lock_guard lock(sub->mu);
      sub->lat.push_back(static_cast<double>(now - sent) / 1e6);
    });
    if (mosquitto_connect(s->m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) continue;
    mosquitto_loop_start(s->m);
    subs.push_back(std::move(s));
  }
  std::this_thread::sleep_for(
      std::chrono::milliseconds(500 + subscribers));  // subscriptions settle
  mosquitto* pub = mosquitto_new(nullptr, true, nullptr);
  mosquitto_connect(pub, "127.0.0.1", port, 60);
  mosquitto_loop_start(pub);
  std::string payload(500, 'x');
  const auto start = Clock::now();
  for (std::size_t i = 0; i < messages; ++i) {
    const std::int64_t now = Clock::now().time_since_epoch().count();
    std::memcpy(payload.data(), &now, 8);
    mosquitto_publish(pub, nullptr, "casewire/bench", static_cast<int>(payload.size()),
                      payload.data(), 0, false);
  }
  const std::size_t want = subscribers * messages;
  auto total = [&] {
    std::size_t n = 0;
    for (auto& s : subs) {
      std::lock_guard lock(s->mu);
      n += s->lat.size();
    }
    return n;
  };
  while (total() < want && seconds_since_start(start) < 30)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const double elapsed = seconds_since_start(start);
  std::vector<double> all;
  for (auto& s : subs) {
    std::lock_guard lock(s->mu);
    all.insert(all.end(), s->lat.begin(), s->lat.end());
  }
  for (auto& s : subs) {
    mosquitto_disconnect(s->m);
    mosquitto_loop_stop(s->m, true);
    mosquitto_destroy(s->m);
  }
  mosquitto_disconnect(pub);
  mosquitto_loop_stop(pub, true);
  mosquitto_destroy(pub);
  mosquitto_lib_cleanup();
  broker.signal(SIGTERM);
  out.delivered = all.size();
  out.delivered_per_s = static_cast<double>(all.size()) / elapsed;
  out.p50_ms = pct(all, 0.5);
  out.p99_ms = pct(all, 0.99);
  return out;
}
#endif

// casewire: `subscribers` TLS feed streams, `messages` alerts sent from
// `senders` connections, each waiting for every receipt (so every alert is
// durable before the next on its connection); each is recorded, anonymised,
// signed once and streamed to all. With one sender the k-th event on a
// stream is the k-th alert; with several, events are paired with sends by
// rank (alerts in flight together may swap, as in end_to_end).
FanoutRate casewire_fanout(std::size_t subscribers, std::size_t messages, std::size_t senders) {
  FanoutRate out;
  FanoutInstance f;
  auto& inst = f.inst;
  const auto& contact = f.contact;
  const auto& org = f.org;
  std::vector<std::string> pool;
  for (std::size_t i = 0; i < messages; ++i)
    pool.emplace_back(as_chars(inst.seal(contact, sample_alert())));
  struct Sub {
    std::unique_ptr<RawClient> conn;
    std::vector<Clock::time_point> at;
    std::atomic<bool> open{false};
  };
  std::vector<std::unique_ptr<Sub>> subs;
  for (std::size_t i = 0; i < subscribers; ++i) {
    auto s = std::make_unique<Sub>();
    s->conn = open_feed(inst, org);
    if (s->conn) subs.push_back(std::move(s));
  }
  std::vector<std::thread> readers;
  for (auto& sp : subs)
    readers.emplace_back([s = sp.get(), messages] {
      while (s->at.size() < messages) {
        auto piece = s->conn->read_chunk();
        if (!piece) break;
        if (piece->find("casewire feed") != std::string::npos) s->open = true;
        const auto now = Clock::now();
        for (std::size_t k = ids_in(*piece).size(); k > 0; --k) s->at.push_back(now);
      }
    });
  for (auto& s : subs)
    while (!s->open) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<std::vector<Clock::time_point>> sent_by(senders);
  std::vector<std::unique_ptr<RawClient>> conns;
  for (std::size_t i = 0; i < senders; ++i)
    conns.push_back(RawClient::connect(inst.port(), true, std::chrono::seconds(10)));
  const auto start = Clock::now();
  std::vector<std::thread> writers;
  for (std::size_t w = 0; w < senders; ++w)
    writers.emplace_back([&, w] {
      for (std::size_t i = w; i < pool.size(); i += senders) {
        sent_by[w].push_back(Clock::now());
        if (!conns[w]->send(http_request("POST", "/v1/alerts", pool[i])) || !conns[w]->read_reply())
          break;
      }
    });
  for (auto& t : writers) t.join();
  std::vector<Clock::time_point> sent;
  for (const auto& v : sent_by) sent.insert(sent.end(), v.begin(), v.end());
  std::sort(sent.begin(), sent.end());
  for (auto& t : readers) t.join();
  std::vector<double> all;
  Clock::time_point last = start;
  for (auto& s : subs)
    for (std::size_t k = 0; k < s->at.size() && k < sent.size(); ++k) {
      all.push_back(ms_between(sent[k], s->at[k]));
      last = std::max(last, s->at[k]);
    }
  inst.stop();
  out.delivered = all.size();
  out.delivered_per_s =
      static_cast<double>(all.size()) / std::chrono::duration<double>(last - start).count();
  out.p50_ms = pct(all, 0.5);
  out.p99_ms = pct(all, 0.99);
  return out;
}

int reference_broker(std::size_t subscribers, std::size_t messages) {
#if CASEWIRE_HAVE_MOSQUITTO
  const auto m = mosquitto_fanout(subscribers, messages);
  // Mosquitto's publisher never waits (QoS 0). casewire's senders wait for
  // each receipt: one connection (every alert alone in its commit), and
  // eight at once (group commit; feeds then carry several per write).
  const auto c1 = casewire_fanout(subscribers, messages, 1);
  const auto c = casewire_fanout(subscribers, messages, 8);
  std::cout << "{\"scenario\":\"reference_broker\",\"subscribers\":" << subscribers
            << ",\"messages\":" << messages
            << ",\"mosquitto_delivered_per_s\":" << static_cast<long>(m.delivered_per_s)
            << ",\"mosquitto_p99_ms\":" << m.p99_ms
            << ",\"casewire_delivered_per_s\":" << static_cast<long>(c.delivered_per_s)
            << ",\"casewire_p99_ms\":" << c.p99_ms << ",\"vs_mosquitto\":"
            << (m.delivered_per_s > 0 ? c.delivered_per_s / m.delivered_per_s : 0)
            << ",\"casewire_one_sender_delivered_per_s\":" << static_cast<long>(c1.delivered_per_s)
            << ",\"casewire_one_sender_p99_ms\":" << c1.p99_ms
            << ",\"mosquitto_delivered\":" << m.delivered
            << ",\"casewire_delivered\":" << c.delivered << "}" << std::endl;
  return c.delivered == subscribers * messages && c1.delivered == subscribers * messages ? 0 : 1;
#else
  (void)subscribers;
  (void)messages;
  std::cerr << "built without libmosquitto (apt-get install libmosquitto-dev, then rebuild)\n";
  return 1;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  init_crypto();
  if (argc < 3) {
    std::cerr << "usage: fanout_bench end_to_end SECONDS RATE | fanout_webhook N | fanout_sse N\n";
    return 1;
  }
  const std::string scenario = argv[1];
  if (scenario == "end_to_end" && argc > 3)
    return end_to_end(std::stod(argv[2]), std::stod(argv[3]));
  if (scenario == "fanout_webhook") return fanout_webhook(std::stoul(argv[2]));
  if (scenario == "fanout_sse") return fanout_sse(std::stoul(argv[2]));
  if (scenario == "reference_broker" && argc > 3)
    return reference_broker(std::stoul(argv[2]), std::stoul(argv[3]));
  std::cerr << "unknown scenario " << scenario << "\n";
  return 1;
}
