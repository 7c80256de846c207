// casewired configuration: a TOML file, with a few command-line overrides for
// what tests and operators change most. Every field has a safe default; the
// file only needs [keys] dir. docs/OPERATOR.md documents each setting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error.h"
#include "trust/daemon_dir.h"

namespace cw::daemon {

struct Limits {
  std::uint32_t max_connections = 256;
  // Concurrent connections from one address, enforced at accept (0 = off:
  // behind Tor every client is 127.0.0.1; the onion service's own defences
  // do this job there - docs/OPERATOR.md).
  std::uint32_t max_connections_per_ip = 32;
  std::uint32_t max_feeds_per_org = 4;  // open SSE streams per organisation key
  // Short: a connection that has not finished its handshake holds a slot and
  // is the first to be shed when the daemon is full.
  std::uint32_t handshake_timeout_ms = 5000;
  std::uint32_t header_timeout_ms = 10000;  // waiting for and reading a request head
  std::uint32_t body_timeout_ms = 20000;    // whole body
  std::uint32_t write_timeout_ms = 20000;
  std::uint32_t max_header_bytes = 8192;
  std::uint32_t max_body_bytes = 16384;   // an envelope is 8253 bytes
  std::uint32_t per_ip_per_minute = 600;  // 0 disables (behind Tor every client is 127.0.0.1)
};

struct DeliveryConfig {
  std::uint32_t escalate_after_s = 1800;  // 0 = never escalate
  // Standard Webhooks' schedule: immediately, then 5 s, 5 min, 30 min, 2 h,
  // 5 h, 10 h, 14 h, 20 h, 24 h after each failure.
  std::vector<std::uint32_t> retry_schedule_ms = {5000,     300000,   1800000,  7200000, 18000000,
                                                  36000000, 50400000, 72000000, 86400000};
  std::uint32_t webhook_timeout_ms = 15000;
  std::uint32_t poll_interval_ms = 1000;
  std::uint32_t max_parallel = 32;          // webhook deliveries at once (<= 4 per organisation)
  std::uint32_t feed_heartbeat_ms = 15000;  // SSE keep-alive comment when idle
  // Deliver webhooks to loopback, private, link-local and unique-local
  // addresses (a relay on this host, tests). Off: such a target - also a
  // public name that resolves to one - is refused at every attempt.
  bool allow_private_webhooks = false;
  // "socks5h://HOST:PORT" (Tor: 127.0.0.1:9050): webhooks go through this
  // proxy, which resolves receivers' names, so receivers - and whoever watches
  // them - never learn this server's address. The daemon then cannot vet
  // the addresses a name resolves to (the proxy does the lookup); Tor's exits
  // refuse private addresses themselves.
  std::string proxy;
};

struct Config {
  std::string keys_dir;
  std::string passphrase_file;
  // Run with a daemon.key stored without a passphrase: tests and demos only.
  // Without it such a key is refused at start.
  bool insecure_unencrypted_key = false;
  std::string listen = kDefaultListen;
  std::string admin_listen = kDefaultAdminListen;
  std::string db_path;            // default: <keys_dir>/casewired.db
  std::uint32_t threads = 2;      // I/O threads (TLS, crypto)
  std::uint32_t max_batch = 256;  // alerts per group commit
  // Days after a case's last event until its key is destroyed (its sealed
  // details with it; the anonymised record stays). 0 = keep for ever.
  std::uint32_t retention_days = 90;
  // How often a purge's residual - copies of destroyed keys the engine could
  // not clear at once (Store::clear_purge_residual) - is tried again.
  std::uint32_t retention_residual_retry_s = 60;
  // [report] threshold: statistics publish no count below it (docs/STATISTICS.md).
  std::uint32_t report_threshold = 5;
  // [case_log] mix_seconds: the case log's mixing window (protocol/case_log.h).
  // Below an hour a leaf's place narrows down when its event was recorded;
  // only tests set it lower.
  std::uint32_t log_mix_seconds = 3600;
  Limits limits;
  DeliveryConfig delivery;
};

struct Overrides {
  std::optional<std::string> listen;
  std::optional<std::string> admin_listen;
  std::optional<std::string> db_path;
  std::optional<std::string> passphrase_file;
};

Result<Config> load_config(const std::string& path, const Overrides& overrides);

// "host:port" with port 0..65535; IPv6 as "[::1]:8443".
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
Result<HostPort> parse_host_port(const std::string& text);

}  // namespace cw::daemon
