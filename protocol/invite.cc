#include "protocol/invite.h"

#include <boost/json.hpp>

#include "protocol/key_file.h"
#include "protocol/url.h"

namespace json = boost::json;

namespace cw {
namespace {
Error bad(std::string m) {
  return make_error(Errc::bad_invite, std::move(m));
}
}  // namespace

std::string invite_to_json(const Invite& inv) {
  json::object o;
  o["casewire_invite"] = 1;
  json::array urls;
  for (const auto& u : inv.urls) urls.emplace_back(u);
  o["urls"] = std::move(urls);
  o["tls_pin"] = inv.tls_pin;
  o["daemon_sign_key"] = format_public_key(inv.daemon_sign);
  o["daemon_box_key"] = format_public_key(inv.daemon_box);
  if (!inv.gazetteer.empty()) o["gazetteer"] = inv.gazetteer;
  if (!inv.extra_pins.empty()) {
    json::array pins;
    for (const auto& p : inv.extra_pins) pins.emplace_back(p);
    o["extra_tls_pins"] = std::move(pins);
  }
  if (inv.sequence) o["update_sequence"] = inv.sequence;
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
  if (!ver || !ver->is_int64() || ver->as_int64() != 1)
    return bad("not a version 1 casewire invite");
  Invite inv;
  auto* urls = o.if_contains("urls");
  if (!urls || !urls->is_array() || urls->as_array().empty() || urls->as_array().size() > 8)
    return bad("invite needs 1 to 8 daemon URLs");
  for (const auto& u : urls->as_array()) {
    if (!u.is_string()) return bad("invite URLs must be strings");
    std::string s(u.as_string());
    if (auto parsed = parse_daemon_url(s); !parsed) return parsed.error();
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
  inv.gazetteer = str("gazetteer");
  if (auto* extra = o.if_contains("extra_tls_pins")) {
    if (!extra->is_array() || extra->as_array().size() > 1)
      return bad("invite extra_tls_pins must list at most one pin");
    for (const auto& p : extra->as_array()) {
      if (!p.is_string() || p.as_string().size() != 7 + 44 ||
          std::string_view(p.as_string()).substr(0, 7) != "sha256/")
        return bad("invite extra_tls_pins must be sha256/<base64 of 32 bytes>");
      inv.extra_pins.emplace_back(p.as_string());
    }
  }
  if (auto* seq = o.if_contains("update_sequence")) {
    if (!seq->is_int64() || seq->as_int64() < 0 || seq->as_int64() > 0xffffffffLL)
      return bad("invite update_sequence must be a small integer");
    inv.sequence = static_cast<std::uint32_t>(seq->as_int64());
  }
  return inv;
}

}  // namespace cw
