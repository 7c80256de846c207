#include "protocol/invite_update.h"

#include <boost/json.hpp>

#include "protocol/key_file.h"
#include "protocol/signed_payload.h"
#include "protocol/url.h"

namespace json = boost::json;

namespace cw {
namespace {
Error bad(const std::string& why) {
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
  if (u.log_head) o["log_head"] = json::parse(tree_head_to_json(*u.log_head));
  return sign_payload(trusted_now, kInviteUpdateDomain, json::serialize(o));
}

namespace {

// The payload of a signed update, checked field by field. `signer`: the key
// that signed it (a log head inside must be signed by the same key), or
// nullptr for a link read without its signer (then nothing in it is).
Result<InviteUpdate> parse_update(std::string_view payload, const PublicKey* signer) {
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 3;
  auto v = json::parse(json::string_view(payload.data(), payload.size()), ec, {}, opts);
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
  if (const auto* h = o.if_contains("log_head")) {
    // Signed by the key that signed this update: the log as it last saw it.
    // (Read unchecked only with the rest of an unchecked link.)
    auto head = tree_head_from_json(json::serialize(*h));
    if (!head || (signer && !verify_tree_head(*head, *signer).ok()))
      return bad("its log head is malformed or not signed by the same key");
    u.log_head = *head;
  }
  return u;
}

// The payload string of a signed update, read WITHOUT checking its signature.
std::optional<std::string> unverified_payload(std::string_view signed_json) {
  std::error_code ec;
  auto outer = json::parse(json::string_view(signed_json.data(), signed_json.size()), ec);
  if (ec || !outer.is_object()) return std::nullopt;
  auto* p = outer.as_object().if_contains("payload");
  if (!p || !p->is_string()) return std::nullopt;
  return std::string(p->as_string());
}

}  // namespace

Result<InviteUpdate> open_invite_update(std::string_view signed_json, const PublicKey& trusted) {
  auto payload = open_payload(signed_json, kInviteUpdateDomain, trusted);
  if (!payload)
    return make_error(Errc::bad_signature, "the invite update is not signed by your daemon");
  return parse_update(*payload, &trusted);
}

std::uint32_t invite_update_sequence(std::string_view signed_json) {
  auto payload = unverified_payload(signed_json);
  if (!payload) return 0;
  std::error_code ec;
  auto inner = json::parse(*payload, ec);
  if (ec || !inner.is_object()) return 0;
  auto* seq = inner.as_object().if_contains("sequence");
  return seq && seq->is_int64() && seq->as_int64() > 0 && seq->as_int64() <= 0xffffffffLL
             ? static_cast<std::uint32_t>(seq->as_int64())
             : 0;
}

std::uint32_t invite_chain_sequence(const InviteChain& c) {
  return c.from_sequence + static_cast<std::uint32_t>(c.links.size());
}

std::string invite_chain_to_json(const InviteChain& c) {
  json::object o;
  o["casewire_invite_chain"] = 1;
  o["from_sequence"] = c.from_sequence;
  if (c.genesis) o["genesis_sign_key"] = format_public_key(*c.genesis);
  json::array links;
  for (const auto& l : c.links) {
    std::error_code ec;
    auto v = json::parse(l, ec);
    if (!ec) links.push_back(std::move(v));
  }
  o["links"] = std::move(links);
  return json::serialize(o);
}

Result<InviteChain> invite_chain_from_json(std::string_view text) {
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 4;
  auto v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
  if (ec || !v.is_object()) return bad("the chain is not a JSON object");
  const auto& o = v.as_object();
  InviteChain c;
  if (o.contains("payload")) {  // one bare signed update, from before chains
    const std::uint32_t seq = invite_update_sequence(text);
    if (seq == 0) return bad("the update has no sequence");
    c.from_sequence = seq - 1;
    c.links.emplace_back(text);
    return c;
  }
  const auto* ver = o.if_contains("casewire_invite_chain");
  const auto* from = o.if_contains("from_sequence");
  const auto* links = o.if_contains("links");
  if (!ver || !ver->is_int64() || ver->as_int64() != 1 || !from || !from->is_int64() ||
      from->as_int64() < 0 || from->as_int64() > 0xffffffffLL || !links || !links->is_array())
    return bad("the chain's fields are missing or of the wrong type");
  c.from_sequence = static_cast<std::uint32_t>(from->as_int64());
  if (const auto* g = o.if_contains("genesis_sign_key")) {
    auto k = g->is_string() ? parse_public_key(std::string_view(g->as_string()))
                            : Result<PublicKey>(bad("genesis"));
    if (!k || k->kind != KeyKind::sign) return bad("the chain's first key is invalid");
    c.genesis = *k;
  }
  if (links->as_array().size() > kMaxInviteChainLinks) return bad("the chain is too long");
  for (const auto& l : links->as_array()) {
    if (!l.is_object()) return bad("a link is not a signed update");
    c.links.push_back(json::serialize(l));
  }
  return c;
}

namespace {

// Walks `links` from `key`: link i must be sequence `next` and signed by the
// key the link before it certified.
Result<std::vector<InviteUpdate>> walk(const std::vector<std::string_view>& links, PublicKey key,
                                       std::uint32_t next) {
  std::vector<InviteUpdate> out;
  for (const auto link : links) {
    // The order first (read unsigned), so a gap is named as a gap.
    if (invite_update_sequence(link) != next)
      return bad("the chain skips or repeats an update (expected " + std::to_string(next) + ")");
    auto u = open_invite_update(link, key);
    if (!u) return u.error();
    if (u->sequence != next) return bad("a link's sequence does not match its signed payload");
    key = u->daemon_sign;
    ++next;
    out.push_back(std::move(*u));
  }
  return out;
}

}  // namespace

Result<std::vector<InviteUpdate>> follow_invite_chain(const InviteChain& c,
                                                      const PublicKey& trusted,
                                                      std::uint32_t sequence) {
  // Links up to `sequence` are history this device already walked (or never
  // needed): only what comes after it is checked, from the key it trusts.
  std::vector<std::string_view> after;
  std::uint32_t first = 0;
  for (const auto& l : c.links) {
    const std::uint32_t s = invite_update_sequence(l);
    if (s == 0) return bad("a link has no sequence");
    if (s <= sequence) continue;
    if (after.empty()) first = s;
    after.push_back(l);
  }
  if (after.empty()) return std::vector<InviteUpdate>{};
  if (first != sequence + 1)
    return bad("the daemon no longer offers update " + std::to_string(sequence + 1) +
               ": ask the operator for a new invite");
  return walk(after, trusted, sequence + 1);
}

Result<std::vector<InviteUpdate>> verify_invite_chain(const InviteChain& c) {
  if (c.links.empty()) return std::vector<InviteUpdate>{};
  if (c.genesis) return follow_invite_chain(c, *c.genesis, c.from_sequence);
  // A chain that began as a bare update from before chains: the key that
  // signed its first link is not recorded, so that link is read for what it
  // names (clients check its signature) and anchors every link after it.
  auto payload = unverified_payload(c.links.front());
  if (!payload) return bad("not a signed update");
  auto first = parse_update(*payload, nullptr);
  if (!first) return first.error();
  if (first->sequence != c.from_sequence + 1) return bad("the chain's first link is out of order");
  auto rest = follow_invite_chain(c, first->daemon_sign, first->sequence);
  if (!rest) return rest.error();
  rest->insert(rest->begin(), std::move(*first));
  return rest;
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
