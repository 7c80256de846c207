#include "daemon/records/case_records.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <future>
#include <limits>

#include "daemon/log.h"
#include "daemon/store/alert_record.h"
#include "daemon/store/audit_chain.h"

namespace json = boost::json;

namespace cw::daemon {
namespace {

constexpr std::array<std::string_view, 4> kReasons = {"legal_aid", "reporter_request",
                                                      "verification", "legal_obligation"};

// The store answers on its writer thread; the operator's tools wait.
template <class T, class Start>
Result<T> wait_for(Start start) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  start([&p](Result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

std::string audit_json(const json::object& fields) {
  return json::serialize(fields);
}

void log_audit_appended(const AuditRow& row) {
  // The journal keeps the count and head too: cutting entries off the end of
  // the table does not cut them out of the logs.
  std::uint64_t head = 0;
  for (std::size_t i = 0; i < 8; ++i) head = head << 8 | row.link[i];
  log_event("audit_appended", {LogField::num("entry", row.n), LogField::num("head", head)});
}

}  // namespace

void purge_expired(Store& store, std::int64_t cutoff, std::int64_t now,
                   Callback<PurgeCounts> done) {
  store.purge_case_keys(
      unix_seconds(cutoff), false,
      [&store, now, done = std::move(done)](Result<PurgeCounts> counts) mutable {
        if (!counts || counts->cases == 0) return done(std::move(counts));
        log_event("case_keys_purged", {LogField::num("cases", counts->cases),
                                       LogField::num("records", counts->records)});
        const PurgeCounts c = *counts;
        store.append_audit(
            audit_json({{"action", "purge"}, {"cases", c.cases}, {"records", c.records}}),
            unix_seconds(now), [c, done = std::move(done)](Result<AuditRow> row) {
              if (!row) return done(row.error());
              log_audit_appended(*row);
              done(c);
            });
      });
}

std::span<const std::string_view> access_reasons() {
  return kReasons;
}

CaseRecords::CaseRecords(Store& store, const Keyring& keys, const TrustView& trust)
    : store_(store), keys_(keys), trust_(trust) {}

Result<std::uint64_t> CaseRecords::append(std::string entry_json, std::int64_t now) {
  auto row = wait_for<AuditRow>([&](Callback<AuditRow> done) {
    store_.append_audit(std::move(entry_json), unix_seconds(now), done);
  });
  if (!row) return row.error();
  log_audit_appended(*row);
  return row->n;
}

Result<std::vector<ReadRecord>> CaseRecords::open_records(const CaseRecord& rec) {
  std::vector<ReadRecord> out;
  if (rec.wrapped_key.empty()) return out;
  auto key = keys_.unwrap_case_key(rec.wrapped_key, rec.case_tag);
  if (!key) return key.error();
  for (const auto& d : rec.details) {
    auto plain = open_under(key->view(), d.sealed, case_detail_ad(rec.case_tag, d.n));
    if (!plain) return plain.error();
    auto r = decode_alert_record(plain->view());
    if (!r) return r.error();
    auto alert = parse_recorded_alert(*r);
    if (!alert) return make_error(Errc::internal_error, "a stored alert record is damaged");
    ReadRecord out_rec;
    auto& det = out_rec.details;
    det.kind = std::string(to_string(alert->kind));
    det.sent_at = r->created_at;
    det.names = alert->names;
    det.contact_details = alert->contact_details;
    det.notes = alert->notes;
    if (alert->arrest_place) det.arrest_place_detail = alert->arrest_place->detail;
    if (alert->held_place) det.held_place_detail = alert->held_place->detail;
    const ContactEntry* c = trust_.contact(r->sender);
    out_rec.reporter = c ? c->label : "key " + key_id_hex(r->sender);
    wipe_alert(*alert);
    out.push_back(std::move(out_rec));
  }
  return out;
}

Result<CaseReading> CaseRecords::read(const std::string& case_id, std::string_view reason,
                                      std::int64_t now) {
  if (std::find(kReasons.begin(), kReasons.end(), reason) == kReasons.end())
    return make_error(Errc::bad_request, "unknown reason (see casewired read-case --help)");
  auto rec = store_.case_record(case_id);
  if (!rec) return rec.error();
  if (!*rec) return make_error(Errc::not_found, "no case has this id");
  auto n = append(
      audit_json({{"action", "read"}, {"case", case_id}, {"reason", std::string(reason)}}), now);
  if (!n) return n.error();
  CaseReading out;
  out.case_id = case_id;
  out.state = std::string(case_state_name((*rec)->state));
  out.facts = (*rec)->facts;
  out.purged = (*rec)->wrapped_key.empty();
  out.audit_entry = *n;
  auto records = open_records(**rec);
  if (!records) return records.error();
  out.records = std::move(*records);
  return out;
}

Result<std::string> CaseRecords::disclose(const std::string& case_id, const KeyId& org,
                                          std::string_view reason, std::int64_t now) {
  if (std::find(kReasons.begin(), kReasons.end(), reason) == kReasons.end())
    return make_error(Errc::bad_request, "unknown reason (see casewired disclose --help)");
  auto rec = store_.case_record(case_id);
  if (!rec) return rec.error();
  if (!*rec) return make_error(Errc::not_found, "no case has this id");
  const OrgEntry* o = trust_.org(org);
  if (!o || o->revoked) return make_error(Errc::forbidden, "no active organisation has this key");
  if (!o->sub.cleared_private)
    return make_error(
        Errc::forbidden,
        "this organisation is not cleared for private cases (set-org --cleared-private)");
  if (!o->box_key)
    return make_error(Errc::forbidden, "this organisation has no box key to seal a disclosure to");
  const auto& on_case = (*rec)->orgs;
  if (std::find(on_case.begin(), on_case.end(), keys_.org_tag(org)) == on_case.end())
    return make_error(Errc::forbidden, "this organisation was never told of this case");
  if ((*rec)->state == CaseState::retracted)
    return make_error(Errc::forbidden, "the case was retracted: its details are not disclosed");
  if ((*rec)->wrapped_key.empty())
    return make_error(Errc::not_found, "this case's details were purged (retention)");
  auto n = append(audit_json({{"action", "disclose"},
                              {"case", case_id},
                              {"reason", std::string(reason)},
                              {"org", key_id_hex(org)}}),
                  now);
  if (!n) return n.error();
  auto records = open_records(**rec);
  if (!records) return records.error();
  Disclosure d;
  d.case_id = case_id;
  d.org = org;
  d.issued_at = now;
  for (auto& r : *records) d.records.push_back(std::move(r.details));  // not the reporters
  return seal_disclosure(d, keys_.signing(), *o->box_key);
}

Result<std::string> resolve_case_id(Store& store, std::string_view typed) {
  std::string prefix;
  for (char c : typed) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isxdigit(static_cast<unsigned char>(lower)))
      return make_error(Errc::bad_request, "a case id is hexadecimal (0-9, a-f)");
    prefix += lower;
  }
  if (prefix.size() == 32) return prefix;
  if (prefix.size() < 8 || prefix.size() > 32)
    return make_error(Errc::bad_request,
                      "give the case id's first 8 to 32 digits (the feed shows 12)");
  auto found = store.case_ids_starting(prefix, 2);
  if (!found) return found.error();
  if (found->empty()) return make_error(Errc::not_found, "no case has an id beginning " + prefix);
  if (found->size() > 1)
    return make_error(Errc::bad_request,
                      "several cases have an id beginning " + prefix + ": give more digits");
  return found->front();
}

Result<PurgeCounts> count_purgeable(Store& store, std::int64_t cutoff) {
  return wait_for<PurgeCounts>(
      [&](Callback<PurgeCounts> done) { store.purge_case_keys(unix_seconds(cutoff), true, done); });
}

Result<PurgeCounts> CaseRecords::purge(std::int64_t cutoff, bool dry_run, std::int64_t now) {
  if (dry_run) return count_purgeable(store_, cutoff);
  return wait_for<PurgeCounts>(
      [&](Callback<PurgeCounts> done) { purge_expired(store_, cutoff, now, done); });
}

Result<AuditReport> CaseRecords::audit() {
  auto rows = store_.audit_rows();
  if (!rows) return rows.error();
  AuditReport report;
  AuditLink prev{};
  std::uint64_t expect = 1;
  const PublicKey& signer = keys_.signing().public_key();
  for (const auto& r : *rows) {
    auto broken = [&](std::string why) {
      report.intact = false;
      report.problem = "entry " + std::to_string(r.n) + ": " + why;
    };
    if (r.n != expect) {
      broken("entries before it are missing (expected " + std::to_string(expect) + ")");
      break;
    }
    const AuditLink link = audit_link(prev, r.n, r.at, r.sealed);
    if (link != r.link) {
      broken("it, or an entry before it, was changed");
      break;
    }
    if (!verify_audit_link(signer, link, r.signature)) {
      broken("its signature is not the daemon's");
      break;
    }
    auto what = keys_.open_record(r.sealed, audit_entry_ad(r.n));
    if (!what) {
      broken("it does not open with the daemon's storage key");
      break;
    }
    report.entries.push_back({r.n, r.at, std::string(as_chars(*what))});
    prev = link;
    ++expect;
  }
  report.head = prev;
  return report;
}

}  // namespace cw::daemon
