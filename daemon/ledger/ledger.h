// The ledger: what recording means, written once for every backend. Each
// function runs inside the writer's batch transaction over a backend's row
// primitives (rows.h) and returns the write's answer; BatchedStore calls it
// and acknowledges only after the commit is durable (store.h's contract).
// Refusals (not_found, forbidden) are answers and change nothing; an error
// with store_unavailable aborts the batch.
//
// Every write of the Store is here but the purge, the audit chain and the
// case log's appends, which are each backend's own (docs/ARCHITECTURE.md).
// The only libsodium calls under the store are in case_keys.cc (sealing an
// alert's words under its case's key) and the audit chain.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/ledger/rows.h"
#include "protocol/org_answer.h"

namespace cw::daemon::ledger {

// Records an alert (Store::record_alert), in this order, so that nothing
// after a write can refuse the alert:
// - a repeat of a recorded alert id changes nothing and answers with what
//   was recorded (and whether the sender differs: sender_conflict);
// - a follow-up must name a case whose reporter is among `owner_tags`, and
//   is answered unknown_case otherwise, exactly as for no case at all (no
//   oracle for who reported what); a retraction is final (case_retracted);
// - its facts merge into the case's, answering the organisations' requests
//   for information (they ask again if what they needed is still missing);
// - it reaches, of the organisations `route` offers for the merged facts,
//   only those on the case (told_of_follow_up); a new case, its recipients;
// - its words are sealed under the case's key (seal_details);
// - its event is added; its leaf is recorded last, waiting for its window.
// `keys` seals; without keys an alert with details is refused.
Result<Recorded> record_alert(Rows& rows, const Keyring* keys, const NewAlert& a);

// Seals an alert record under its case's own key - made on the case's first
// record, or again after a purge destroyed it - as the case's next detail,
// and restarts the case's retention clock.
Status seal_details(Rows& rows, const Keyring& keys, const Tag& case_tag, const WipedBytes& details,
                    std::int64_t now);

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

// After this many failed attempts in a row an organisation's webhook is shown
// as failing (metrics, casewire-keys list). Deliveries are never dropped.
inline constexpr std::uint32_t kFailingAfter = 3;

// Records webhook attempts (Store::record_webhook_results): each delivery's
// new state (one that is delivered stays delivered), and the organisation's
// health - ok after a delivery, disabled after a 410, failing after
// kFailingAfter failures in a row - unless the attempt was made under an
// older subscription generation than the health row's (the endpoint was
// fixed while it was in flight).
Status record_webhook_results(Rows& rows, const std::vector<WebhookResult>& results,
                              std::int64_t now);

// Revives each organisation whose health row is from an older generation
// (Store::revive_webhooks): healthy again at the new generation, its
// deliveries that ran out of retries queued again. Counts those where
// something was brought back (a state other than ok, or a delivery).
Result<std::uint32_t> revive_webhooks(Rows& rows, const std::vector<WebhookGeneration>& current,
                                      std::int64_t now);

}  // namespace cw::daemon::ledger
