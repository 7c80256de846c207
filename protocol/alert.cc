#include "protocol/alert.h"

#include <sodium.h>

#include <array>
#include <boost/json.hpp>

#include "protocol/gazetteer.h"
#include "protocol/secret.h"
#include "protocol/timefmt.h"
#include "protocol/wiping_json.h"

namespace json = boost::json;

namespace cw {
namespace {

using C = Classification;

constexpr std::array kFields = {
    FieldSpec{"kind", C::public_, "new_case | update | resolved | retraction"},
    FieldSpec{"case_ref", C::restricted,
              "id of the new_case alert a follow-up belongs to (32 hex)"},
    FieldSpec{"status", C::public_, "detained | transferred | released | returned"},
    FieldSpec{"people.count", C::generalised, "people arrested together, 1..500"},
    FieldSpec{"people.children", C::generalised, "of whom children"},
    FieldSpec{"people.elderly", C::generalised, "of whom elderly"},
    FieldSpec{"people.sick", C::generalised, "of whom sick or injured"},
    FieldSpec{"arrest_place.code", C::generalised, "gazetteer code where they were arrested"},
    FieldSpec{"arrest_place.detail", C::restricted, "free text: exact place"},
    FieldSpec{"held_place.code", C::generalised, "gazetteer code where they are held"},
    FieldSpec{"held_place.detail", C::restricted, "free text: exact place"},
    FieldSpec{"arrested_at", C::generalised, "RFC 3339 UTC time of arrest"},
    FieldSpec{"expected_transfer", C::generalised, "RFC 3339 UTC time a transfer is expected"},
    FieldSpec{"urgency", C::public_, "immediate | high | normal"},
    FieldSpec{"consent", C::public_, "private (cleared organisations only) | advocacy"},
    FieldSpec{"names", C::restricted, "names of the people arrested"},
    FieldSpec{"contact_details", C::restricted, "how to reach the family"},
    FieldSpec{"notes", C::restricted, "free text"},
};

constexpr std::uint32_t kMaxPeople = 500;
constexpr std::size_t kMaxNames = 20;
constexpr std::size_t kMaxNameBytes = 128;
constexpr std::size_t kMaxDetailBytes = 200;
constexpr std::size_t kMaxContactBytes = 256;
constexpr std::size_t kMaxNotesBytes = 2000;
// An arrest time may lie at most this far ahead of the daemon's clock
// (clock skew between a phone and the server).
constexpr std::int64_t kFutureSkew = std::int64_t{15} * 60;

Error malformed(std::string what) {
  return make_error(Errc::malformed_alert, std::move(what));
}
Error invalid(std::string what) {
  return make_error(Errc::invalid_alert, std::move(what));
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, E v) {
  return names[static_cast<std::size_t>(v)];
}
template <class E, std::size_t N>
std::optional<E> parse_of(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

constexpr std::array<std::string_view, 4> kKinds = {"new_case", "update", "resolved", "retraction"};
constexpr std::array<std::string_view, 4> kStatuses = {"detained", "transferred", "released",
                                                       "returned"};
constexpr std::array<std::string_view, 3> kUrgencies = {"immediate", "high", "normal"};
constexpr std::array<std::string_view, 2> kConsents = {"private", "advocacy"};

// Reads one object's members with type checks; collects unknown keys as errors.
class ObjectReader {
 public:
  ObjectReader(const json::object& o, std::string prefix) : o_(o), prefix_(std::move(prefix)) {}

  const json::value* find(std::string_view key) {
    seen_++;
    auto it = o_.find(key);
    if (it == o_.end()) {
      seen_--;
      return nullptr;
    }
    return &it->value();
  }
  std::string path(std::string_view key) const { return prefix_ + std::string(key); }
  // After reading every known key, anything left over is unknown.
  Status no_unknown_keys() const {
    if (static_cast<std::size_t>(seen_) != o_.size())
      return malformed(prefix_.empty() ? "alert has an unknown field"
                                       : "'" + prefix_.substr(0, prefix_.size() - 1) +
                                             "' has an unknown field");
    return Status::Ok();
  }

  Result<std::optional<std::string>> str(std::string_view key) {
    auto* v = find(key);
    if (!v) return std::optional<std::string>();
    if (!v->is_string()) return malformed("'" + path(key) + "' must be a string");
    return std::optional<std::string>(std::string(v->as_string()));
  }
  Result<std::optional<std::uint32_t>> count(std::string_view key) {
    auto* v = find(key);
    if (!v) return std::optional<std::uint32_t>();
    std::int64_t n;
    if (v->is_int64())
      n = v->as_int64();
    else if (v->is_uint64() && v->as_uint64() <= 1000000)
      n = static_cast<std::int64_t>(v->as_uint64());
    else
      return malformed("'" + path(key) + "' must be a whole number");
    if (n < 0 || n > kMaxPeople)
      return invalid("'" + path(key) + "' must be between 0 and " + std::to_string(kMaxPeople));
    return std::optional<std::uint32_t>(static_cast<std::uint32_t>(n));
  }

 private:
  const json::object& o_;
  std::string prefix_;
  int seen_ = 0;
};

template <class E, std::size_t N>
Result<std::optional<E>> enum_field(ObjectReader& r, std::string_view key,
                                    const std::array<std::string_view, N>& names) {
  auto s = r.str(key);
  if (!s) return s.error();
  if (!s.value()) return std::optional<E>();
  auto e = parse_of<E>(names, **s);
  if (!e) {
    std::string allowed;
    for (auto n : names) allowed += (allowed.empty() ? "" : " | ") + std::string(n);
    return invalid("'" + r.path(key) + "' must be one of: " + allowed);
  }
  return std::optional<E>(*e);
}

Result<std::optional<std::int64_t>> time_field(ObjectReader& r, std::string_view key) {
  auto s = r.str(key);
  if (!s) return s.error();
  if (!s.value()) return std::optional<std::int64_t>();
  auto t = parse_rfc3339(**s);
  if (!t)
    return invalid("'" + r.path(key) + "' must be an RFC 3339 UTC time like 2026-11-28T14:05:00Z");
  return std::optional<std::int64_t>(*t);
}

Result<std::optional<Place>> place_field(ObjectReader& parent, std::string_view key) {
  auto* v = parent.find(key);
  if (!v) return std::optional<Place>();
  if (!v->is_object()) return malformed("'" + std::string(key) + "' must be an object");
  ObjectReader r(v->as_object(), std::string(key) + ".");
  Place p;
  // A place refused half way (an unknown key) is wiped, not just freed: its
  // detail is an exact address.
  struct WipeUnlessKept {
    Place& p;
    bool kept = false;
    ~WipeUnlessKept() {
      if (!kept) wipe(p.detail.data(), p.detail.size());
    }
  } guard{p};
  auto code = r.str("code");
  if (!code) return code.error();
  if (!code.value()) return invalid("'" + r.path("code") + "' is required");
  p.code = std::move(**code);
  auto detail = r.str("detail");
  if (!detail) return detail.error();
  if (detail.value()) p.detail = std::move(**detail);
  CW_TRY(r.no_unknown_keys());
  guard.kept = true;
  return std::optional<Place>(std::move(p));
}

Result<Alert> alert_from_json(const json::value& root) {
  if (!root.is_object()) return malformed("an alert must be a JSON object");
  ObjectReader r(root.as_object(), "");
  Alert a;
  // Every refusal below drops what was read so far: its names and notes
  // are wiped first, not left in freed memory (PROTOCOL §2).
  struct WipeUnlessKept {
    Alert& a;
    bool kept = false;
    ~WipeUnlessKept() {
      if (!kept) wipe_alert(a);
    }
  } guard{a};

  auto kind = enum_field<AlertKind>(r, "kind", kKinds);
  if (!kind) return kind.error();
  if (!kind.value()) return invalid("'kind' is required");
  a.kind = **kind;

  auto case_ref = r.str("case_ref");
  if (!case_ref) return case_ref.error();
  if (case_ref.value()) {
    auto id = parse_alert_id(**case_ref);
    wipe_string(**case_ref);  // restricted: the hex copy goes too
    if (!id) return invalid("'case_ref' must be 32 lower-case hex digits");
    a.case_ref = *id;
  }
  auto status = enum_field<CaseStatus>(r, "status", kStatuses);
  if (!status) return status.error();
  a.status = *status;

  if (auto* pv = r.find("people")) {
    if (!pv->is_object()) return malformed("'people' must be an object");
    ObjectReader pr(pv->as_object(), "people.");
    People p;
    auto count = pr.count("count");
    if (!count) return count.error();
    if (!count.value()) return invalid("'people.count' is required");
    p.count = **count;
    for (auto [key, dest] : {std::pair{"children", &p.children}, std::pair{"elderly", &p.elderly},
                             std::pair{"sick", &p.sick}}) {
      auto n = pr.count(key);
      if (!n) return n.error();
      *dest = n.value().value_or(0);
    }
    CW_TRY(pr.no_unknown_keys());
    a.people = p;
  }
  auto arrest = place_field(r, "arrest_place");
  if (!arrest) return arrest.error();
  a.arrest_place = std::move(*arrest);
  auto held = place_field(r, "held_place");
  if (!held) return held.error();
  a.held_place = std::move(*held);

  auto arrested_at = time_field(r, "arrested_at");
  if (!arrested_at) return arrested_at.error();
  a.arrested_at = *arrested_at;
  auto transfer = time_field(r, "expected_transfer");
  if (!transfer) return transfer.error();
  a.expected_transfer = *transfer;

  auto urgency = enum_field<Urgency>(r, "urgency", kUrgencies);
  if (!urgency) return urgency.error();
  a.urgency = *urgency;
  auto consent = enum_field<Consent>(r, "consent", kConsents);
  if (!consent) return consent.error();
  a.consent = *consent;

  if (auto* nv = r.find("names")) {
    if (!nv->is_array()) return malformed("'names' must be an array of strings");
    // Counted first and reserved: a growing vector would free the old block
    // with the (short, inline) names still in it.
    if (nv->as_array().size() > kMaxNames)
      return invalid("'names' holds more than " + std::to_string(kMaxNames) + " entries");
    a.names.reserve(nv->as_array().size());
    for (const auto& n : nv->as_array()) {
      if (!n.is_string()) return malformed("'names' must be an array of strings");
      a.names.emplace_back(n.as_string());
    }
  }
  auto contact = r.str("contact_details");
  if (!contact) return contact.error();
  if (contact.value()) a.contact_details = std::move(**contact);
  auto notes = r.str("notes");
  if (!notes) return notes.error();
  if (notes.value()) a.notes = std::move(**notes);

  CW_TRY(r.no_unknown_keys());
  guard.kept = true;
  return a;
}

// Free text may hold line breaks and tabs (notes) but no other control
// characters: they have no place in a report and hide content from reviewers.
Status check_text(const std::string& s, std::string_view field, std::size_t max_bytes,
                  bool multiline) {
  if (s.size() > max_bytes)
    return invalid("'" + std::string(field) + "' is longer than " + std::to_string(max_bytes) +
                   " bytes");
  for (unsigned char c : s) {
    if (c < 0x20 && !(multiline && (c == '\n' || c == '\t')))
      return invalid("'" + std::string(field) + "' contains a control character");
    if (c == 0x7f) return invalid("'" + std::string(field) + "' contains a control character");
  }
  return Status::Ok();
}

Status check_place(const Place& p, std::string_view field) {
  if (!find_place(p.code))
    return invalid("'" + std::string(field) + ".code' is not a gazetteer code");
  return check_text(p.detail, std::string(field) + ".detail", kMaxDetailBytes, false);
}

json::object place_json(const Place& p) {
  json::object o(wiping_storage());
  o["code"] = p.code;
  if (!p.detail.empty()) o["detail"] = p.detail;
  return o;
}

}  // namespace

AlertId random_alert_id() {
  init_crypto();
  AlertId id{};
  randombytes_buf(id.data(), id.size());
  return id;
}

std::optional<AlertId> parse_alert_id(std::string_view hex32) {
  if (hex32.size() != 32) return std::nullopt;
  for (char c : hex32)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  auto b = from_hex(hex32);
  if (!b) return std::nullopt;
  AlertId id{};
  std::copy(b->begin(), b->end(), id.begin());
  wipe(b->data(), b->size());  // a case reference is restricted (PROTOCOL §2)
  return id;
}

std::string_view to_string(AlertKind v) {
  return name_of(kKinds, v);
}
std::string_view to_string(CaseStatus v) {
  return name_of(kStatuses, v);
}
std::string_view to_string(Urgency v) {
  return name_of(kUrgencies, v);
}
std::string_view to_string(Consent v) {
  return name_of(kConsents, v);
}
std::optional<AlertKind> parse_alert_kind(std::string_view s) {
  return parse_of<AlertKind>(kKinds, s);
}
std::optional<CaseStatus> parse_case_status(std::string_view s) {
  return parse_of<CaseStatus>(kStatuses, s);
}
std::optional<Urgency> parse_urgency(std::string_view s) {
  return parse_of<Urgency>(kUrgencies, s);
}
std::optional<Consent> parse_consent(std::string_view s) {
  return parse_of<Consent>(kConsents, s);
}

std::string_view to_string(Classification c) {
  switch (c) {
    case Classification::public_:
      return "public";
    case Classification::generalised:
      return "generalised";
    case Classification::restricted:
      return "restricted";
  }
  return "restricted";
}

std::span<const FieldSpec> alert_fields() {
  return kFields;
}

Status validate_alert(const Alert& a, std::int64_t now) {
  const bool is_new = a.kind == AlertKind::new_case;
  if (is_new) {
    if (a.case_ref) return invalid("'case_ref' must not be set on a new_case alert");
    if (!a.people) return invalid("'people' is required for a new_case alert");
    if (!a.arrest_place) return invalid("'arrest_place' is required for a new_case alert");
    if (!a.arrested_at) return invalid("'arrested_at' is required for a new_case alert");
    if (!a.urgency) return invalid("'urgency' is required for a new_case alert");
    if (!a.consent) return invalid("'consent' is required for a new_case alert");
  } else {
    if (!a.case_ref) return invalid("'case_ref' is required for a follow-up alert");
    if (a.kind == AlertKind::update && !a.status)
      return invalid("'status' is required for an update");
  }
  if (a.people) {
    const auto& p = *a.people;
    if (p.count < 1) return invalid("'people.count' must be at least 1");
    if (p.children > p.count || p.elderly > p.count || p.sick > p.count)
      return invalid("'people' sub-counts cannot exceed 'people.count'");
  }
  if (a.arrest_place) CW_TRY(check_place(*a.arrest_place, "arrest_place"));
  if (a.held_place) CW_TRY(check_place(*a.held_place, "held_place"));
  if (a.arrested_at && *a.arrested_at > now + kFutureSkew)
    return invalid("'arrested_at' lies in the future");
  if (a.names.size() > kMaxNames)
    return invalid("'names' holds more than " + std::to_string(kMaxNames) + " entries");
  for (const auto& n : a.names) {
    if (n.empty()) return invalid("'names' holds an empty entry");
    CW_TRY(check_text(n, "names", kMaxNameBytes, false));
  }
  CW_TRY(check_text(a.contact_details, "contact_details", kMaxContactBytes, false));
  CW_TRY(check_text(a.notes, "notes", kMaxNotesBytes, true));
  std::string canonical = canonical_alert(a);
  const std::size_t canonical_size = canonical.size();
  wipe_string(canonical);
  if (canonical_size > kMaxAlertBytes)
    return make_error(Errc::alert_too_large, "the alert is larger than " +
                                                 std::to_string(kMaxAlertBytes) +
                                                 " bytes; shorten the notes or names");
  return Status::Ok();
}

std::string canonical_alert(const Alert& a) {
  // boost::json::object keeps insertion order, so this order is the encoding.
  // Everything in wiping storage: this object holds names and notes.
  json::object o(wiping_storage());
  o["kind"] = to_string(a.kind);
  if (a.case_ref) {
    std::string hex = to_hex(*a.case_ref);
    o["case_ref"] = hex;
    wipe_string(hex);
  }
  if (a.status) o["status"] = to_string(*a.status);
  if (a.people) {
    json::object p(wiping_storage());
    p["count"] = a.people->count;
    p["children"] = a.people->children;
    p["elderly"] = a.people->elderly;
    p["sick"] = a.people->sick;
    o["people"] = std::move(p);
  }
  if (a.arrest_place) o["arrest_place"] = place_json(*a.arrest_place);
  if (a.held_place) o["held_place"] = place_json(*a.held_place);
  if (a.arrested_at) o["arrested_at"] = format_rfc3339(*a.arrested_at);
  if (a.expected_transfer) o["expected_transfer"] = format_rfc3339(*a.expected_transfer);
  if (a.urgency) o["urgency"] = to_string(*a.urgency);
  if (a.consent) o["consent"] = to_string(*a.consent);
  if (!a.names.empty()) {
    json::array names(wiping_storage());
    for (const auto& n : a.names) names.emplace_back(n);
    o["names"] = std::move(names);
  }
  if (!a.contact_details.empty()) o["contact_details"] = a.contact_details;
  if (!a.notes.empty()) o["notes"] = a.notes;
  const json::value v(std::move(o));
  return serialize_wiping(v, 2 * kMaxAlertBytes);
}

Result<Alert> parse_alert_json(std::string_view text, std::int64_t now) {
  if (text.size() > 4 * kMaxAlertBytes)
    return make_error(Errc::alert_too_large, "alert file is too large");
  json::parse_options opts;
  opts.max_depth = 4;
  std::error_code ec;
  json::value v = parse_json_wiping(text, ec, opts);
  if (ec) return malformed("alert is not valid JSON");
  auto a = alert_from_json(v);
  if (!a) return a;
  if (auto st = validate_alert(*a, now); !st.ok()) {
    wipe_alert(*a);  // refused: its words go no further, not even to the allocator
    return st.error();
  }
  return a;
}

void wipe_alert(Alert& a) {
  auto w = [](std::string& s) { wipe(s.data(), s.size()); };
  for (auto& n : a.names) w(n);
  w(a.contact_details);
  w(a.notes);
  if (a.arrest_place) w(a.arrest_place->detail);
  if (a.held_place) w(a.held_place->detail);
  // The case reference is restricted too (PROTOCOL §2): it joins the
  // reporter's alerts into one case.
  if (a.case_ref) wipe(a.case_ref->data(), a.case_ref->size());
}

Result<Alert> parse_canonical_alert(ByteView bytes, std::int64_t now) {
  if (bytes.size() > kMaxAlertBytes) return make_error(Errc::alert_too_large, "alert is too large");
  auto a = parse_alert_json(as_chars(bytes), now);
  if (!a) return a;
  std::string canonical = canonical_alert(*a);
  const bool same = canonical == as_chars(bytes);
  wipe_string(canonical);
  if (!same) {
    wipe_alert(*a);
    return malformed("alert is not in canonical encoding");
  }
  return a;
}

}  // namespace cw
