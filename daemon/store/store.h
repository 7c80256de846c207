// The Store: where recorded alerts, cases and notifications live. SQLite is
// the embedded default (sqlite_store.h); PostgreSQL (postgres_store.h) lets
// several daemons share one database; tests also have an in-memory fake
// (tests/support/memory_store.h). All three pass one conformance suite
// (tests/daemon/store/store_conformance_test.cc): that suite is the contract
// below, made executable.
//
// Durability contract: every write method's callback reports success only
// after the transaction holding the write is durable (committed, fsync'd).
// Callers acknowledge (receipts, ack answers) only from that callback, so
// nothing acknowledged is lost. Concurrent writes share one transaction
// (group commit). Callbacks run on the store's writer thread and must not
// block.
//
// Transactional outbox: an alert, its case event and one delivery row per
// subscribed organisation are written in ONE transaction, so a crash can
// never leave a recorded alert without its notifications.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/anon/anonymiser.h"
#include "daemon/keyring.h"
#include "protocol/alert.h"
#include "protocol/case_log.h"
#include "protocol/error.h"
#include "protocol/merkle.h"
#include "protocol/org_answer.h"
#include "protocol/receipt.h"

namespace cw::daemon {

// Times the store is given and gives back, typed so that one kind cannot be
// passed for another: events in seconds since the Unix epoch (the store
// keeps them no finer than the hour or the day), webhook retry schedules in
// milliseconds (retries back off from 1 s).
using UnixSeconds = std::chrono::sys_seconds;
using UnixMillis = std::chrono::sys_time<std::chrono::milliseconds>;
inline UnixSeconds unix_seconds(std::int64_t s) {
  return UnixSeconds{std::chrono::seconds{s}};
}
inline std::int64_t seconds_of(UnixSeconds t) {
  return t.time_since_epoch().count();
}
inline UnixMillis unix_millis(std::int64_t ms) {
  return UnixMillis{std::chrono::milliseconds{ms}};
}
inline std::int64_t millis_of(UnixMillis t) {
  return t.time_since_epoch().count();
}

// A case's state and an organisation's webhook health, as the store keeps
// them (the names are what the database columns and the API say).
enum class CaseState { open, resolved, retracted };
enum class WebhookState { ok, failing, disabled };
std::string_view case_state_name(CaseState s);
std::string_view webhook_state_name(WebhookState s);
// Unknown text (a damaged row) reads as the most cautious state: a case
// still open, a webhook failing.
CaseState parse_case_state(std::string_view s);
WebhookState parse_webhook_state(std::string_view s);

using Hash32 = std::array<std::uint8_t, 32>;

// Who should hear about a case event, decided by the caller from the trust
// store at the time of the event.
// Organisations are named in the case tables (deliveries, case_orgs, acks)
// by Keyring::org_tag, never by key id: a seized database must not say
// which organisation was told of, or acts on, which case. Webhook health
// (not tied to any case) is kept by key id, for `casewire-keys list`.
struct Recipient {
  std::string org;  // organisation tag (Keyring::org_tag), 32 hex
  bool webhook = false;
  bool cleared_private = false;  // may hear about consent=private cases
};

// Chooses, from a case's facts as they stand after an event, who may hear
// about it now (current subscriptions, consent and clearance). The store
// calls it inside the writing transaction, with the merged facts, and keeps
// only organisations already on the case.
using FollowUpRouter = std::function<std::vector<Recipient>(const CaseFacts& merged)>;

struct CaseEventDraft {
  CaseFacts facts;      // anonymised facts of this alert
  Tag case_tag{};       // Keyring::case_tag of the case's reference (its new_case alert id)
  Tag owner_tag{};      // new_case: Keyring::owner_tag(reporter, case reference)
  std::string case_id;  // the case pseudonym (hex)
  // new_case: the matching subscriptions. Follow-ups: unused (see route).
  std::vector<Recipient> recipients;
  // Follow-ups: routes by the case's merged facts, so an update that makes
  // the case private, or an organisation that lost its clearance or its
  // subscription to the region, is honoured for this very event.
  FollowUpRouter route;
  std::optional<UnixSeconds> escalate_at;  // new_case: when to escalate if nobody acknowledged
  // Follow-ups: owner_tag(k, case reference) for the sender's key and each
  // key it replaced. The store accepts the follow-up only if one of them is
  // the tag recorded with the case's new_case alert - only the reporter may
  // follow a case up - and answers unknown_case otherwise, exactly as for a
  // case that does not exist (no oracle for who reported what).
  std::vector<Tag> owner_tags;
};

struct NewAlert {
  Tag alert_tag{};   // keyed hash of the alert id (the idempotency key)
  Tag leaf_tag{};    // Keyring::alert_leaf_tag: what its case-log leaf commits to
  Tag sender_tag{};  // keyed hash of (sender, alert id)
  // When it arrived: the store keeps it no finer than the day (alerts) or
  // the hour (cases, notifications); the exact time is only in `receipt`.
  UnixSeconds received_at{};
  AlertKind kind = AlertKind::new_case;
  // The alert record (alert_record.h) in clear: the store seals it under the
  // case's own key, in the transaction that records the alert. Empty: none.
  WipedBytes details;
  Bytes receipt;  // the receipt's facts, sealed (receipt_facts.h)
  CaseEventDraft event;
};

// An event's case-log leaf as the store holds it: waiting for its mixing
// window to end (protocol/case_log.h), or appended at `index`.
struct LeafRecord {
  merkle::Hash leaf{};
  std::optional<std::uint64_t> index;  // none while it waits
};

struct Recorded {
  bool duplicate = false;          // this alert id was already recorded
  bool sender_conflict = false;    // ...by a different sender
  Bytes receipt;                   // duplicate: the sealed receipt facts recorded the first time
  std::uint64_t notification = 0;  // the case event's feed sequence (0 for a duplicate)
  std::size_t deliveries = 0;
  // Its leaf in the case log (also for a duplicate; absent only for an alert
  // recorded before the log existed), committed with the alert. A new one
  // waits for its window; a duplicate's may have been appended since.
  std::optional<LeafRecord> log;
};

struct FeedItem {
  std::uint64_t seq = 0;
  std::string body;  // the anonymised notification body (fixed size)
};

struct DueWebhook {
  std::uint64_t seq = 0;
  std::string org;
  std::uint32_t attempts = 0;
  std::string body;
};

enum class WebhookOutcome { delivered, retry, gone /* 410: disable */, failed_for_good };

struct WebhookResult {
  std::uint64_t seq = 0;
  std::string org;     // the organisation's tag (deliveries)
  std::string org_id;  // its key id (webhook health)
  WebhookOutcome outcome = WebhookOutcome::retry;
  UnixMillis next_attempt_at{};
  int http_status = 0;
  std::uint32_t generation = 0;  // the subscription's webhook_generation this attempt used
};

// An organisation's current webhook generation (see Subscription).
struct WebhookGeneration {
  std::string org_id;  // key id (webhook health)
  std::string org;     // tag (deliveries)
  std::uint32_t generation = 0;
};

struct AckResult {
  std::uint32_t acks = 0;   // organisations acting on the case now
  bool first_time = false;  // this organisation had not acknowledged before
};

struct SentNotification {
  std::string body;             // protocol/notification.h, unsigned
  std::vector<std::string> to;  // org tags
};

// One case as an organisation on it sees its own part: how many act, whether
// it does, its own answer ("cannot_act", "need_information", or none).
struct OrgCaseView {
  std::string case_id;  // the case pseudonym (hex)
  std::uint32_t acks = 0;
  bool acting = false;
  std::string answer;
};

struct CaseStatusInfo {
  std::string case_id;
  CaseState state = CaseState::open;
  std::uint32_t acks = 0;
  bool escalated = false;
  Tag owner_tag{};                 // Keyring::owner_tag of the reporter: only they may ask
  std::uint32_t cannot_act = 0;    // organisations that answered they cannot act
  std::vector<std::string> needs;  // distinct need_information reasons, sorted
};

struct WebhookHealth {
  std::string org;
  WebhookState state = WebhookState::ok;
  std::uint32_t consecutive_failures = 0;
};

// One case as the operator's tools see it (daemon/case_records.h).
struct SealedDetail {
  std::uint32_t n = 0;  // 1, 2, ... in the order the case's alerts arrived
  Bytes sealed;         // the alert record under the case key (ad: case_detail_ad)
};
struct CaseRecord {
  Tag case_tag{};
  CaseState state = CaseState::open;
  CaseFacts facts;
  std::vector<std::string> orgs;  // tags of the organisations on the case
  // Both empty once the case's retention period ran out: its key is gone.
  Bytes wrapped_key;
  std::vector<SealedDetail> details;
};

struct PurgeCounts {
  std::uint32_t cases = 0;    // case keys destroyed (or, dry run, due)
  std::uint32_t records = 0;  // sealed alert records that went with them
  // What the engine may still hold of the destroyed keys after the purge
  // (empty: nothing): the operator is told, not reassured.
  std::string residual;
};

struct AuditRow {
  std::uint64_t n = 0;
  std::int64_t at = 0;
  Bytes sealed;  // the entry's JSON under the storage key (audit_chain.h)
  std::array<std::uint8_t, 32> link{};
  Bytes signature;
};

// The associated data a case's sealed alert record n is bound to.
Bytes case_detail_ad(const Tag& case_tag, std::uint32_t n);

template <class T>
using Callback = std::function<void(Result<T>)>;

class Store {
 public:
  virtual ~Store() = default;

  // Writes (group-committed; callbacks after durability).
  virtual void record_alert(NewAlert alert, Callback<Recorded> done) = 0;
  // Records `org`'s acknowledgement of the case behind notification `seq` and
  // tells the other organisations on the case (those of `orgs`, the active
  // organisations, that are on it - and, for a private case, cleared). forbidden if `org` never
  // received that notification; not_found if there is no such notification.
  // A first acknowledgement by `org` of the case is a case-log leaf
  // committing to `leaf_tag` (Keyring::ack_leaf_tag).
  virtual void record_ack(std::uint64_t seq, std::string org, Tag leaf_tag, UnixSeconds now,
                          std::vector<Recipient> orgs, Callback<AckResult> done) = 0;
  // Escalates every open new case older than its deadline that nobody has
  // acknowledged: an "escalation" event to `to` (filtered per case by consent:
  // private cases only to `cleared`). Returns how many cases were escalated.
  // An organisation's answer other than acting (protocol/org_answer.h): the
  // latest of acknowledging and answering stands for that organisation.
  // not_found / forbidden as for record_ack.
  virtual void record_answer(std::uint64_t seq, std::string org, OrgAnswer answer, UnixSeconds now,
                             Callback<bool> done) = 0;
  virtual void escalate_due(UnixSeconds now, std::vector<Recipient> to,
                            std::vector<std::string> cleared, Callback<std::uint32_t> done) = 0;
  // Results from an attempt made under an older generation than the one
  // recorded leave the organisation's webhook health alone; a delivery
  // already delivered (by another daemon, after this attempt's lease ran
  // out) stays delivered. `now` dates the health row (to the hour).
  virtual void record_webhook_results(std::vector<WebhookResult> results, UnixSeconds now,
                                      Callback<bool> done) = 0;
  // For each organisation whose recorded webhook health is from an older
  // generation: clears a disable or failing state and puts its notifications
  // that ran out of retries back in the queue (the operator fixed the
  // endpoint). Returns how many organisations were revived.
  virtual void revive_webhooks(std::vector<WebhookGeneration> current, UnixSeconds now,
                               Callback<std::uint32_t> done) = 0;
  // Crypto-shredding: destroys the key, and the sealed records, of every
  // case whose last event is older than `cutoff`; then checkpoints and
  // truncates the WAL so no old page still holds a destroyed key. A dry run
  // only counts. The anonymised case, its notifications and answers stay.
  virtual void purge_case_keys(UnixSeconds cutoff, bool dry_run, Callback<PurgeCounts> done) = 0;
  // What a purge could not clear at once (SQLite: a reader holding an old
  // snapshot keeps the WAL, and the destroyed keys' pages in it, from being
  // truncated), whichever process ran the purge: tries once, briefly - it
  // never holds up commits for more than about 100 ms - and answers true
  // while some remains. The daemon calls it every [retention]
  // residual_retry_seconds. A store that leaves nothing answers false.
  virtual void clear_purge_residual(Callback<bool> done) { done(false); }
  // Seals, links and signs one audit entry (needs the daemon's keys) and
  // appends it; the row is returned once durable.
  virtual void append_audit(std::string entry_json, UnixSeconds at, Callback<AuditRow> done) = 0;

  // Appends every waiting leaf whose mixing window ended by `now` to the case
  // log: ordered by window, and within a window by leaf hash, never by the
  // order they were recorded in (protocol/case_log.h). Returns how many.
  // Called at start, before serving, and then at least once a window.
  virtual void append_waiting_leaves(UnixSeconds now, Callback<std::uint32_t> done) = 0;

  // Reads (never block the writer; see committed data only).
  virtual Result<std::vector<FeedItem>> feed(const std::string& org, std::uint64_t after,
                                             std::size_t limit) = 0;
  // Pending webhook deliveries due by `now`, skipping organisations (tags)
  // in `paused` (disabled by a 410).
  virtual Result<std::vector<DueWebhook>> due_webhooks(UnixMillis now, std::size_t limit,
                                                       const std::vector<std::string>& paused) = 0;
  // Takes one due delivery for this worker, before attempting it: false if
  // it is no longer due or another worker (another daemon) holds it. A
  // claim lasts until the attempt's result is recorded or a lease runs out
  // (the worker died), so a row is pushed by one worker at a time.
  virtual Result<bool> claim_webhook(std::uint64_t seq, const std::string& org, UnixMillis now) = 0;
  // Records a signed request's nonce (Keyring::nonce_tag) for every daemon
  // sharing this store, until `expires`: false if any of them already saw
  // it (a request captured at one daemon and replayed at another). A store
  // only one daemon uses answers true: that daemon's own nonce cache
  // (daemon/nonce_cache.h) is the whole check.
  //
  // Kept for at least `keep_for` by the STORE's clock (PostgreSQL's, the
  // same for every daemon), rounded up to the hour; expired ones are removed
  // by that clock too. Each daemon's own clock would let one that runs fast
  // delete tags another daemon still accepts requests for.
  virtual Result<bool> claim_nonce(const Tag& tag, std::chrono::seconds keep_for) = 0;
  virtual Result<std::optional<CaseStatusInfo>> case_status(const Tag& case_tag) = 0;
  // The cases organisation `org` (an org tag) is on, as its own board shows
  // them whoever in it acknowledged: pseudonyms after `after`, in pseudonym
  // order, at most `limit` (docs/PROTOCOL.md, GET /v1/org/cases).
  virtual Result<std::vector<OrgCaseView>> org_cases(const std::string& org,
                                                     const std::string& after,
                                                     std::size_t limit) = 0;
  virtual Result<std::vector<WebhookHealth>> webhook_health() = 0;
  virtual Result<std::uint64_t> count_alerts() = 0;
  // The case a pseudonym names, with its sealed details, for the operator.
  virtual Result<std::optional<CaseRecord>> case_record(const std::string& pseudonym) = 0;
  // The case ids that begin with `prefix` (lower-case hex), at most `limit`:
  // the operator types the 12 digits the feed shows, not all 32.
  virtual Result<std::vector<std::string>> case_ids_starting(const std::string& prefix,
                                                             std::size_t limit) = 0;
  virtual Result<std::vector<AuditRow>> audit_rows() = 0;
  // Every notification's anonymised body, in order, and the organisations
  // (org tags) it was sent to: what statistics count, knowing what each
  // organisation was told (stats/report.h). Nothing sealed.
  virtual Result<std::vector<SentNotification>> sent_notifications() = 0;
  virtual Result<std::uint64_t> count_audit() = 0;
  // Whether an alert with this tag is recorded (committed). Ingest asks
  // before charging a contact's budget: a repeat is not a new alert.
  virtual Result<bool> has_alert(const Tag& alert_tag) = 0;

  // The case log (protocol/case_log.h), as committed: its size, and roots
  // and proofs for any size up to it (merkle::Tree's contract; out of range
  // gives an empty proof). Thread-safe; never waits for the writer's batch.
  virtual std::uint64_t log_size() = 0;
  virtual merkle::Hash log_root(std::uint64_t size) = 0;
  virtual std::vector<merkle::Hash> log_inclusion(std::uint64_t index, std::uint64_t size) = 0;
  virtual std::vector<merkle::Hash> log_consistency(std::uint64_t first, std::uint64_t second) = 0;
  // Where a leaf (its hash) was appended, if it was.
  virtual std::optional<std::uint64_t> log_index_of(const merkle::Hash& leaf) = 0;
  // Leaves recorded and waiting for their window to end (a metric).
  virtual std::uint64_t log_waiting() = 0;

  // False while the store refuses writes after a failed commit (until it has
  // recovered): what /healthz reports.
  virtual bool healthy() const = 0;

  // Called (on the writer thread) after every commit that added notifications.
  virtual void on_new_notifications(std::function<void()> listener) = 0;

  // Finishes what is queued, then stops. Idempotent.
  virtual void close() = 0;
};

}  // namespace cw::daemon
