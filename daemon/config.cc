#include "daemon/config.h"

#include <toml++/toml.h>

#include <filesystem>

namespace cw::daemon {
namespace {

Error bad(const std::string& m) { return make_error(Errc::bad_config, m); }

// Reads an optional positive integer setting; refuses wrong types and
// out-of-range values instead of silently using a default.
Status read_u32(const toml::table& t, std::string_view section, std::string_view key,
                std::uint32_t& out, std::uint32_t min, std::uint32_t max) {
  auto node = t[section][key];
  if (!node) return Status::Ok();
  auto v = node.value<std::int64_t>();
  if (!v || *v < min || *v > max)
    return bad("[" + std::string(section) + "] " + std::string(key) + " must be an integer in " +
               std::to_string(min) + ".." + std::to_string(max));
  out = static_cast<std::uint32_t>(*v);
  return Status::Ok();
}

Status read_str(const toml::table& t, std::string_view section, std::string_view key,
                std::string& out) {
  auto node = t[section][key];
  if (!node) return Status::Ok();
  auto v = node.value<std::string>();
  if (!v) return bad("[" + std::string(section) + "] " + std::string(key) + " must be a string");
  out = *v;
  return Status::Ok();
}

}  // namespace

Result<HostPort> parse_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("address must be HOST:PORT: " + text);
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']')
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  auto port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return bad("port must be a number: " + text);
  auto n = std::stoul(port);
  if (n > 65535) return bad("port out of range: " + text);
  hp.port = static_cast<std::uint16_t>(n);
  return hp;
}

Result<Config> load_config(const std::string& path, const Overrides& ov) {
  Config c;
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return bad("cannot parse " + path + " at line " + std::to_string(e.source().begin.line) +
               ": " + std::string(e.description()));
  }
  // Unknown sections are refused: a typo must not silently drop a limit.
  for (const auto& [key, node] : t) {
    const std::string_view k = key.str();
    if (k != "keys" && k != "listen" && k != "store" && k != "limits" && k != "server" && k != "delivery")
      return bad("unknown section [" + std::string(k) + "]");
    (void)node;
  }
  CW_TRY(read_str(t, "keys", "dir", c.keys_dir));
  CW_TRY(read_str(t, "keys", "passphrase_file", c.passphrase_file));
  CW_TRY(read_str(t, "listen", "address", c.listen));
  CW_TRY(read_str(t, "listen", "admin", c.admin_listen));
  CW_TRY(read_str(t, "store", "path", c.db_path));
  CW_TRY(read_u32(t, "server", "threads", c.threads, 1, 64));
  CW_TRY(read_u32(t, "server", "max_batch", c.max_batch, 1, 10000));
  auto& l = c.limits;
  CW_TRY(read_u32(t, "limits", "max_connections", l.max_connections, 1, 100000));
  CW_TRY(read_u32(t, "limits", "handshake_timeout_ms", l.handshake_timeout_ms, 100, 600000));
  CW_TRY(read_u32(t, "limits", "header_timeout_ms", l.header_timeout_ms, 100, 600000));
  CW_TRY(read_u32(t, "limits", "body_timeout_ms", l.body_timeout_ms, 100, 600000));
  CW_TRY(read_u32(t, "limits", "write_timeout_ms", l.write_timeout_ms, 100, 600000));
  CW_TRY(read_u32(t, "limits", "max_header_bytes", l.max_header_bytes, 1024, 65536));
  CW_TRY(read_u32(t, "limits", "max_body_bytes", l.max_body_bytes, 8253, 1 << 20));
  CW_TRY(read_u32(t, "limits", "per_ip_per_minute", l.per_ip_per_minute, 0, 1000000));

  auto& d = c.delivery;
  CW_TRY(read_u32(t, "delivery", "escalate_after_s", d.escalate_after_s, 0, 30 * 86400));
  CW_TRY(read_u32(t, "delivery", "webhook_timeout_ms", d.webhook_timeout_ms, 100, 120000));
  CW_TRY(read_u32(t, "delivery", "poll_interval_ms", d.poll_interval_ms, 10, 60000));
  CW_TRY(read_u32(t, "delivery", "max_parallel", d.max_parallel, 1, 1024));
  CW_TRY(read_u32(t, "delivery", "feed_heartbeat_ms", d.feed_heartbeat_ms, 100, 600000));
  if (auto node = t["delivery"]["retry_schedule_ms"]) {
    auto* arr = node.as_array();
    if (!arr || arr->empty() || arr->size() > 32) return bad("[delivery] retry_schedule_ms must be a list of 1..32 integers");
    d.retry_schedule_ms.clear();
    for (const auto& e : *arr) {
      auto v = e.value<std::int64_t>();
      if (!v || *v < 0 || *v > 7 * 86400000LL) return bad("[delivery] retry_schedule_ms holds an invalid delay");
      d.retry_schedule_ms.push_back(static_cast<std::uint32_t>(*v));
    }
  }

  if (ov.listen) c.listen = *ov.listen;
  if (ov.admin_listen) c.admin_listen = *ov.admin_listen;
  if (ov.db_path) c.db_path = *ov.db_path;

  if (c.keys_dir.empty()) return bad("[keys] dir is required");
  if (c.db_path.empty()) c.db_path = c.keys_dir + "/casewired.db";
  if (auto hp = parse_host_port(c.listen); !hp) return hp.error();
  if (auto hp = parse_host_port(c.admin_listen); !hp) return hp.error();
  if (!std::filesystem::is_directory(c.keys_dir))
    return bad("[keys] dir does not exist: " + c.keys_dir);
  return c;
}

}  // namespace cw::daemon
