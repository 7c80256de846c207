// The ledger: what recording means, written once for every backend. Each
// function runs inside the writer's batch transaction over a backend's row
// primitives (rows.h) and returns the write's answer; BatchedStore calls it
// and acknowledges only after the commit is durable (store.h's contract).
// Refusals (not_found, forbidden) are answers and change nothing; an error
// with store_unavailable aborts the batch.
//
// Migrated so far: acknowledgements, answers, escalations and the case
// event every write adds. Recording an alert and webhook results still live
// in the backends (daemon/store/*/alerts.cc, webhooks.cc) and call
// add_event from here; docs/ARCHITECTURE.md says what is left to move.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/ledger/rows.h"
#include "protocol/org_answer.h"

namespace cw::daemon::ledger {

// Adds one case event: the anonymised notification (its body counts the
// organisations acting as the event commits), a delivery row per recipient
// (a webhook push, or the feed), and each recipient remembered as on the
// case. Returns the notification's sequence number.
Result<std::uint64_t> add_event(Rows& rows, const CaseRow& c, std::string_view event,
                                const std::vector<Recipient>& to, std::int64_t now);

// `org` acknowledges the case behind notification `seq`: not_found if there
// is no such notification, forbidden if it was not sent to `org` (nothing
// changes either way). Acting replaces the organisation's earlier answer. A
// first acknowledgement cuts the case's escalation deadline to the hour (it
// is no longer pending), adds its case-log leaf (`leaf_tag`) unless one
// stands from an earlier acknowledgement, and tells the organisations of
// `orgs` on the case (told_of_ack) that one more acts.
Result<AckResult> acknowledge(Rows& rows, std::uint64_t seq, const std::string& org,
                              const Tag& leaf_tag, std::int64_t now,
                              const std::vector<Recipient>& orgs);

// `org` answers other than acting (protocol/org_answer.h), admitted as for
// an acknowledgement. The answer replaces its acknowledgement, if any: the
// latest of acting and answering stands for that organisation.
Status answer(Rows& rows, std::uint64_t seq, const std::string& org, const OrgAnswer& a,
              std::int64_t now);

// Escalates every case due (Rows::cases_due_escalation): an "escalation"
// event to `to` (a private case: only the `cleared`), the case marked
// escalated and its deadline cut to the hour. Returns how many.
Result<std::uint32_t> escalate(Rows& rows, std::int64_t now, const std::vector<Recipient>& to,
                               const std::vector<std::string>& cleared);

}  // namespace cw::daemon::ledger
