// The SQLite store's one class, declared once for the files that implement
// it by concern (daemon/store/sqlite/): writer.cc (the writer thread and
// group commit), rows.cc (the row primitives the ledger's rules run on:
// acknowledgements, answers, escalation, events), alerts.cc (alerts and
// cases), case_log.cc (the case log), outbox.cc (the feeds' reads and tail),
// webhooks.cc, retention.cc (the purge and the audit trail); schema.cc holds
// the migrations.
#pragma once

#include "daemon/store/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "daemon/ledger/ledger.h"
#include "daemon/log.h"
#include "daemon/store/alert_record.h"
#include "daemon/store/audit_chain.h"
#include "daemon/store/batched_store.h"
#include "daemon/store/committed_log.h"
#include "daemon/store/fault_vfs.h"
#include "daemon/store/notification_tail.h"
#include "daemon/store/receipt_facts.h"
#include "daemon/store/sqlite/statement.h"
#include "protocol/case_log.h"
#include "protocol/file_io.h"
#include "protocol/notification.h"
#include "protocol/secret.h"
#include "protocol/timefmt.h"

namespace cw::daemon {

// The feeds' in-memory tail (notification_tail.h): the last 4,096
// notifications, or fewer if they went to more than a million recipients
// between them (about 4 MB of bodies, 4 MB of recipients at most).
inline constexpr std::size_t kTailEntries = 4096, kTailRecipients = 1 << 20;

class SqliteStore final : public BatchedStore {
 public:
  SqliteStore(sqlite3* wdb, sqlite3* rdb, const SqliteOptions& o);
  ~SqliteStore() override;

  // ---- writes (the rest are BatchedStore's) -----------------------------
  void purge_case_keys(UnixSeconds cutoff, bool dry_run, Callback<PurgeCounts> done) override;
  void clear_purge_residual(Callback<bool> done) override;

  // ---- reads --------------------------------------------------------------
  Result<std::optional<CaseRecord>> case_record(const std::string& pseudonym) override;
  Result<std::vector<std::string>> case_ids_starting(const std::string& prefix,
                                                     std::size_t limit) override;
  Result<std::vector<SentNotification>> sent_notifications() override;
  Result<std::vector<AuditRow>> audit_rows() override;
  Result<std::uint64_t> count_audit() override;
  Result<std::vector<FeedItem>> feed(const std::string& org, std::uint64_t after,
                                     std::size_t limit) override;
  Result<std::vector<DueWebhook>> due_webhooks(UnixMillis now, std::size_t limit,
                                               const std::vector<std::string>& paused) override;
  // One daemon per file: its dispatcher's own bookkeeping keeps a row to one
  // attempt at a time, so every due row may be taken.
  Result<bool> claim_webhook(std::uint64_t, const std::string&, UnixMillis) override {
    return true;
  }
  Result<bool> claim_nonce(const Tag&, std::chrono::seconds) override { return true; }
  Result<std::optional<CaseStatusInfo>> case_status(const Tag& case_tag) override;
  Result<std::vector<OrgCaseView>> org_cases(const std::string& org, const std::string& after,
                                             std::size_t limit) override;
  Result<std::vector<WebhookHealth>> webhook_health() override;
  Result<std::uint64_t> count_alerts() override;
  Result<bool> has_alert(const Tag& alert_tag) override;
  std::uint64_t log_size() override { return log_.size(); }
  merkle::Hash log_root(std::uint64_t size) override { return log_.root(size); }
  std::vector<merkle::Hash> log_inclusion(std::uint64_t index, std::uint64_t size) override;
  std::vector<merkle::Hash> log_consistency(std::uint64_t first, std::uint64_t second) override;
  std::optional<std::uint64_t> log_index_of(const merkle::Hash& leaf) override {
    return log_.index_of(leaf);
  }
  std::uint64_t log_waiting() override { return log_.waiting(); }
  bool healthy() const override { return !failed_.load(); }

 private:
  void commit_batch(std::vector<Job>& batch) override;

  // Copies the WAL into the database and truncates it to zero bytes, so the
  // frames that held a destroyed key are gone from the file. A reader in
  // the middle of an old snapshot holds it up: one try, waiting at most
  // kScrubWaitMs (the writer lock is held meanwhile), on the writer thread
  // outside any transaction.
  bool truncate_wal();
  // The mark of a purge whose WAL is not truncated yet: a file beside the
  // database, made (fsync'd) before the purge commits and removed once the
  // WAL is truncated, so that neither a restart nor another process (the
  // daemon after `casewired purge`) forgets that copies remain.
  std::string residual_mark() const { return path_ + ".purge-residual"; }
  // A residual this process knows of (its mark, or one it could not mark).
  bool residual_left() const;

  // Reopens the database (SQLite recovers the WAL from what is on disk),
  // checks it, and resumes. At most one attempt per second.
  bool recover();

  // Rebuilds the tree from the table, in index order. A gap or a damaged row
  // is not hidden: the tree is what the table says, and clients holding
  // earlier heads will see that it is no longer the log they knew (that is
  // the point). The daemon says so in its own log, and numbers the rows
  // afresh so that it can go on recording alerts.
  void load_log();

  // ---- the ledger's row primitives (daemon/ledger/rows.h; rows.cc) -------
  Result<std::optional<ledger::NotifiedCase>> notified_case(std::uint64_t seq,
                                                            const std::string& org) override;
  Result<std::vector<ledger::CaseRow>> cases_due_escalation(std::int64_t now) override;
  Status update_escalation(std::int64_t case_id, std::int64_t escalate_at, bool escalated) override;
  Result<bool> insert_ack(std::int64_t case_id, const std::string& org, std::int64_t hour) override;
  Status delete_ack(std::int64_t case_id, const std::string& org) override;
  Result<std::uint32_t> count_acks(std::int64_t case_id) override;
  Status put_answer(std::int64_t case_id, const std::string& org, std::string_view kind,
                    const std::string& reason, std::int64_t hour) override;
  Status delete_answer(std::int64_t case_id, const std::string& org) override;
  Result<std::uint64_t> next_notification_seq() override;
  Status insert_notification(std::uint64_t seq, std::int64_t case_id, std::string_view event,
                             const std::string& body, std::int64_t hour) override;
  Status insert_delivery(std::uint64_t seq, const std::string& org,
                         ledger::DeliveryState state) override;
  Status add_case_org(std::int64_t case_id, const std::string& org) override;
  Result<std::set<std::string>> orgs_on_case(std::int64_t case_id) override;
  void notification_added(std::uint64_t seq, std::string body,
                          std::vector<std::string> to) override;
  // Records a leaf inside the current transaction, waiting for its window
  // (protocol/case_log.h); write_waiting_leaves appends it later.
  Result<LeafRecord> append_leaf(LeafKind kind, std::int64_t at, const Tag& tag) override;
  // A recorded event's leaf, waiting or appended (a repeat's receipt).
  Result<std::optional<LeafRecord>> find_leaf(const Tag& tag) override;

  Result<std::uint32_t> write_waiting_leaves(std::int64_t now) override;
  void reset_next_seq();

  // Alerts, cases and case keys (alerts.cc).
  Result<std::optional<ledger::StoredAlert>> find_alert(const Tag& alert_tag) override;
  Status insert_alert(const Tag& alert_tag, const Tag& sender_tag, AlertKind kind, std::int64_t day,
                      ByteView receipt) override;
  Result<std::optional<ledger::StoredCase>> find_case(const Tag& case_tag) override;
  Result<std::int64_t> insert_case(const Tag& case_tag, const std::string& pseudonym,
                                   const CaseFacts& facts, std::int64_t opened_hour,
                                   std::int64_t escalate_at, const Tag& owner) override;
  Status update_case(std::int64_t case_id, const CaseFacts& facts, CaseState state) override;
  Status delete_answers(std::int64_t case_id, std::string_view kind) override;
  Result<std::optional<Bytes>> find_case_key(const Tag& case_tag) override;
  Status insert_case_key(const Tag& case_tag, ByteView wrapped) override;
  Status touch_case_key(const Tag& case_tag, std::int64_t last_event_hour) override;
  Result<std::uint32_t> next_detail_number(const Tag& case_tag) override;
  Status insert_detail(const Tag& case_tag, std::uint32_t n, ByteView sealed) override;

  Result<std::optional<ledger::DeliveryState>> delivery_state(std::uint64_t seq,
                                                              const std::string& org) override;
  Status record_attempt(std::uint64_t seq, const std::string& org, ledger::DeliveryState state,
                        std::int64_t next_attempt_at_ms, int http_status) override;
  Result<std::optional<ledger::HealthRow>> webhook_health_of(const std::string& org_id) override;
  Status put_webhook_health(const std::string& org_id, const ledger::HealthRow& h,
                            std::int64_t hour) override;
  Result<std::uint32_t> requeue_dead_deliveries(const std::string& org) override;
  Status last_audit(std::uint64_t& n, AuditLink& link) override;
  Status insert_audit(const AuditRow& row) override;

  const std::string path_;
  sqlite3* wdb_;
  sqlite3* rdb_;
  std::mutex read_mu_;
  std::atomic<bool> failed_{false};                        // written by the writer thread only
  std::chrono::steady_clock::time_point next_recovery_{};  // writer thread only
  Metrics* metrics_;
  StmtCache wcache_{wdb_};          // the writer's (writer thread only)
  StmtCache rcache_{rdb_};          // the reader's (under read_mu_)
  std::uint64_t next_seq_ = 1;      // writer thread only
  bool new_notifications_ = false;  // writer thread only
  // A purge left copies but could not write its mark (set on the writer
  // thread, read by clear_purge_residual's caller too).
  std::atomic<bool> residual_unmarked_{false};
  CommittedLog log_;
  const std::int64_t log_window_;
  std::unique_ptr<NotificationTail> tail_;  // made in the constructor, before the writer
};

}  // namespace cw::daemon
