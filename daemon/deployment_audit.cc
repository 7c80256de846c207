#include "daemon/deployment_audit.h"

#include <sys/stat.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "daemon/store/postgres_store.h"
#include "protocol/file_io.h"
#include "trust/daemon_dir.h"

namespace cw::daemon {
namespace {

using Severity = Finding::Severity;

bool is_loopback(const std::string& host_port) {
  auto hp = parse_host_port(host_port);
  if (!hp) return false;
  if (hp->host == "localhost") return true;
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(hp->host, ec);
  return !ec && a.is_loopback();
}

// What a postgresql:// URI says about how the daemon reaches its database.
struct PgUri {
  bool password = false;     // a password in the URI (userinfo or password=)
  bool remote = false;       // some host is neither a Unix socket nor loopback
  bool verify_full = false;  // sslmode=verify-full
};

PgUri inspect_pg_uri(std::string_view uri) {
  PgUri out;
  std::string_view rest = uri.substr(uri.find("://") + 3);
  const auto q = rest.find('?');
  std::string_view query = q == std::string_view::npos ? "" : rest.substr(q + 1);
  std::string_view authority = rest.substr(0, std::min(rest.find('/'), q));
  std::vector<std::string_view> hosts;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    out.password = authority.substr(0, at).find(':') != std::string_view::npos;
    authority = authority.substr(at + 1);
  }
  auto split = [](std::string_view text, char sep, auto&& each) {
    while (!text.empty()) {
      const auto cut = text.find(sep);
      each(text.substr(0, cut));
      if (cut == std::string_view::npos) break;
      text = text.substr(cut + 1);
    }
  };
  split(authority, ',', [&](std::string_view h) {
    if (!h.empty())
      hosts.push_back(h[0] == '[' ? h.substr(0, h.find(']') + 1) : h.substr(0, h.find(':')));
  });
  split(query, '&', [&](std::string_view kv) {
    const auto eq = kv.find('=');
    const auto key = kv.substr(0, eq),
               value = eq == std::string_view::npos ? "" : kv.substr(eq + 1);
    if (key == "password") out.password = true;
    if (key == "sslmode") out.verify_full = value == "verify-full";
    if (key == "host" || key == "hostaddr")
      split(value, ',', [&](std::string_view h) { hosts.push_back(h); });
  });
  for (auto h : hosts) {
    const bool socket = h.starts_with('/') || h.starts_with("%2F") || h.starts_with("%2f");
    const bool loopback = h == "localhost" || h == "[::1]" || h == "::1" || h.starts_with("127.");
    out.remote |= !h.empty() && !socket && !loopback;
  }
  return out;
}

}  // namespace

std::vector<Finding> audit_deployment(const Config& c, const TrustStore& /*trust*/) {
  std::vector<Finding> out;
  auto warn = [&](std::string m) { out.push_back({Severity::warning, std::move(m)}); };
  auto fail = [&](std::string m) { out.push_back({Severity::error, std::move(m)}); };
  const DaemonDir d{c.keys_dir};

  // Secrets others on the machine could read. (daemon.key is refused at
  // load already; the TLS key lets anyone impersonate the daemon to a client
  // that lost its pin, and the trust store holds webhook secrets.)
  for (const std::string& secret : {d.tls_key(), d.trust()})
    if (is_group_or_world_readable(secret)) fail(secret + " is readable by others: chmod 600 it");
  struct stat st {};
  if (::stat(c.keys_dir.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    warn("the keys directory " + c.keys_dir + " is open to others: chmod 700 it");
  if (!c.db_path.empty() && !is_postgres_uri(c.db_path) && ::stat(c.db_path.c_str(), &st) == 0 &&
      (st.st_mode & 077) != 0)
    warn("the database " + c.db_path + " is readable by others: chmod 600 it");

  if (is_postgres_uri(c.db_path)) {
    const PgUri pg = inspect_pg_uri(c.db_path);
    if (pg.password)
      warn(
          "[store] path holds the database password, in a file others may be shown: put it in "
          "the service user's ~/.pgpass (mode 0600) or PGPASSFILE and take it out of the URI");
    if (pg.remote && !pg.verify_full)
      warn(
          "[store] path reaches PostgreSQL over the network without sslmode=verify-full: an "
          "observer on the path could read or change what the daemons store (OPERATIONS.md "
          "§12)");
  }

  if (c.retention_days == 0)
    warn(
        "[retention] days = 0: sealed names and notes are kept for ever; a seized server (and "
        "every backup) holds all of them. Set a period (default 90)");

  if (c.log_mix_seconds < 3600)
    warn("[case_log] mix_seconds = " + std::to_string(c.log_mix_seconds) +
         ": below an hour, a receipt's place in the case log narrows down when its alert was "
         "recorded, and so which case row it is (tests only; default 3600)");

  if (c.insecure_unencrypted_key)
    warn(
        "[keys] insecure_unencrypted_key = true: daemon.key may be stored without a passphrase "
        "(demos and tests only)");
  // The API listener is always TLS 1.3; the admin one is always plain HTTP.
  if (!is_loopback(c.admin_listen))
    warn("[listen] admin = \"" + c.admin_listen +
         "\" is not loopback: /metrics and /healthz are plain HTTP without authentication");
  const bool behind_tor = is_loopback(c.listen);
  const bool per_ip_off = c.limits.max_connections_per_ip == 0 || c.limits.per_ip_per_minute == 0;
  if (!behind_tor && per_ip_off)
    warn(
        "[limits] per-address limits are off (max_connections_per_ip or per_ip_per_minute = 0) "
        "on a public listener: one host can hold every connection");
  if (behind_tor && !per_ip_off)
    warn(
        "[listen] address is loopback (behind Tor?) but per-address limits are on: every Tor "
        "client arrives from 127.0.0.1 and would share one budget; set max_connections_per_ip "
        "= 0 and per_ip_per_minute = 0 and use the onion service's defences");
  if (c.delivery.allow_private_webhooks)
    warn(
        "[delivery] allow_private_webhooks = true: webhooks may reach loopback and private "
        "addresses");
  return out;
}

}  // namespace cw::daemon
