#include "protocol/gazetteer.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <mutex>

#include "protocol/signed_payload.h"

namespace json = boost::json;

namespace cw {

extern const char* const kGazetteerDefaultJson;  // generated from gazetteer_default.json

namespace {

constexpr std::size_t kMaxPlaces = 5000;
constexpr std::size_t kMaxName = 120;

Error bad(const std::string& why) {
  return make_error(Errc::bad_config, "gazetteer: " + why);
}

bool upper_alnum(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// "CN-JL": two letters, a dash, 1-3 letters or digits (ISO 3166-2).
bool region_code(std::string_view c) {
  const auto dash = c.find('-');
  return dash == 2 && c.size() >= 4 && c.size() <= 6 && upper_alnum(c.substr(0, 2)) &&
         upper_alnum(c.substr(3)) && c.find('-', 3) == std::string_view::npos;
}

// The region prefix of a division or facility code: "CN-JL" of "CN-JL-222402".
std::string_view region_prefix(std::string_view c) {
  const auto second = c.find('-', 3);
  return second == std::string_view::npos ? c : c.substr(0, second);
}

bool suffix_ok(std::string_view c, PlaceKind kind) {
  const auto second = c.find('-', 3);
  if (second == std::string_view::npos) return false;
  const auto tail = c.substr(second + 1);
  if (kind == PlaceKind::facility)
    return tail.size() >= 3 && tail.size() <= 4 && tail[0] == 'F' &&
           std::all_of(tail.begin() + 1, tail.end(),
                       [](char ch) { return ch >= '0' && ch <= '9'; });
  return tail.size() <= 8 && upper_alnum(tail) && tail[0] != 'F';
}

bool name_ok(std::string_view n) {
  return !n.empty() && n.size() <= kMaxName && std::none_of(n.begin(), n.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::mutex g_mu;
std::shared_ptr<const Gazetteer> g_active;  // null: the built-in one

}  // namespace

std::string_view to_string(PlaceKind k) {
  switch (k) {
    case PlaceKind::region:
      return "region";
    case PlaceKind::division:
      return "division";
    case PlaceKind::facility:
      return "facility";
  }
  return "region";
}

const std::string& PlaceNames::in(std::string_view lang) const {
  if (lang == "zh" && !zh.empty()) return zh;
  if (lang == "ko" && !ko.empty()) return ko;
  return en;
}

Result<Gazetteer> Gazetteer::from_json(std::string_view text) {
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 5;
  auto v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
  if (ec || !v.is_object()) return bad("not a JSON object");
  const auto& o = v.as_object();
  auto* marker = o.if_contains("casewire_gazetteer");
  auto* version = o.if_contains("version");
  auto* places = o.if_contains("places");
  if (!marker || !marker->is_int64() || marker->as_int64() != 1)
    return bad("not a version 1 casewire gazetteer (\"casewire_gazetteer\": 1)");
  if (!version || !version->is_int64() || version->as_int64() < 1 ||
      version->as_int64() > 0xffffffffLL)
    return bad("\"version\" must be a positive integer (raise it with every change)");
  if (!places || !places->is_array() || places->as_array().empty())
    return bad("\"places\" must be a non-empty list");
  if (places->as_array().size() > kMaxPlaces) return bad("more than 5000 places");
  Gazetteer g;
  g.version_ = static_cast<std::uint32_t>(version->as_int64());
  std::map<std::string, std::size_t, std::less<>> index;
  for (const auto& pv : places->as_array()) {
    if (!pv.is_object()) return bad("every place must be an object");
    const auto& p = pv.as_object();
    for (const auto& kv : p)
      if (kv.key() != "code" && kv.key() != "kind" && kv.key() != "parent" && kv.key() != "names")
        return bad("unknown field '" + std::string(kv.key()) + "' in a place");
    auto* code = p.if_contains("code");
    if (!code || !code->is_string()) return bad("a place without a \"code\"");
    GazetteerEntry e;
    e.code = std::string(code->as_string());
    if (e.code.size() > 20) return bad("code too long: " + e.code.substr(0, 20));
    const std::string at = "place " + e.code + ": ";
    auto* kind = p.if_contains("kind");
    const std::string_view k = kind && kind->is_string() ? std::string_view(kind->as_string()) : "";
    if (k == "region")
      e.kind = PlaceKind::region;
    else if (k == "division")
      e.kind = PlaceKind::division;
    else if (k == "facility")
      e.kind = PlaceKind::facility;
    else
      return bad(at + "\"kind\" must be region, division or facility");
    if (index.count(e.code)) return bad(at + "the code is listed twice");
    auto* parent = p.if_contains("parent");
    if (e.kind == PlaceKind::region) {
      if (!region_code(e.code)) return bad(at + "a region code is like CN-JL (ISO 3166-2)");
      if (parent) return bad(at + "a region has no parent");
      e.region = e.code;
    } else {
      if (!suffix_ok(e.code, e.kind))
        return bad(at + (e.kind == PlaceKind::facility
                             ? "a facility code is REGION-Fnn, like CN-JL-F01"
                             : "a division code is REGION-CODE, like CN-JL-222402"));
      if (!parent || !parent->is_string()) return bad(at + "\"parent\" is required");
      e.parent = std::string(parent->as_string());
      auto it = index.find(e.parent);
      if (it == index.end())
        return bad(at + "its parent " + e.parent + " must be listed before it");
      const auto& pe = g.entries_[it->second];
      if (pe.kind == PlaceKind::facility) return bad(at + "a facility cannot be a parent");
      if (region_prefix(e.code) != pe.region)
        return bad(at + "its code must start with its region " + pe.region);
      e.region = pe.region;
    }
    auto* names = p.if_contains("names");
    if (!names || !names->is_object()) return bad(at + "\"names\" is required");
    for (const auto& kv : names->as_object()) {
      if (!kv.value().is_string()) return bad(at + "names must be strings");
      const std::string_view n = kv.value().as_string();
      if (!name_ok(n)) return bad(at + "a name must be 1 to 120 bytes without control characters");
      if (kv.key() == "en")
        e.names.en = std::string(n);
      else if (kv.key() == "zh")
        e.names.zh = std::string(n);
      else if (kv.key() == "ko")
        e.names.ko = std::string(n);
      else
        return bad(at + "names are en, zh and ko");
    }
    if (e.names.en.empty()) return bad(at + "an English name (\"en\") is required");
    index.emplace(e.code, g.entries_.size());
    g.entries_.push_back(std::move(e));
  }
  return g;
}

const Gazetteer& Gazetteer::builtin() {
  static const Gazetteer g = [] {
    auto parsed = from_json(kGazetteerDefaultJson);
    // The default is checked by its unit test; a broken one is a build error
    // in spirit, so fail loudly rather than run with no places.
    if (!parsed) std::abort();
    return std::move(*parsed);
  }();
  return g;
}

std::string_view Gazetteer::default_text() {
  return kGazetteerDefaultJson;
}

std::string Gazetteer::to_json() const {
  json::object o;
  o["casewire_gazetteer"] = 1;
  o["version"] = version_;
  json::array places;
  for (const auto& e : entries_) {
    json::object p;
    p["code"] = e.code;
    p["kind"] = to_string(e.kind);
    if (e.kind != PlaceKind::region) p["parent"] = e.parent;
    json::object names;
    names["en"] = e.names.en;
    if (!e.names.zh.empty()) names["zh"] = e.names.zh;
    if (!e.names.ko.empty()) names["ko"] = e.names.ko;
    p["names"] = std::move(names);
    places.emplace_back(std::move(p));
  }
  o["places"] = std::move(places);
  return json::serialize(o);
}

const GazetteerEntry* Gazetteer::find(std::string_view code) const {
  for (const auto& e : entries_)
    if (e.code == code) return &e;
  return nullptr;
}

std::vector<const GazetteerEntry*> Gazetteer::search(std::string_view text) const {
  std::vector<const GazetteerEntry*> out;
  const std::string needle = lower_ascii(text);
  if (needle.empty()) return out;
  for (const auto& e : entries_) {
    for (const std::string* s : {&e.code, &e.names.en, &e.names.zh, &e.names.ko})
      if (lower_ascii(*s).find(needle) != std::string::npos) {
        out.push_back(&e);
        break;
      }
  }
  std::stable_sort(out.begin(), out.end(), [](const GazetteerEntry* a, const GazetteerEntry* b) {
    return static_cast<int>(a->kind) < static_cast<int>(b->kind);
  });
  return out;
}

std::string Gazetteer::sign(const SigningKey& daemon) const {
  return sign_payload(daemon, kGazetteerDomain, to_json());
}

Result<Gazetteer> Gazetteer::open_signed(std::string_view signed_json, const PublicKey& daemon) {
  auto payload = open_payload(signed_json, kGazetteerDomain, daemon);
  if (!payload)
    return make_error(Errc::bad_signature, "the gazetteer is not signed by this daemon");
  return from_json(*payload);
}

std::shared_ptr<const Gazetteer> active_gazetteer() {
  std::lock_guard lock(g_mu);
  if (g_active) return g_active;
  // The built-in one lives for the whole program: a non-owning pointer.
  return std::shared_ptr<const Gazetteer>(&Gazetteer::builtin(), [](const Gazetteer*) {});
}

void set_active_gazetteer(std::shared_ptr<const Gazetteer> g) {
  std::lock_guard lock(g_mu);
  g_active = std::move(g);
}

std::optional<GazetteerEntry> find_place(std::string_view code) {
  const auto g = active_gazetteer();
  const auto* e = g->find(code);
  return e ? std::optional<GazetteerEntry>(*e) : std::nullopt;
}

}  // namespace cw
