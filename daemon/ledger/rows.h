// The row primitives a backend offers the ledger: finding, inserting and
// updating single rows inside the writer's current transaction, and nothing
// else. What a write MEANS - who may acknowledge, what an answer replaces,
// when a deadline is cut, who hears of an event - is the ledger's
// (ledger.h), written once; each backend (SQLite, PostgreSQL, the tests'
// memory rows) implements only these, with its own SQL. Every primitive runs
// on the writer thread inside the batch transaction; an error with
// store_unavailable aborts the batch (batched_store.h). The store
// conformance suite tests each one on every backend.
//
// Cases are named here by the backend's row id (never leaves the store).
// Organisations are named by their tag (Keyring::org_tag). Times are seconds
// since the epoch, already coarsened by the ledger where a row keeps them.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/store.h"
#include "protocol/case_log.h"

namespace cw::daemon::ledger {

// A delivery row's state: waiting in the organisation's feed, waiting for a
// webhook push, pushed, or out of retries. The names are the column's.
enum class DeliveryState { feed, pending, delivered, dead };
std::string_view delivery_state_name(DeliveryState s);
// Unknown text (a damaged row) reads as pending: pushed again, never lost.
DeliveryState parse_delivery_state(std::string_view s);

// An organisation's webhook health, kept by key id (for `casewire-keys
// list`; not tied to any case): its state, the failed attempts in a row,
// and the generation of the subscription the last attempt counted used.
struct HealthRow {
  WebhookState state = WebhookState::ok;
  std::uint32_t failures = 0;
  std::uint32_t generation = 0;
};

// A case as the ledger's rules read it.
struct CaseRow {
  std::int64_t id = 0;
  std::string pseudonym;
  CaseFacts facts;
  std::int64_t escalate_at = 0;  // 0: never
  bool escalated = false;
};

// A case as recording a follow-up reads it: who reported it (the owner tag
// of its new_case alert) and its state.
struct StoredCase {
  CaseRow c;
  CaseState state = CaseState::open;
  Tag owner{};
};

// An alert already recorded under an alert tag: by whom (its sender tag),
// and the sealed receipt facts it was answered with.
struct StoredAlert {
  Bytes sender_tag;
  Bytes receipt;
};

// The case behind a notification, and whether that notification went to
// the organisation asking (the admission rule of acks and answers).
struct NotifiedCase {
  CaseRow c;
  bool sent_to_org = false;
};

class Rows {
 public:
  virtual ~Rows() = default;

  // ---- alerts and cases ------------------------------------------------------
  virtual Result<std::optional<StoredAlert>> find_alert(const Tag& alert_tag) = 0;
  // The alert's own words are not in this row (see insert_detail); `day` is
  // the day number it arrived (coarse_time.h).
  virtual Status insert_alert(const Tag& alert_tag, const Tag& sender_tag, AlertKind kind,
                              std::int64_t day, ByteView receipt) = 0;
  virtual Result<std::optional<StoredCase>> find_case(const Tag& case_tag) = 0;
  // A new open case; returns its row id.
  virtual Result<std::int64_t> insert_case(const Tag& case_tag, const std::string& pseudonym,
                                           const CaseFacts& facts, std::int64_t opened_hour,
                                           std::int64_t escalate_at, const Tag& owner) = 0;
  virtual Status update_case(std::int64_t case_id, const CaseFacts& facts, CaseState state) = 0;
  // Deletes the case's answers of one kind (answer_kind_name).
  virtual Status delete_answers(std::int64_t case_id, std::string_view kind) = 0;

  // ---- case keys and sealed details ----------------------------------------
  // The case key as wrapped under the storage key (Keyring::wrap_case_key),
  // or none: never made, or destroyed by a purge.
  virtual Result<std::optional<Bytes>> find_case_key(const Tag& case_tag) = 0;
  virtual Status insert_case_key(const Tag& case_tag, ByteView wrapped) = 0;
  // Restarts the case's retention clock (the purge destroys keys whose last
  // event is older than the retention period).
  virtual Status touch_case_key(const Tag& case_tag, std::int64_t last_event_hour) = 0;
  // The number the case's next sealed record takes (1, 2, ...).
  virtual Result<std::uint32_t> next_detail_number(const Tag& case_tag) = 0;
  virtual Status insert_detail(const Tag& case_tag, std::uint32_t n, ByteView sealed) = 0;

  // ---- cases --------------------------------------------------------------
  // The case behind notification `seq`, or none if there is no such
  // notification; sent_to_org says whether it had a delivery row for `org`.
  virtual Result<std::optional<NotifiedCase>> notified_case(std::uint64_t seq,
                                                            const std::string& org) = 0;
  // Open cases, not yet escalated, with a deadline in (0, now] and no
  // acknowledgement at all, in row order.
  virtual Result<std::vector<CaseRow>> cases_due_escalation(std::int64_t now) = 0;
  // Sets the case's deadline and escalated mark (as given).
  virtual Status update_escalation(std::int64_t case_id, std::int64_t escalate_at,
                                   bool escalated) = 0;

  // ---- acknowledgements and answers ----------------------------------------
  // Inserts (case, org) into the acknowledgements, at `hour`: false if it
  // was there already (the row, and its hour, stay as they were).
  virtual Result<bool> insert_ack(std::int64_t case_id, const std::string& org,
                                  std::int64_t hour) = 0;
  virtual Status delete_ack(std::int64_t case_id, const std::string& org) = 0;
  virtual Result<std::uint32_t> count_acks(std::int64_t case_id) = 0;
  // Inserts or replaces (case, org)'s answer.
  virtual Status put_answer(std::int64_t case_id, const std::string& org, std::string_view kind,
                            const std::string& reason, std::int64_t hour) = 0;
  virtual Status delete_answer(std::int64_t case_id, const std::string& org) = 0;

  // ---- events: notifications, deliveries, who is on the case ---------------
  // The sequence number the next notification takes (1 in an empty store).
  // Numbers are never reused: a rolled-back batch gives its numbers back.
  virtual Result<std::uint64_t> next_notification_seq() = 0;
  // Inserts notification `seq` (which must be next_notification_seq()).
  virtual Status insert_notification(std::uint64_t seq, std::int64_t case_id,
                                     std::string_view event, const std::string& body,
                                     std::int64_t hour) = 0;
  // Due at once: next_attempt_at 0, never the event's time.
  virtual Status insert_delivery(std::uint64_t seq, const std::string& org,
                                 DeliveryState state) = 0;
  // Remembers `org` as on the case (idempotent).
  virtual Status add_case_org(std::int64_t case_id, const std::string& org) = 0;
  virtual Result<std::set<std::string>> orgs_on_case(std::int64_t case_id) = 0;
  // After a notification's rows: what the backend does for its feeds once
  // the batch commits (SQLite's in-memory tail, PostgreSQL's NOTIFY).
  virtual void notification_added(std::uint64_t seq, std::string body,
                                  std::vector<std::string> to) = 0;

  // ---- webhook deliveries and health ---------------------------------------
  // A delivery row's state, or none if there is no such row. PostgreSQL
  // locks the row until the commit (a claim by another daemon skips it).
  virtual Result<std::optional<DeliveryState>> delivery_state(std::uint64_t seq,
                                                              const std::string& org) = 0;
  // One attempt made: the new state, one more attempt counted, when the
  // next is due (ms; 0: at once) and the HTTP status it got.
  virtual Status record_attempt(std::uint64_t seq, const std::string& org, DeliveryState state,
                                std::int64_t next_attempt_at_ms, int http_status) = 0;
  virtual Result<std::optional<HealthRow>> webhook_health_of(const std::string& org_id) = 0;
  // Inserts or replaces the organisation's health row, dated `hour`.
  virtual Status put_webhook_health(const std::string& org_id, const HealthRow& h,
                                    std::int64_t hour) = 0;
  // Puts every delivery to `org` (a tag) that ran out of retries back in
  // the queue: pending, no attempts, due at once. Returns how many.
  virtual Result<std::uint32_t> requeue_dead_deliveries(const std::string& org) = 0;

  // ---- the case log ---------------------------------------------------------
  // A recorded event's leaf, waiting for its window or appended.
  virtual Result<std::optional<LeafRecord>> find_leaf(const Tag& tag) = 0;
  // Records a leaf waiting for its mixing window (protocol/case_log.h).
  virtual Result<LeafRecord> append_leaf(LeafKind kind, std::int64_t at, const Tag& tag) = 0;
};

}  // namespace cw::daemon::ledger
