// The operator's access to sealed case details (docs/OPERATIONS.md, "Sealed
// details"): reading one case, disclosing one case to one organisation, the
// retention purge, and the audit trail of all three.
//
// Invariants:
//  - every reading and disclosure appends its audit entry first, and goes
//    ahead only once that entry is durable: no access without its record;
//  - a reason from a fixed list, never free text (the audit trail must not
//    become a place where names are written down);
//  - a disclosure goes only to an active organisation that is on the case
//    and cleared for private cases, and never for a retracted case (a
//    retraction withdraws the report, consent included). It carries the
//    reporters' words, never who the reporters are.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/keyring.h"
#include "daemon/store/store.h"
#include "daemon/trust.h"
#include "protocol/disclosure.h"

namespace cw::daemon {

// legal_aid, reporter_request, verification, legal_obligation.
std::span<const std::string_view> access_reasons();

struct ReadRecord {
  DisclosedRecord details;
  std::string reporter;  // the operator's label for the contact (or its key id)
};

struct CaseReading {
  std::string case_id;
  std::string state;
  CaseFacts facts;
  bool purged = false;  // retention destroyed the case key: nothing sealed remains
  std::vector<ReadRecord> records;
  std::uint64_t audit_entry = 0;  // the entry this reading appended
};

struct AuditEntryView {
  std::uint64_t n = 0;
  std::int64_t at = 0;
  std::string what;  // the entry's JSON
};

struct AuditReport {
  std::vector<AuditEntryView> entries;  // every entry up to the first broken one
  bool intact = true;
  std::string problem;  // where and how the chain breaks
  std::array<std::uint8_t, 32> head{};
};

// The retention purge, without waiting (the daemon runs it every hour):
// destroys the keys of cases whose last event is before `cutoff`, then
// records the purge in the audit trail. `done` runs on the store's thread.
void purge_expired(Store& store, std::int64_t cutoff, std::int64_t now, Callback<PurgeCounts> done);

// The whole case id from what the operator typed: all 32 hex digits, or a
// unique prefix of at least 8 (the feed and the dashboard show 12).
// bad_request: not hex, shorter than 8, or the prefix of several cases;
// not_found: no case begins so.
Result<std::string> resolve_case_id(Store& store, std::string_view typed);

// What a purge would destroy, counted without the daemon's keys, so a dry run
// needs no passphrase: it reads counts, never content.
Result<PurgeCounts> count_purgeable(Store& store, std::int64_t cutoff);

class CaseRecords {
 public:
  CaseRecords(Store& store, const Keyring& keys, const TrustView& trust);

  // not_found: no case by that pseudonym; bad_request: a reason off the list.
  Result<CaseReading> read(const std::string& case_id, std::string_view reason, std::int64_t now);
  // The sealed file (protocol/disclosure.h). forbidden: the organisation is
  // not cleared, not on the case, revoked, or the case was retracted;
  // not_found: no such case, or its details were purged.
  Result<std::string> disclose(const std::string& case_id, const KeyId& org,
                               std::string_view reason, std::int64_t now);
  // Destroys the keys of cases whose last event is before `cutoff`
  // (recorded in the audit trail unless a dry run or nothing is due).
  Result<PurgeCounts> purge(std::int64_t cutoff, bool dry_run, std::int64_t now);
  Result<AuditReport> audit();

 private:
  Result<std::uint64_t> append(std::string entry_json, std::int64_t now);
  Result<std::vector<ReadRecord>> open_records(const CaseRecord& rec);

  Store& store_;
  const Keyring& keys_;
  const TrustView& trust_;
};

}  // namespace cw::daemon
