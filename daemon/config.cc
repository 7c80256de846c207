#include "daemon/config.h"

#include "protocol/case_log.h"
#include "protocol/url.h"
#include "stats/report.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

namespace cw::daemon {
namespace {

Error bad(const std::string& m) {
  return make_error(Errc::bad_config, m);
}

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

// Every section and key the daemon reads. load_config() refuses anything else.
struct Section {
  std::string_view name;
  std::vector<std::string_view> keys;
};
const std::vector<Section>& known_sections() {
  static const std::vector<Section> k = {
      {"keys", {"dir", "passphrase_file", "insecure_unencrypted_key"}},
      {"listen", {"address", "admin"}},
      {"store", {"path"}},
      {"server", {"threads", "max_batch"}},
      {"limits",
       {"max_connections", "max_connections_per_ip", "handshake_timeout_ms", "header_timeout_ms",
        "body_timeout_ms", "write_timeout_ms", "max_header_bytes", "max_body_bytes",
        "per_ip_per_minute", "max_feeds_per_org"}},
      {"delivery",
       {"escalate_after_s", "webhook_timeout_ms", "poll_interval_ms", "max_parallel",
        "feed_heartbeat_ms", "retry_schedule_ms", "allow_private_webhooks", "proxy"}},
      {"retention", {"days", "residual_retry_seconds"}},
      {"report", {"threshold"}},
      {"case_log", {"mix_seconds"}},
  };
  return k;
}

// Levenshtein distance, for "did you mean" on a typo. Inputs are short keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string nearest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_d = 4;  // beyond this, a suggestion is more confusing than helpful
  for (auto c : candidates) {
    auto d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

// Names are echoed back to the operator; keep them printable and short so a
// hostile or corrupted file cannot flood or garble the terminal.
std::string printable(std::string_view s) {
  std::string out;
  for (char ch : s.substr(0, 64)) out += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
  if (s.size() > 64) out += "...";
  return out;
}

Status check_known_keys(const toml::table& t) {
  std::vector<std::string_view> section_names;
  for (const auto& s : known_sections()) section_names.push_back(s.name);
  for (const auto& [key, node] : t) {
    const std::string_view k = key.str();
    const Section* sec = nullptr;
    for (const auto& s : known_sections())
      if (s.name == k) sec = &s;
    if (!sec) return bad("unknown section [" + printable(k) + "]" + nearest(k, section_names));
    const auto* table = node.as_table();
    if (!table) return bad("[" + std::string(k) + "] must be a section");
    for (const auto& [sub, value] : *table) {
      const std::string_view sk = sub.str();
      if (std::find(sec->keys.begin(), sec->keys.end(), sk) == sec->keys.end())
        return bad("unknown key '" + printable(sk) + "' in [" + std::string(k) + "]" +
                   nearest(sk, sec->keys));
      (void)value;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<HostPort> parse_host_port(const std::string& text) {
  auto a = parse_listen_address(text);
  if (!a) return a.error();
  return HostPort{a->host, a->port};
}

Result<Config> load_config(const std::string& path, const Overrides& ov) {
  Config c;
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return bad("cannot parse " + path + " at line " + std::to_string(e.source().begin.line) + ": " +
               std::string(e.description()));
  }
  // Unknown sections and keys are refused: a typo (`max_conections = 5`)
  // must not silently leave a limit at its default.
  CW_TRY(check_known_keys(t));
  CW_TRY(read_str(t, "keys", "dir", c.keys_dir));
  CW_TRY(read_str(t, "keys", "passphrase_file", c.passphrase_file));
  if (auto node = t["keys"]["insecure_unencrypted_key"]) {
    auto v = node.value<bool>();
    if (!v) return bad("[keys] insecure_unencrypted_key must be true or false");
    c.insecure_unencrypted_key = *v;
  }
  CW_TRY(read_str(t, "listen", "address", c.listen));
  CW_TRY(read_str(t, "listen", "admin", c.admin_listen));
  CW_TRY(read_str(t, "store", "path", c.db_path));
  CW_TRY(read_u32(t, "server", "threads", c.threads, 1, 64));
  CW_TRY(read_u32(t, "server", "max_batch", c.max_batch, 1, 10000));
  CW_TRY(read_u32(t, "retention", "days", c.retention_days, 0, 36500));
  CW_TRY(read_u32(t, "retention", "residual_retry_seconds", c.retention_residual_retry_s, 1, 3600));
  // Never below 3 (stats/report.h): a smaller count can point at a family.
  CW_TRY(read_u32(t, "report", "threshold", c.report_threshold, stats::kMinK, 1000));
  CW_TRY(read_u32(t, "case_log", "mix_seconds", c.log_mix_seconds, 1,
                  static_cast<std::uint32_t>(kLogMaxWindowSeconds)));
  auto& l = c.limits;
  CW_TRY(read_u32(t, "limits", "max_connections", l.max_connections, 1, 100000));
  CW_TRY(read_u32(t, "limits", "max_connections_per_ip", l.max_connections_per_ip, 0, 100000));
  CW_TRY(read_u32(t, "limits", "max_feeds_per_org", l.max_feeds_per_org, 1, 10000));
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
  if (auto node = t["delivery"]["allow_private_webhooks"]) {
    auto v = node.value<bool>();
    if (!v) return bad("[delivery] allow_private_webhooks must be true or false");
    d.allow_private_webhooks = *v;
  }
  CW_TRY(read_str(t, "delivery", "proxy", d.proxy));
  if (!d.proxy.empty()) {
    if (auto p = parse_proxy_url_text(d.proxy); !p)
      return bad("[delivery] proxy: " + p.error().message);
  }
  if (auto node = t["delivery"]["retry_schedule_ms"]) {
    auto* arr = node.as_array();
    if (!arr || arr->empty() || arr->size() > 32)
      return bad("[delivery] retry_schedule_ms must be a list of 1..32 integers");
    d.retry_schedule_ms.clear();
    for (const auto& e : *arr) {
      auto v = e.value<std::int64_t>();
      if (!v || *v < 0 || *v > 7 * 86400000LL)
        return bad("[delivery] retry_schedule_ms holds an invalid delay");
      d.retry_schedule_ms.push_back(static_cast<std::uint32_t>(*v));
    }
  }

  if (ov.listen) c.listen = *ov.listen;
  if (ov.admin_listen) c.admin_listen = *ov.admin_listen;
  if (ov.db_path) c.db_path = *ov.db_path;
  if (ov.passphrase_file) c.passphrase_file = *ov.passphrase_file;

  if (c.keys_dir.empty()) return bad("[keys] dir is required");
  if (c.db_path.empty()) c.db_path = DaemonDir{c.keys_dir}.database();
  if (auto hp = parse_host_port(c.listen); !hp) return hp.error();
  if (auto hp = parse_host_port(c.admin_listen); !hp) return hp.error();
  // The non-throwing overload: a path longer than PATH_MAX, or one we may not
  // stat, is a configuration error, not an exception (issue 19: fuzz_config
  // aborted on a 5,000-character [keys] dir).
  std::error_code ec;
  if (!std::filesystem::is_directory(c.keys_dir, ec))
    return bad("[keys] dir is not a readable directory: " + c.keys_dir +
               (ec ? " (" + ec.message() + ")" : std::string()));
  return c;
}

}  // namespace cw::daemon
