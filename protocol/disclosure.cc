#include "protocol/disclosure.h"

#include <boost/json.hpp>
#include <ostream>

#include "protocol/bytes.h"
#include "protocol/sealed_line.h"
#include "protocol/secret.h"
#include "protocol/wiping_json.h"

namespace json = boost::json;

namespace cw {
namespace {

constexpr std::string_view kPrefix = "cwdisclosure1";
// Far above any case (each record is at most one alert's text), far below
// what would make a hostile file expensive to open.
constexpr std::size_t kMaxSealed = 4 * 1024 * 1024;

Error bad(const char* why) {
  return make_error(Errc::bad_key_file, why);
}

// What the daemon signs: domain || 0x00 || payload (as signed_payload.h).
SecretBytes signed_message(std::string_view payload) {
  SecretBytes m(kDisclosureDomain.size() + 1 + payload.size());
  std::copy(kDisclosureDomain.begin(), kDisclosureDomain.end(), m.data());
  m.data()[kDisclosureDomain.size()] = 0;
  std::copy(payload.begin(), payload.end(), m.data() + kDisclosureDomain.size() + 1);
  return m;
}

std::string payload_json(const Disclosure& d) {
  json::object o(wiping_storage());
  o["v"] = 1;
  o["case"] = d.case_id;
  o["org"] = key_id_hex(d.org);
  o["issued_at"] = d.issued_at;
  json::array records(wiping_storage());
  for (const auto& r : d.records) {
    json::object e(wiping_storage());
    e["kind"] = r.kind;
    e["sent_at"] = r.sent_at;
    json::array names(wiping_storage());
    for (const auto& n : r.names) names.emplace_back(n);
    e["names"] = std::move(names);
    e["contact_details"] = r.contact_details;
    e["notes"] = r.notes;
    e["arrest_place_detail"] = r.arrest_place_detail;
    e["held_place_detail"] = r.held_place_detail;
    records.emplace_back(std::move(e));
  }
  o["records"] = std::move(records);
  return serialize_wiping(json::value(std::move(o)), 16 * 1024);
}

const json::string* str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? &v->as_string() : nullptr;
}

Result<Disclosure> parse_payload(std::string_view text) {
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 5;
  auto v = parse_json_wiping(text, ec, opts);
  if (ec || !v.is_object()) return bad("the disclosure's contents are damaged");
  const auto& o = v.as_object();
  Disclosure d;
  auto* version = o.if_contains("v");
  auto* c = str(o, "case");
  auto* org = str(o, "org");
  auto* at = o.if_contains("issued_at");
  auto* records = o.if_contains("records");
  if (!version || !version->is_int64() || version->as_int64() != 1 || !c || !org || !at ||
      !at->is_int64() || !records || !records->is_array())
    return bad("the disclosure's contents are damaged");
  auto org_id = parse_key_id(std::string_view(*org));
  if (!org_id) return bad("the disclosure's contents are damaged");
  d.case_id = std::string(*c);
  d.org = *org_id;
  d.issued_at = at->as_int64();
  for (const auto& rv : records->as_array()) {
    if (!rv.is_object()) return bad("the disclosure's contents are damaged");
    const auto& r = rv.as_object();
    DisclosedRecord rec;
    auto* kind = str(r, "kind");
    auto* sent = r.if_contains("sent_at");
    auto* names = r.if_contains("names");
    if (!kind || !sent || !sent->is_int64() || !names || !names->is_array())
      return bad("the disclosure's contents are damaged");
    rec.kind = std::string(*kind);
    rec.sent_at = sent->as_int64();
    for (const auto& n : names->as_array()) {
      if (!n.is_string()) return bad("the disclosure's contents are damaged");
      rec.names.emplace_back(n.as_string());
    }
    for (auto [key, field] :
         {std::pair{"contact_details", &rec.contact_details}, std::pair{"notes", &rec.notes},
          std::pair{"arrest_place_detail", &rec.arrest_place_detail},
          std::pair{"held_place_detail", &rec.held_place_detail}}) {
      auto* s = str(r, key);
      if (!s) return bad("the disclosure's contents are damaged");
      *field = std::string(*s);
    }
    d.records.push_back(std::move(rec));
  }
  return d;
}

}  // namespace

void print_disclosed_record(const DisclosedRecord& r, std::ostream& out) {
  std::string names;
  for (const auto& n : r.names) names += (names.empty() ? "" : ", ") + n;
  if (!names.empty()) out << "   names: " << names << "\n";
  wipe_string(names);
  if (!r.contact_details.empty()) out << "   contact details: " << r.contact_details << "\n";
  if (!r.arrest_place_detail.empty())
    out << "   where arrested (detail): " << r.arrest_place_detail << "\n";
  if (!r.held_place_detail.empty())
    out << "   where held (detail): " << r.held_place_detail << "\n";
  if (!r.notes.empty()) out << "   notes: " << r.notes << "\n";
}

DisclosedRecord::~DisclosedRecord() {
  for (auto& n : names) wipe_string(n);
  wipe_string(contact_details);
  wipe_string(notes);
  wipe_string(arrest_place_detail);
  wipe_string(held_place_detail);
}

std::string seal_disclosure(const Disclosure& d, const SigningKey& daemon,
                            const PublicKey& org_box) {
  std::string payload = payload_json(d);
  const SecretBytes message = signed_message(payload);
  const auto signature = daemon.sign(message.view());
  json::object outer(wiping_storage());
  outer["payload"] = payload;
  outer["signature"] = to_base64(signature);
  outer["key_id"] = key_id_hex(daemon.id());
  std::string signed_json =
      serialize_wiping(json::value(std::move(outer)), 2 * payload.size() + 256);
  wipe_string(payload);
  std::string out = "# casewire: the sealed details of case " + d.case_id +
                    ", disclosed to organisation " + key_id_hex(d.org) +
                    ".\n# Only that organisation's key opens it: casewire open-disclosure "
                    "THIS_FILE\n";
  out += seal_line(kPrefix, as_bytes(signed_json), org_box);
  wipe_string(signed_json);
  return out;
}

Result<Disclosure> open_disclosure(std::string_view text, const Identity& org,
                                   const PublicKey& daemon) {
  auto plain = open_line(text, kPrefix, "disclosure", org, 1, kMaxSealed);
  if (!plain) return plain.error();
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 2;
  auto outer = parse_json_wiping(as_chars(plain->view()), ec, opts);
  if (ec || !outer.is_object()) return bad("the disclosure is damaged");
  auto* payload = str(outer.as_object(), "payload");
  auto* signature = str(outer.as_object(), "signature");
  auto* key_id = str(outer.as_object(), "key_id");
  if (!payload || !signature || !key_id) return bad("the disclosure is damaged");
  auto sig = from_base64(std::string_view(*signature));
  const SecretBytes message = signed_message(std::string_view(*payload));
  if (std::string_view(*key_id) != key_id_hex(daemon.id()) || !sig ||
      !verify_signature(daemon, message.view(), *sig))
    return make_error(Errc::bad_signature, "the disclosure is not signed by this daemon");
  auto d = parse_payload(std::string_view(*payload));
  if (!d) return d.error();
  if (d->org != org.sign.id()) return bad("this disclosure is for another organisation");
  return d;
}

}  // namespace cw
