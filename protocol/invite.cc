#include "protocol/invite.h"

#include <boost/json.hpp>

#include "protocol/key_file.h"

namespace json = boost::json;

namespace cw {
namespace {
Error bad(std::string m) { return make_error(Errc::bad_invite, std::move(m)); }
}  // namespace

Status check_daemon_url(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad("daemon URL must start with https://");
  auto rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return bad("daemon URL has no host");
  for (char c : rest) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return bad("daemon URL may hold only a host and a port");
  }
  return Status::Ok();
}

std::string invite_to_json(const Invite& inv) {
  json::object o;
  o["casewire_invite"] = 1;
  json::array urls;
  for (const auto& u : inv.urls) urls.emplace_back(u);
  o["urls"] = std::move(urls);
  o["tls_pin"] = inv.tls_pin;
  o["daemon_sign_key"] = format_public_key(inv.daemon_sign);
  o["daemon_box_key"] = format_public_key(inv.daemon_box);
  return json::serialize(o) + "\n";
}

Result<Invite> invite_from_json(std::string_view text) {
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 3;
  auto v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
  if (ec || !v.is_object()) return bad("invite is not a JSON object");
  const auto& o = v.as_object();
  auto* ver = o.if_contains("casewire_invite");
  if (!ver || !ver->is_int64() || ver->as_int64() != 1) return bad("not a version 1 casewire invite");
  Invite inv;
  auto* urls = o.if_contains("urls");
  if (!urls || !urls->is_array() || urls->as_array().empty() || urls->as_array().size() > 8)
    return bad("invite needs 1 to 8 daemon URLs");
  for (const auto& u : urls->as_array()) {
    if (!u.is_string()) return bad("invite URLs must be strings");
    std::string s(u.as_string());
    CW_TRY(check_daemon_url(s));
    inv.urls.push_back(std::move(s));
  }
  auto str = [&](const char* key) -> std::string {
    auto* p = o.if_contains(key);
    return p && p->is_string() ? std::string(p->as_string()) : std::string();
  };
  inv.tls_pin = str("tls_pin");
  if (inv.tls_pin.rfind("sha256/", 0) != 0 || inv.tls_pin.size() != 7 + 44)
    return bad("invite tls_pin must be sha256/<base64 of 32 bytes>");
  auto sign = parse_public_key(str("daemon_sign_key"));
  if (!sign || sign->kind != KeyKind::sign) return bad("invite daemon_sign_key is invalid");
  auto box = parse_public_key(str("daemon_box_key"));
  if (!box || box->kind != KeyKind::box) return bad("invite daemon_box_key is invalid");
  inv.daemon_sign = *sign;
  inv.daemon_box = *box;
  return inv;
}

}  // namespace cw
