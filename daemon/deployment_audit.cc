#include "daemon/deployment_audit.h"

#include <sys/stat.h>

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

  if (c.retention_days == 0)
    warn(
        "[retention] days = 0: sealed names and notes are kept for ever; a seized server (and "
        "every backup) holds all of them. Set a period (default 90)");

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
