#include "protocol/invite_update.h"

#include <boost/json.hpp>

#include "protocol/key_file.h"
#include "protocol/signed_payload.h"
#include "protocol/url.h"

namespace json = boost::json;

namespace cw {
namespace {
Error bad(const char* why) {
  return make_error(Errc::bad_invite, std::string("invite update: ") + why);
}
}  // namespace

std::string sign_invite_update(const InviteUpdate& u, const SigningKey& trusted_now) {
  json::object o;
  o["v"] = 1;
  o["sequence"] = u.sequence;
  o["issued_at"] = u.issued_at;
  json::array urls, pins;
  for (const auto& x : u.urls) urls.emplace_back(x);
  for (const auto& x : u.tls_pins) pins.emplace_back(x);
  o["urls"] = std::move(urls);
  o["tls_pins"] = std::move(pins);
  o["daemon_sign_key"] = format_public_key(u.daemon_sign);
  o["daemon_box_key"] = format_public_key(u.daemon_box);
  return sign_payload(trusted_now, kInviteUpdateDomain, json::serialize(o));
}

Result<InviteUpdate> open_invite_update(std::string_view signed_json, const PublicKey& trusted) {
  auto payload = open_payload(signed_json, kInviteUpdateDomain, trusted);
  if (!payload)
    return make_error(Errc::bad_signature, "the invite update is not signed by your daemon");
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 3;
  auto v = json::parse(*payload, ec, {}, opts);
  if (ec || !v.is_object()) return bad("not a JSON object");
  const auto& o = v.as_object();
  InviteUpdate u;
  auto* ver = o.if_contains("v");
  auto* seq = o.if_contains("sequence");
  auto* at = o.if_contains("issued_at");
  auto* urls = o.if_contains("urls");
  auto* pins = o.if_contains("tls_pins");
  auto* sign = o.if_contains("daemon_sign_key");
  auto* box = o.if_contains("daemon_box_key");
  if (!ver || !ver->is_int64() || ver->as_int64() != 1 || !seq || !seq->is_int64() ||
      seq->as_int64() < 1 || seq->as_int64() > 0xffffffffLL || !at || !at->is_int64() || !urls ||
      !urls->is_array() || !pins || !pins->is_array() || !sign || !sign->is_string() || !box ||
      !box->is_string())
    return bad("fields missing or of the wrong type");
  u.sequence = static_cast<std::uint32_t>(seq->as_int64());
  u.issued_at = at->as_int64();
  if (urls->as_array().empty() || urls->as_array().size() > 8) return bad("1 to 8 URLs");
  for (const auto& x : urls->as_array()) {
    if (!x.is_string()) return bad("URLs must be strings");
    std::string s(x.as_string());
    if (auto p = parse_daemon_url(s); !p) return p.error();
    u.urls.push_back(std::move(s));
  }
  if (pins->as_array().empty() || pins->as_array().size() > 2) return bad("1 or 2 TLS pins");
  for (const auto& x : pins->as_array()) {
    if (!x.is_string()) return bad("pins must be strings");
    std::string s(x.as_string());
    if (s.rfind("sha256/", 0) != 0 || s.size() != 7 + 44) return bad("a pin is sha256/<base64>");
    u.tls_pins.push_back(std::move(s));
  }
  auto sk = parse_public_key(std::string_view(sign->as_string()));
  auto bk = parse_public_key(std::string_view(box->as_string()));
  if (!sk || sk->kind != KeyKind::sign || !bk || bk->kind != KeyKind::box)
    return bad("daemon keys are invalid");
  u.daemon_sign = *sk;
  u.daemon_box = *bk;
  return u;
}

std::uint32_t invite_update_sequence(std::string_view signed_json) {
  std::error_code ec;
  auto outer = json::parse(signed_json, ec);
  if (ec || !outer.is_object()) return 0;
  auto* p = outer.as_object().if_contains("payload");
  if (!p || !p->is_string()) return 0;
  auto inner = json::parse(p->as_string(), ec);
  if (ec || !inner.is_object()) return 0;
  auto* seq = inner.as_object().if_contains("sequence");
  return seq && seq->is_int64() && seq->as_int64() > 0 && seq->as_int64() <= 0xffffffffLL
             ? static_cast<std::uint32_t>(seq->as_int64())
             : 0;
}

Invite apply_invite_update(const Invite& invite, const InviteUpdate& u) {
  Invite out = invite;
  out.urls = u.urls;
  out.tls_pin = u.tls_pins.front();
  out.extra_pins.assign(u.tls_pins.begin() + 1, u.tls_pins.end());
  out.daemon_sign = u.daemon_sign;
  out.daemon_box = u.daemon_box;
  out.sequence = u.sequence;
  out.gazetteer.clear();
  return out;
}

}  // namespace cw
