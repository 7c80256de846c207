#include "trust/trust_store.h"

#include "protocol/tls_pin.h"

#include <sys/stat.h>

#include <boost/json.hpp>

#include "protocol/file_io.h"
#include "protocol/key_file.h"
#include "protocol/timefmt.h"

namespace json = boost::json;

namespace cw {
namespace {

Error bad(const std::string& m) {
  return make_error(Errc::bad_config, "trust store: " + m);
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
template <class E>
json::array enums(const std::vector<E>& v) {
  json::array a;
  for (auto e : v) a.emplace_back(to_string(e));
  return a;
}

std::string get_str(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::int64_t get_time(const json::object& o, const char* key) {
  auto s = get_str(o, key);
  if (s.empty()) return 0;
  return parse_rfc3339(s).value_or(0);
}
// Numbers we write come back as uint64 or int64 depending on how Boost.JSON
// stored them; accept either, in range.
Result<std::uint32_t> get_u32(const json::object& o, const char* key, std::uint32_t def) {
  auto* v = o.if_contains(key);
  if (!v) return def;
  boost::system::error_code ec;
  auto n = v->to_number<std::uint32_t>(ec);
  if (ec) return bad(std::string(key) + " must be a non-negative integer");
  return n;
}
bool get_bool(const json::object& o, const char* key, bool def) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() ? v->as_bool() : def;
}
Result<std::vector<std::string>> get_regions(const json::object& o, const char* key) {
  std::vector<std::string> out;
  auto* v = o.if_contains(key);
  if (!v) return out;
  if (!v->is_array()) return bad(std::string(key) + " must be a list");
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) return bad(std::string(key) + " must be a list of strings");
    out.emplace_back(e.as_string());
  }
  return out;
}
template <class E, class F>
Result<std::vector<E>> get_enums(const json::object& o, const char* key, F parse) {
  auto names = get_regions(o, key);
  if (!names) return names.error();
  std::vector<E> out;
  for (const auto& n : *names) {
    auto e = parse(n);
    if (!e) return bad(std::string(key) + " holds an unknown value");
    out.push_back(*e);
  }
  return out;
}

}  // namespace

Result<TrustStore> TrustStore::load(const std::string& path) {
  auto content = read_file(path, 16 << 20);
  if (!content) return content.error();
  auto ts = from_json(as_chars(*content));
  wipe(content->data(), content->size());
  return ts;
}

Result<TrustStore> TrustStore::from_json(std::string_view text) {
  std::error_code ec;
  auto v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) return bad("not a JSON object");
  const auto& root = v.as_object();
  auto* ver = root.if_contains("version");
  if (!ver || !ver->is_int64() || ver->as_int64() != 1) return bad("unsupported version");
  TrustStore ts;
  if (auto* cs = root.if_contains("contacts"); cs && cs->is_array()) {
    for (const auto& cv : cs->as_array()) {
      if (!cv.is_object()) return bad("contact entry is not an object");
      const auto& c = cv.as_object();
      auto key = parse_public_key(get_str(c, "key"));
      if (!key || key->kind != KeyKind::sign) return bad("contact key is invalid");
      ContactEntry e{*key, get_str(c, "label"), {}, 60, false, 0, 0, std::nullopt};
      auto regions = get_regions(c, "regions");
      if (!regions) return regions.error();
      e.regions = std::move(*regions);
      auto rate = get_u32(c, "rate_per_hour", 60);
      if (!rate || *rate == 0) return bad("rate_per_hour must be a positive integer");
      e.rate_per_hour = *rate;
      e.revoked = get_str(c, "state") == "revoked";
      e.enrolled_at = get_time(c, "enrolled_at");
      e.revoked_at = get_time(c, "revoked_at");
      if (auto r = get_str(c, "replaces"); !r.empty()) {
        auto id = parse_key_id(r);
        if (!id) return bad("contact replaces an invalid key id");
        e.replaces = *id;
      }
      ts.contacts_.push_back(std::move(e));
    }
  }
  if (auto* os = root.if_contains("orgs"); os && os->is_array()) {
    for (const auto& ov : os->as_array()) {
      if (!ov.is_object()) return bad("organisation entry is not an object");
      const auto& o = ov.as_object();
      auto key = parse_public_key(get_str(o, "key"));
      if (!key || key->kind != KeyKind::sign) return bad("organisation key is invalid");
      OrgEntry e{*key, std::nullopt, get_str(o, "name"), false, 0, 0, {}};
      if (auto box = get_str(o, "box_key"); !box.empty()) {
        auto bk = parse_public_key(box);
        if (!bk || bk->kind != KeyKind::box) return bad("organisation box key is invalid");
        e.box_key = *bk;
      }
      e.revoked = get_str(o, "state") == "revoked";
      e.added_at = get_time(o, "added_at");
      e.revoked_at = get_time(o, "revoked_at");
      auto regions = get_regions(o, "regions");
      if (!regions) return regions.error();
      e.sub.regions = std::move(*regions);
      auto urg = get_enums<Urgency>(o, "urgencies", parse_urgency);
      if (!urg) return urg.error();
      e.sub.urgencies = std::move(*urg);
      auto kinds = get_enums<AlertKind>(o, "kinds", parse_alert_kind);
      if (!kinds) return kinds.error();
      e.sub.kinds = std::move(*kinds);
      e.sub.cleared_private = get_bool(o, "cleared_private", false);
      e.sub.escalation = get_bool(o, "escalation", false);
      e.sub.feed = get_bool(o, "feed", true);
      e.sub.webhook_url = get_str(o, "webhook_url");
      if (auto secret = get_str(o, "webhook_secret"); !secret.empty()) {
        auto s = parse_webhook_secret(secret);
        if (!s) return s.error();
        e.sub.webhook_secret = std::move(*s);
      }
      e.sub.webhook_pin = get_str(o, "webhook_pin");
      if (!e.sub.webhook_pin.empty() && !is_spki_pin(e.sub.webhook_pin))
        return bad("organisation webhook_pin must be sha256/ + base64 of 32 bytes");
      auto gen = get_u32(o, "webhook_generation", 0);
      if (!gen) return gen.error();
      e.sub.webhook_generation = *gen;
      auto fmt = get_str(o, "format");
      if (fmt == "cap")
        e.sub.format = NotificationFormat::cap;
      else if (fmt == "sealed")
        e.sub.format = NotificationFormat::sealed;
      else if (fmt.empty() || fmt == "json")
        e.sub.format = NotificationFormat::json;
      else
        return bad("organisation format must be json, cap or sealed");
      if (e.sub.format == NotificationFormat::sealed && !e.box_key)
        return bad("a sealed subscription needs the organisation's box key");
      ts.orgs_.push_back(std::move(e));
    }
  }
  return ts;
}

Status TrustStore::save(const std::string& path) const {
  json::object root;
  root["version"] = 1;
  json::array cs;
  for (const auto& c : contacts_) {
    json::object o;
    o["key"] = format_public_key(c.key);
    o["label"] = c.label;
    o["regions"] = strings(c.regions);
    o["rate_per_hour"] = c.rate_per_hour;
    o["state"] = c.revoked ? "revoked" : "active";
    o["enrolled_at"] = format_rfc3339(c.enrolled_at);
    if (c.revoked) o["revoked_at"] = format_rfc3339(c.revoked_at);
    if (c.replaces) o["replaces"] = key_id_hex(*c.replaces);
    cs.emplace_back(std::move(o));
  }
  root["contacts"] = std::move(cs);
  json::array os;
  for (const auto& g : orgs_) {
    json::object o;
    o["key"] = format_public_key(g.key);
    if (g.box_key) o["box_key"] = format_public_key(*g.box_key);
    o["name"] = g.name;
    o["state"] = g.revoked ? "revoked" : "active";
    o["added_at"] = format_rfc3339(g.added_at);
    if (g.revoked) o["revoked_at"] = format_rfc3339(g.revoked_at);
    o["regions"] = strings(g.sub.regions);
    o["urgencies"] = enums(g.sub.urgencies);
    o["kinds"] = enums(g.sub.kinds);
    o["cleared_private"] = g.sub.cleared_private;
    o["escalation"] = g.sub.escalation;
    o["feed"] = g.sub.feed;
    o["webhook_url"] = g.sub.webhook_url;
    if (!g.sub.webhook_secret.empty())
      o["webhook_secret"] = format_webhook_secret(g.sub.webhook_secret);
    if (!g.sub.webhook_pin.empty()) o["webhook_pin"] = g.sub.webhook_pin;
    o["format"] = g.sub.format == NotificationFormat::cap      ? "cap"
                  : g.sub.format == NotificationFormat::sealed ? "sealed"
                                                               : "json";
    o["webhook_generation"] = g.sub.webhook_generation;
    os.emplace_back(std::move(o));
  }
  root["orgs"] = std::move(os);
  std::string text = json::serialize(root);
  text += '\n';
  auto st = write_file_atomic(path, as_bytes(text), S_IRUSR | S_IWUSR, Overwrite::yes);
  wipe(text.data(), text.size());
  return st;
}

bool TrustStore::key_known(const KeyId& id) const {
  return find_contact(id) != nullptr || find_org(id) != nullptr;
}

Status TrustStore::enroll_contact(ContactEntry entry, std::int64_t now) {
  if (key_known(entry.key.id()))
    return make_error(Errc::already_exists,
                      "key " + key_id_hex(entry.key.id()) + " is already enrolled");
  if (entry.replaces) {
    const KeyId old = *entry.replaces;
    if (!find_contact(old))
      return make_error(Errc::not_found,
                        "no contact has key id " + key_id_hex(old) + " (--replaces)");
    // One successor per key: two keys that could both follow up the same
    // cases would let a second, possibly hostile, phone take them over.
    for (const auto& c : contacts_)
      if (c.replaces && *c.replaces == old)
        return make_error(
            Errc::already_exists,
            "key " + key_id_hex(old) + " was already replaced by " + key_id_hex(c.key.id()));
    CW_TRY(revoke(old, now));
  }
  contacts_.push_back(std::move(entry));
  return Status::Ok();
}

Status TrustStore::add_org(OrgEntry entry) {
  if (key_known(entry.key.id()))
    return make_error(Errc::already_exists,
                      "key " + key_id_hex(entry.key.id()) + " is already enrolled");
  orgs_.push_back(std::move(entry));
  return Status::Ok();
}

Status TrustStore::revoke(const KeyId& id, std::int64_t now) {
  // Every entry with this key (a hand-edited file could hold it twice).
  bool found = false;
  auto mark = [&](auto& e) {
    if (e.key.id() != id) return;
    if (!e.revoked) e.revoked_at = now;
    e.revoked = true;
    found = true;
  };
  for (auto& c : contacts_) mark(c);
  for (auto& o : orgs_) mark(o);
  if (found) return Status::Ok();
  return make_error(Errc::not_found, "no contact or organisation has key id " + key_id_hex(id));
}

const ContactEntry* TrustStore::find_contact(const KeyId& id) const {
  for (const auto& c : contacts_)
    if (c.key.id() == id) return &c;
  return nullptr;
}
const OrgEntry* TrustStore::find_org(const KeyId& id) const {
  for (const auto& o : orgs_)
    if (o.key.id() == id) return &o;
  return nullptr;
}
OrgEntry* TrustStore::find_org_mutable(const KeyId& id) {
  for (auto& o : orgs_)
    if (o.key.id() == id) return &o;
  return nullptr;
}

}  // namespace cw
