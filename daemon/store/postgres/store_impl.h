// The PostgreSQL store's one class, declared once for the files that
// implement it by concern (daemon/store/postgres/): writer.cc (connections,
// the batch transaction, the listener), rows.cc (the row primitives the
// ledger's rules run on), alerts.cc, case_log.cc, outbox.cc, webhooks.cc,
// retention.cc; schema.cc holds the migrations.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "daemon/ledger/ledger.h"
#include "daemon/log.h"
#include "daemon/store/alert_record.h"
#include "daemon/store/batched_store.h"
#include "daemon/store/committed_log.h"
#include "daemon/store/postgres/pg.h"
#include "daemon/store/postgres/schema.h"
#include "daemon/store/postgres_store.h"
#include "daemon/store/receipt_facts.h"
#include "protocol/case_log.h"
#include "protocol/notification.h"
#include "protocol/secret.h"
#include "protocol/timefmt.h"

namespace cw::daemon {

// A few connections for reads (feeds, proofs' sources, the operator's
// tools), handed out one caller at a time; a broken one is replaced when
// next handed out.
class ConnPool {
 public:
  ConnPool(std::string uri, std::size_t size) : uri_(std::move(uri)), free_(size) {}
  class Lease {
   public:
    Lease(ConnPool& p, pg::Conn c) : pool_(p), c_(std::move(c)) {}
    Lease(const Lease&) = delete;
    ~Lease() { pool_.give_back(std::move(c_)); }
    PGconn* get() const { return c_.get(); }

   private:
    ConnPool& pool_;
    pg::Conn c_;
  };
  Result<std::unique_ptr<Lease>> take();

 private:
  void give_back(pg::Conn c);
  const std::string uri_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<pg::Conn> idle_;
  std::size_t free_;  // connections that may still be opened or are idle
};

class PostgresStore final : public BatchedStore {
 public:
  PostgresStore(pg::Conn writer, const PostgresOptions& o);
  ~PostgresStore() override;

  void purge_case_keys(UnixSeconds cutoff, bool dry_run, Callback<PurgeCounts> done) override;
  void close() override;

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
  // A lease of PostgresOptions::claim_lease, taken with SKIP LOCKED.
  Result<bool> claim_webhook(std::uint64_t seq, const std::string& org, UnixMillis now) override;
  Result<bool> claim_nonce(const Tag& tag, std::chrono::seconds keep_for) override;
  Result<std::optional<CaseStatusInfo>> case_status(const Tag& case_tag) override;
  Result<std::vector<OrgCaseView>> org_cases(const std::string& org, const std::string& after,
                                             std::size_t limit) override;
  Result<std::vector<WebhookHealth>> webhook_health() override;
  Result<std::uint64_t> count_alerts() override;
  Result<bool> has_alert(const Tag& alert_tag) override;
  std::uint64_t log_size() override { return log_.size(); }
  merkle::Hash log_root(std::uint64_t size) override { return log_.root(size); }
  std::optional<std::uint64_t> log_index_of(const merkle::Hash& leaf) override {
    return log_.index_of(leaf);
  }
  std::uint64_t log_waiting() override { return waiting_.load(); }
  std::vector<merkle::Hash> log_inclusion(std::uint64_t index, std::uint64_t size) override;
  std::vector<merkle::Hash> log_consistency(std::uint64_t first, std::uint64_t second) override;
  bool healthy() const override { return !failed_.load(); }

 private:
  void commit_batch(std::vector<Job>& batch) override;
  // A fresh writer connection after the old one broke (a failover, a
  // restart of the server): at most one attempt per second.
  bool reconnect();
  // LISTENs for other daemons' commits: wakes feeds and webhook workers,
  // and brings the case-log tree up to date (also once a second, in case
  // a notification was missed while reconnecting).
  void listen_loop();

  // Adds the committed case-log rows the tree does not have yet, in index
  // order. A log shorter than the tree (a restored backup, a failover that
  // lost commits) rebuilds the tree from the table and says so: clients
  // holding later heads will see it, which is the point.
  void sync_log(PGconn* c);

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
  // A leaf recorded to wait for its window, and one found waiting or
  // appended; write_waiting_leaves appends those whose window is over.
  Result<LeafRecord> append_leaf(LeafKind kind, std::int64_t at, const Tag& tag) override;
  Result<std::optional<LeafRecord>> find_leaf(const Tag& tag) override;

  Result<std::uint32_t> write_waiting_leaves(std::int64_t now) override;
  void count_waiting(PGconn* c);
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

  PGconn* w() const { return wconn_.get(); }

  const std::string uri_;
  const std::chrono::milliseconds lease_;
  Metrics* metrics_;
  pg::Conn wconn_;  // writer thread only
  ConnPool readers_;
  std::atomic<bool> failed_{false};
  std::chrono::steady_clock::time_point next_reconnect_{};  // writer thread only
  // Numbers handed out in the current batch (0: ask the database first);
  // the writer lock keeps them from being handed out by another daemon.
  std::uint64_t next_seq_ = 0;                           // writer thread only
  bool new_notifications_ = false, new_leaves_ = false;  // writer thread only
  bool waiting_changed_ = false;                         // writer thread only
  // A leaf this batch answers with (its own, or a repeat's recorded by
  // another daemon) is not in the tree yet: sync before the callbacks.
  bool sync_before_answers_ = false;  // writer thread only
  std::mutex log_mu_;                 // one sync_log at a time (writer, listener)
  CommittedLog log_;
  const std::int64_t log_window_;
  std::atomic<std::uint64_t> waiting_{0};  // every daemon's, as of this one's last write
  std::atomic<bool> stop_listening_{false};
  std::thread listener_;
};

}  // namespace cw::daemon
