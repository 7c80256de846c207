// The daemon's cost per alert against its cryptographic floor, measured from
// outside (bench/run.sh drives it; issue 12 has the scenarios and targets).
//
//   ingest_bench crypto_floor   SECONDS
//   ingest_bench keepalive      SECONDS CONCURRENCY
//   ingest_bench new_connection SECONDS CONCURRENCY
//   ingest_bench junk_flood     SECONDS CONCURRENCY
//
// Prints one JSON object. The load generator must not compete with the
// daemon for the cores it measures: every envelope is sealed before the
// clock starts (each with its own alert id), and the daemon's own CPU time
// is read from /proc/PID/stat around the measured interval.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "bench/process_stats.h"
#include "protocol/envelope.h"
#include "protocol/receipt.h"
#include "protocol/signed_payload.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/raw_client.h"

using namespace cw;
using namespace cw::test;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

using cw::bench::cpu_us;

long peak_rss_kb(pid_t pid) {
  return cw::bench::status_kb(pid, "VmHWM:");
}

// open + verify, the receipt's signature, one notification's signature.
double crypto_floor_us(double seconds) {
  const Identity daemon = Identity::generate(Role::daemon);
  const Identity contact = Identity::generate(Role::contact);
  std::vector<Bytes> pool;
  for (int i = 0; i < 256; ++i)
    pool.push_back(*seal_envelope(sample_alert(), random_alert_id(), unix_now(), contact.sign,
                                  daemon.box->public_key()));
  const std::string payload(1024, 'x');
  const auto lookup = [&](const KeyId&) -> Result<PublicKey> { return contact.sign.public_key(); };
  std::size_t n = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    const auto& wire = pool[n % pool.size()];
    auto opened = open_envelope(wire, *daemon.box, lookup, OpenOptions{unix_now(), nullptr});
    if (!opened) return -1;
    auto r = sign_receipt(daemon.sign, opened->alert_id, envelope_hash(wire), unix_now(), n);
    auto s = sign_payload(daemon.sign, kNotificationDomain, payload);
    wipe_alert(opened->alert);
    (void)r;
    (void)s;
    ++n;
  }
  return seconds_since(start) * 1e6 / static_cast<double>(n);
}

struct Load {
  std::vector<double> latencies_ms;
  std::uint64_t ok = 0, failed = 0;
  double elapsed = 0, daemon_cpu = 0;
  long rss_kb = 0;
};

double pct(const std::vector<double>& v, double p) {
  return v.empty() ? 0.0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// `concurrency` clients post pre-sealed envelopes for `seconds`, on one
// keep-alive connection each or a new connection per alert.
Load run_load(Instance& inst, const std::vector<std::string>& pool, int concurrency, double seconds,
              bool keepalive, std::uint16_t port) {
  Load load;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::atomic<std::uint64_t> ok{0}, failed{0};
  const double cpu0 = cpu_us(inst.pid());
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < concurrency; ++c)
    threads.emplace_back([&] {
      std::vector<double> mine;
      std::unique_ptr<RawClient> conn;
      while (!stop) {
        const std::size_t i = next.fetch_add(1);
        if (i >= pool.size()) break;
        const std::string req = http_request("POST", "/v1/alerts", pool[i]);
        const auto t0 = Clock::now();
        if (!keepalive || !conn) conn = RawClient::connect(port, true, std::chrono::seconds(10));
        std::optional<HttpReply> r;
        if (conn->send(req)) r = conn->read_reply();
        if (!r) {
          ++failed;
          conn.reset();
          continue;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        (r->status == 201 ? ok : failed)++;
        if (!keepalive) conn.reset();
      }
      std::lock_guard lock(mu);
      load.latencies_ms.insert(load.latencies_ms.end(), mine.begin(), mine.end());
    });
  std::thread timer([&] {
    while (!stop && seconds_since(start) < seconds)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop = true;
  });
  for (auto& t : threads) t.join();
  stop = true;
  timer.join();
  load.elapsed = seconds_since(start);
  load.daemon_cpu = cpu_us(inst.pid()) - cpu0;
  load.rss_kb = peak_rss_kb(inst.pid());
  load.ok = ok;
  load.failed = failed;
  std::sort(load.latencies_ms.begin(), load.latencies_ms.end());
  return load;
}

// Full TLS handshakes per second `openssl s_time` gets from the same daemon
// (new session each time): the reference for ingest_new_connection.
double openssl_handshakes_per_s(std::uint16_t port, double seconds) {
  const std::string cmd = "openssl s_time -connect 127.0.0.1:" + std::to_string(port) +
                          " -new -time " + std::to_string(static_cast<int>(seconds)) +
                          " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return 0;
  char buf[512];
  double best = 0;
  while (std::fgets(buf, sizeof buf, p)) {
    // "1234 connections in 3.01 real seconds, ..."
    long n = 0;
    double secs = 0;
    if (std::sscanf(buf, "%ld connections in %lf real seconds", &n, &secs) == 2 && secs > 0)
      best = static_cast<double>(n) / secs;
  }
  ::pclose(p);
  return best;
}

void print(const std::string& scenario, int concurrency, const Load& l, double floor_us,
           const std::string& extra = "") {
  const double per_alert = l.ok ? l.daemon_cpu / static_cast<double>(l.ok) : 0;
  std::cout << "{\"scenario\":\"" << scenario << "\",\"concurrency\":" << concurrency
            << ",\"alerts\":" << l.ok << ",\"failed\":" << l.failed
            << ",\"alerts_per_s\":" << static_cast<long>(static_cast<double>(l.ok) / l.elapsed)
            << ",\"p50_ms\":" << pct(l.latencies_ms, 0.5)
            << ",\"p99_ms\":" << pct(l.latencies_ms, 0.99)
            << ",\"p999_ms\":" << pct(l.latencies_ms, 0.999)
            << ",\"daemon_cpu_us_per_alert\":" << static_cast<long>(per_alert)
            << ",\"crypto_floor_us_per_alert\":" << static_cast<long>(floor_us)
            << ",\"cpu_ratio\":" << (floor_us > 0 ? per_alert / floor_us : 0)
            << ",\"daemon_peak_rss_kb\":" << l.rss_kb << extra << "}" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  init_crypto();
  if (argc < 3) {
    std::cerr << "usage: ingest_bench crypto_floor|keepalive|new_connection|junk_flood SECONDS "
                 "[CONCURRENCY]\n";
    return 1;
  }
  const std::string scenario = argv[1];
  const double seconds = std::stod(argv[2]);
  const int concurrency = argc > 3 ? std::atoi(argv[3]) : 1;
  // The floor is measured in the same run, on the same build, on one core.
  const double floor_us = crypto_floor_us(std::min(seconds, 3.0));
  if (scenario == "crypto_floor") {
    std::cout << "{\"scenario\":\"crypto_floor\",\"crypto_floor_us_per_alert\":"
              << static_cast<long>(floor_us) << "}" << std::endl;
    return 0;
  }
  // Limits that do not throttle the load (this measures cost, not policy).
  Instance inst(
      "per_ip_per_minute = 0\nmax_connections = 4096\nmax_connections_per_ip = 0\n"
      "max_body_bytes = 16384\n",
      "[server]\nthreads = 2\n");
  // CASEWIRE_BENCH_DB: the same load on another store (bench/run.sh
  // --postgres sets a postgresql:// URI); scenarios are named after it.
  std::string store_suffix;
  if (const char* db = std::getenv("CASEWIRE_BENCH_DB"); db && *db) {
    inst.daemon_args = {"--db", db};
    store_suffix = std::string(db).starts_with("postgres") ? "_postgres" : "";
  }
  auto contact = inst.add_contact("bench", 100000000);
  inst.add_org("ngo", OrgOptions{});
  inst.start();
  // Everything is sealed before the clock starts.
  const std::size_t pool_size =
      static_cast<std::size_t>(std::min(60000.0, std::max(2000.0, 4000.0 * seconds)));
  std::vector<std::string> pool;
  pool.reserve(pool_size);
  const Alert a = sample_alert();
  for (std::size_t i = 0; i < pool_size; ++i) pool.emplace_back(as_chars(inst.seal(contact, a)));

  if (scenario == "keepalive" || scenario == "new_connection") {
    auto l = run_load(inst, pool, concurrency, seconds, scenario == "keepalive", inst.port());
    std::string extra;
    if (scenario == "new_connection") {
      const double ref = openssl_handshakes_per_s(inst.port(), std::max(2.0, seconds));
      const double mine = static_cast<double>(l.ok) / l.elapsed;
      std::ostringstream x;
      x << ",\"openssl_full_handshakes_per_s\":" << static_cast<long>(ref)
        << ",\"vs_openssl\":" << (ref > 0 ? mine / ref : 0);
      extra = x.str();
    }
    print("ingest_" + scenario + store_suffix, concurrency, l, floor_us, extra);
    inst.stop();
    return l.failed == 0 ? 0 : 1;
  }
  if (scenario == "junk_flood") {
    // `concurrency` connections send junk at full speed (half fail the cheap
    // checks, half are well-formed but forged), while one honest contact
    // sends 10 alerts/s from another address.
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> junk{0};
    std::vector<std::thread> flood;
    std::string forged = pool.back();
    forged[100] = static_cast<char>(forged[100] ^ 1);
    const std::string bad_magic(8253, 'x');
    for (int c = 0; c < concurrency; ++c)
      flood.emplace_back([&, c] {
        const std::string req = http_request("POST", "/v1/alerts", c % 2 ? forged : bad_magic);
        auto conn = RawClient::connect(inst.port(), true, std::chrono::seconds(10));
        while (!stop) {
          if (!conn || !conn->send(req) || !conn->read_reply()) {
            conn = RawClient::connect(inst.port(), true, std::chrono::seconds(10));
            continue;
          }
          ++junk;
        }
      });
    Load honest;
    const double cpu0 = cpu_us(inst.pid());
    const auto start = Clock::now();
    auto conn = RawClient::connect(inst.port(), true, std::chrono::seconds(10), "127.0.0.2");
    for (std::size_t i = 0; seconds_since(start) < seconds && i < pool.size() - 1; ++i) {
      const auto t0 = Clock::now();
      std::optional<HttpReply> r;
      if (conn && conn->send(http_request("POST", "/v1/alerts", pool[i]))) r = conn->read_reply();
      if (r && r->status == 201) {
        ++honest.ok;
        honest.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      } else {
        ++honest.failed;
        conn = RawClient::connect(inst.port(), true, std::chrono::seconds(10), "127.0.0.2");
      }
      std::this_thread::sleep_until(t0 + std::chrono::milliseconds(100));
    }
    stop = true;
    for (auto& t : flood) t.join();
    honest.elapsed = seconds_since(start);
    honest.daemon_cpu = cpu_us(inst.pid()) - cpu0;
    honest.rss_kb = peak_rss_kb(inst.pid());
    std::sort(honest.latencies_ms.begin(), honest.latencies_ms.end());
    std::cout << "{\"scenario\":\"junk_flood\",\"concurrency\":" << concurrency
              << ",\"junk_per_s\":" << static_cast<long>(static_cast<double>(junk) / honest.elapsed)
              << ",\"honest_alerts\":" << honest.ok << ",\"honest_failed\":" << honest.failed
              << ",\"honest_p50_ms\":" << pct(honest.latencies_ms, 0.5)
              << ",\"honest_p99_ms\":" << pct(honest.latencies_ms, 0.99)
              << ",\"daemon_peak_rss_kb\":" << honest.rss_kb << "}" << std::endl;
    inst.stop();
    return honest.failed == 0 ? 0 : 1;
  }
  std::cerr << "unknown scenario " << scenario << "\n";
  return 1;
}
