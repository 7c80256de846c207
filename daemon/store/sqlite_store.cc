#include "daemon/store/sqlite_store.h"

#include <sodium.h>
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

#include "daemon/log.h"
#include "daemon/store/alert_record.h"
#include "daemon/store/audit_chain.h"
#include "daemon/store/committed_log.h"
#include "daemon/store/fault_vfs.h"
#include "daemon/store/notification_tail.h"
#include "daemon/store/receipt_facts.h"
#include "protocol/case_log.h"
#include "protocol/notification.h"
#include "protocol/secret.h"
#include "protocol/timefmt.h"

namespace cw::daemon {
namespace {

// Each entry moves the schema one version up; never edit a shipped entry.
const char* const kMigrations[] = {
    // v1: alerts. No sender identity and no alert id in the clear: the
    // idempotency key is a keyed hash, restricted data is sealed.
    R"sql(
    CREATE TABLE alerts (
      seq           INTEGER PRIMARY KEY AUTOINCREMENT,
      alert_tag     BLOB    NOT NULL UNIQUE,
      sender_tag    BLOB    NOT NULL,
      envelope_hash BLOB    NOT NULL,
      received_at   INTEGER NOT NULL,
      kind          TEXT    NOT NULL,
      sealed        BLOB    NOT NULL
    );
    )sql",
    // v2: cases, anonymised notifications and the delivery outbox. Only
    // anonymised facts are stored in the clear here (what organisations see).
    R"sql(
    CREATE TABLE cases (
      id          INTEGER PRIMARY KEY,
      case_tag    BLOB    NOT NULL UNIQUE,
      pseudonym   TEXT    NOT NULL,
      facts       TEXT    NOT NULL,
      state       TEXT    NOT NULL,
      opened_at   INTEGER NOT NULL,
      escalate_at INTEGER NOT NULL,
      escalated   INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX cases_escalation ON cases(state, escalated, escalate_at);
    CREATE TABLE notifications (
      seq        INTEGER PRIMARY KEY,
      case_id    INTEGER NOT NULL REFERENCES cases(id),
      event      TEXT    NOT NULL,
      body       TEXT    NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE deliveries (
      seq             INTEGER NOT NULL REFERENCES notifications(seq),
      org             TEXT    NOT NULL,
      state           TEXT    NOT NULL,
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      last_status     INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (seq, org)
    );
    CREATE INDEX deliveries_org ON deliveries(org, seq);
    CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
    CREATE TABLE case_orgs (
      case_id INTEGER NOT NULL REFERENCES cases(id),
      org     TEXT    NOT NULL,
      PRIMARY KEY (case_id, org)
    );
    CREATE TABLE acks (
      case_id  INTEGER NOT NULL REFERENCES cases(id),
      org      TEXT    NOT NULL,
      acked_at INTEGER NOT NULL,
      PRIMARY KEY (case_id, org)
    );
    CREATE TABLE webhook_health (
      org                  TEXT PRIMARY KEY,
      state                TEXT    NOT NULL,
      consecutive_failures INTEGER NOT NULL,
      updated_at           INTEGER NOT NULL
    );
    )sql",
    // v3: the subscription generation webhook health was recorded under, so a
    // fixed endpoint (casewire-keys set-org) can be revived.
    R"sql(
    ALTER TABLE webhook_health ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
    )sql",
    // v4: what a seizure reveals (issue 9 section 5). Alerts lose their row
    // order, their exact time and their envelope hash: the receipt's facts
    // are sealed, and the table is keyed by the alert tag (WITHOUT ROWID).
    // Cases get a case tag and an owner tag of their own (no join with the
    // alerts table), organisations are named by keyed tags in the case
    // tables, and times are kept to the hour. The data is moved by
    // migrate_v4_data(), which needs the daemon's keys.
    R"sql(
    CREATE TABLE alerts_v4 (
      alert_tag    BLOB    PRIMARY KEY,
      sender_tag   BLOB    NOT NULL,
      kind         TEXT    NOT NULL,
      received_day INTEGER NOT NULL,
      sealed       BLOB    NOT NULL,
      receipt      BLOB    NOT NULL
    ) WITHOUT ROWID;
    ALTER TABLE cases ADD COLUMN owner_tag BLOB NOT NULL DEFAULT x'';
    )sql",
    // v5: organisations' answers other than acting (protocol/org_answer.h):
    // codes only, one per organisation and case, the time to the hour.
    R"sql(
    CREATE TABLE answers (
      case_id     INTEGER NOT NULL REFERENCES cases(id),
      org         TEXT    NOT NULL,
      answer      TEXT    NOT NULL,
      reason      TEXT    NOT NULL,
      answered_at INTEGER NOT NULL,
      PRIMARY KEY (case_id, org)
    );
    )sql",
    // v6: crypto-shredding and the audit trail (docs/THREAT_MODEL.md,
    // "Retention"). Each case has its own key, stored only wrapped under the
    // storage key; the alerts' own words move from alerts.sealed (under the
    // storage key, which never goes away) to case_details under that key.
    // Destroying a case_keys row destroys them. The data is moved by
    // migrate_v6_data(), which needs the daemon's keys.
    R"sql(
    CREATE TABLE case_keys (
      case_tag      BLOB    PRIMARY KEY,
      wrapped       BLOB    NOT NULL,
      last_event_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX case_keys_age ON case_keys(last_event_at);
    CREATE TABLE case_details (
      case_tag BLOB    NOT NULL,
      n        INTEGER NOT NULL,
      sealed   BLOB    NOT NULL,
      PRIMARY KEY (case_tag, n)
    ) WITHOUT ROWID;
    CREATE TABLE audit (
      n         INTEGER PRIMARY KEY,
      at        INTEGER NOT NULL,
      sealed    BLOB    NOT NULL,
      link      BLOB    NOT NULL,
      signature BLOB    NOT NULL
    );
    )sql",
    // v7: the tamper-evident case log (protocol/case_log.h). One row per
    // leaf, in log order; `tag` is also inside `leaf` and is kept apart so a
    // repeated alert finds its leaf. Alerts recorded before v7 have none.
    R"sql(
    CREATE TABLE case_log (
      idx  INTEGER PRIMARY KEY,
      tag  BLOB    NOT NULL UNIQUE,
      leaf BLOB    NOT NULL
    );
    )sql",
};
// Statements that finish a migration after its data step.
const char* const kMigrationsAfterData[] = {
    nullptr, nullptr, nullptr, "DROP TABLE alerts; ALTER TABLE alerts_v4 RENAME TO alerts;",
    nullptr, nullptr, nullptr};
static_assert(std::size(kMigrationsAfterData) == std::size(kMigrations));
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));
// After this many failed attempts in a row an organisation's webhook is shown
// as failing (metrics, casewire-keys list). Deliveries are never dropped.
constexpr int kFailingAfter = 3;
// The feeds' in-memory tail (notification_tail.h): the last 4,096
// notifications, or fewer if they went to more than a million recipients
// between them (about 4 MB of bodies, 4 MB of recipients at most).
constexpr std::size_t kTailEntries = 4096, kTailRecipients = 1 << 20;

std::int64_t to_hour(std::int64_t t) {
  return t - t % 3600;
}

Error db_error(sqlite3* db, const std::string& what) {
  return make_error(Errc::store_unavailable,
                    what + ": " + (db ? sqlite3_errmsg(db) : "no database"));
}

// The statements of the per-alert path, prepared once per connection and
// reset between uses: preparing ~12 statements for every alert showed in
// the profile (bench/RESULTS.md). Keyed by the SQL literal's address, so only
// string literals may be used with it. One user at a time (the writer
// thread, or a reader under its lock); a statement is never used twice at
// once. Cleared (finalized) before its connection closes.
class StmtCache {
 public:
  explicit StmtCache(sqlite3*& db) : db_(db) {}
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;
  ~StmtCache() { clear(); }
  sqlite3_stmt* get(const char* sql) {
    if (auto it = stmts_.find(sql); it != stmts_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      return nullptr;
    stmts_.emplace(sql, st);
    return st;
  }
  void clear() {
    for (auto& [sql, st] : stmts_) sqlite3_finalize(st);
    stmts_.clear();
  }

 private:
  sqlite3*& db_;
  std::unordered_map<const char*, sqlite3_stmt*> stmts_;
};

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  // A cached statement: reset and unbound when this Stmt goes, not finalized.
  Stmt(StmtCache& cache, const char* sql) : s_(cache.get(sql)), cached_(true) {}
  Stmt(Stmt&& o) noexcept
      : s_(std::exchange(o.s_, nullptr)), cached_(std::exchange(o.cached_, false)) {}
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    std::swap(cached_, o.cached_);
    return *this;
  }
  ~Stmt() {
    if (!cached_) {
      sqlite3_finalize(s_);
    } else if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  explicit operator bool() const { return s_ != nullptr; }
  sqlite3_stmt* get() const { return s_; }

  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::uint64_t v) {
    sqlite3_bind_int64(s_, i, static_cast<std::int64_t>(v));
    return *this;
  }
  Stmt& bind(int i, int v) {
    sqlite3_bind_int(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, ByteView v) {
    // An empty view may have no data pointer, which SQLite would bind as NULL.
    if (v.empty()) {
      sqlite3_bind_zeroblob(s_, i, 0);
      return *this;
    }
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  std::int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
  std::string text(int c) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }
  ByteView blob(int c) const {
    return {static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, c)),
            static_cast<std::size_t>(sqlite3_column_bytes(s_, c))};
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool cached_ = false;
};

Status exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown";
    sqlite3_free(err);
    return make_error(Errc::store_unavailable, std::string("sql: ") + m);
  }
  return Status::Ok();
}

// Runs a write statement that must complete.
Status run(sqlite3* db, Stmt& s, const char* what) {
  if (!s) return db_error(db, std::string("prepare ") + what);
  return s.step() == SQLITE_DONE ? Status::Ok() : db_error(db, what);
}

// WAL: readers never block the writer. synchronous=FULL: the WAL is fsync'd
// at every commit, which is what makes a receipt a promise (only a
// fault-injection build's negative control can turn that off).
Status set_writer_pragmas(sqlite3* db) {
  for (const char* pragma : {"PRAGMA journal_mode=WAL", fault::synchronous_pragma(),
                             "PRAGMA foreign_keys=ON", "PRAGMA secure_delete=ON"})
    if (auto st = exec(db, pragma); !st.ok()) return st;
  return Status::Ok();
}

Result<sqlite3*> open_db(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, fault::vfs_name()) !=
      SQLITE_OK) {
    auto e = db_error(db, "open " + path);
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);
  return db;
}

// One unit of work for the writer. `apply` runs inside the batch transaction
// and returns an error only for a failure that must abort the whole batch;
// per-request refusals (duplicate, unknown case) are results, not errors.
// `finish(true)` runs after the commit is durable, `finish(false)` after a
// rollback.
struct Job {
  std::function<Status()> apply;
  std::function<void(bool committed)> finish;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* wdb, sqlite3* rdb, const SqliteOptions& o)
      : path_(o.path),
        wdb_(wdb),
        rdb_(rdb),
        max_batch_(o.max_batch),
        metrics_(o.metrics),
        keys_(o.keys) {
    reset_next_seq();
    tail_ = std::make_unique<NotificationTail>(next_seq_, kTailEntries, kTailRecipients);
    load_log();
    writer_ = std::thread([this] { writer_loop(); });
  }

  ~SqliteStore() override {
    close();
    wcache_.clear();  // a connection with live statements would not close
    rcache_.clear();
    sqlite3_close(wdb_);
    sqlite3_close(rdb_);
  }

  // ---- writes -------------------------------------------------------------

  void record_alert(NewAlert alert, Callback<Recorded> done) override {
    auto state = std::make_shared<std::pair<NewAlert, std::optional<Result<Recorded>>>>(
        std::move(alert), std::nullopt);
    submit(Job{[this, state] {
                 auto r = write_alert(state->first);
                 if (!r.ok() && r.code() == Errc::store_unavailable) return Status(r.error());
                 state->second = std::move(r);
                 return Status::Ok();
               },
               [state, done = std::move(done)](bool committed) {
                 if (!committed)
                   return done(
                       make_error(Errc::store_unavailable, "the alert could not be stored"));
                 done(std::move(*state->second));
               }});
  }

  void record_ack(std::uint64_t seq, std::string org, Tag leaf_tag, std::int64_t now,
                  std::vector<Recipient> orgs, Callback<AckResult> done) override {
    auto out = std::make_shared<std::optional<Result<AckResult>>>();
    submit(Job{[this, out, seq, org = std::move(org), leaf_tag, now, orgs = std::move(orgs)] {
                 auto r = write_ack(seq, org, leaf_tag, now, orgs);
                 if (!r.ok() && r.code() == Errc::store_unavailable) return Status(r.error());
                 *out = std::move(r);
                 return Status::Ok();
               },
               [out, done = std::move(done)](bool committed) {
                 if (!committed)
                   return done(make_error(Errc::store_unavailable,
                                          "the acknowledgement could not be stored"));
                 done(std::move(**out));
               }});
  }

  void record_answer(std::uint64_t seq, std::string org, OrgAnswer answer, std::int64_t now,
                     Callback<bool> done) override {
    auto out = std::make_shared<std::optional<Status>>();
    submit(Job{[this, out, seq, org = std::move(org), answer = std::move(answer), now] {
                 auto st = write_answer(seq, org, answer, now);
                 if (!st.ok() && st.code() == Errc::store_unavailable) return st;
                 *out = std::move(st);
                 return Status::Ok();
               },
               [out, done = std::move(done)](bool committed) {
                 if (!committed)
                   return done(
                       make_error(Errc::store_unavailable, "the answer could not be stored"));
                 if (!out->value().ok()) return done(out->value().error());
                 done(true);
               }});
  }

  void escalate_due(std::int64_t now, std::vector<Recipient> to, std::vector<std::string> cleared,
                    Callback<std::uint32_t> done) override {
    auto count = std::make_shared<std::uint32_t>(0);
    submit(Job{[this, count, now, to = std::move(to), cleared = std::move(cleared)] {
                 auto r = write_escalations(now, to, cleared);
                 if (!r) return Status(r.error());
                 *count = *r;
                 return Status::Ok();
               },
               [count, done = std::move(done)](bool committed) {
                 if (!committed)
                   return done(make_error(Errc::store_unavailable, "escalation not stored"));
                 done(*count);
               }});
  }

  void record_webhook_results(std::vector<WebhookResult> results, Callback<bool> done) override {
    submit(Job{[this, results = std::move(results)] { return write_webhook_results(results); },
               [done = std::move(done)](bool committed) {
                 if (!committed)
                   return done(make_error(Errc::store_unavailable, "webhook results not stored"));
                 done(true);
               }});
  }

  void revive_webhooks(std::vector<WebhookGeneration> current,
                       Callback<std::uint32_t> done) override {
    auto count = std::make_shared<std::uint32_t>(0);
    submit(Job{[this, count, current = std::move(current)] {
                 auto r = write_revivals(current);
                 if (!r) return Status(r.error());
                 *count = *r;
                 return Status::Ok();
               },
               [count, done = std::move(done)](bool committed) {
                 if (!committed)
                   return done(make_error(Errc::store_unavailable, "webhook revival not stored"));
                 done(*count);
               }});
  }

  void purge_case_keys(std::int64_t cutoff, bool dry_run, Callback<PurgeCounts> done) override {
    auto counts = std::make_shared<PurgeCounts>();
    submit(Job{[this, counts, cutoff, dry_run]() -> Status {
                 Stmt c(wdb_,
                        "SELECT count(*), (SELECT count(*) FROM case_details d WHERE d.case_tag IN "
                        "(SELECT case_tag FROM case_keys WHERE last_event_at < ?1)) "
                        "FROM case_keys WHERE last_event_at < ?1");
                 if (!c || c.bind(1, cutoff).step() != SQLITE_ROW)
                   return db_error(wdb_, "count due case keys");
                 counts->cases = static_cast<std::uint32_t>(c.i64(0));
                 counts->records = static_cast<std::uint32_t>(c.i64(1));
                 if (dry_run || counts->cases == 0) return Status::Ok();
                 // secure_delete is on: the freed cells and pages are zeroed.
                 Stmt d(wdb_,
                        "DELETE FROM case_details WHERE case_tag IN "
                        "(SELECT case_tag FROM case_keys WHERE last_event_at < ?)");
                 d.bind(1, cutoff);
                 CW_TRY(run(wdb_, d, "purge case details"));
                 Stmt k(wdb_, "DELETE FROM case_keys WHERE last_event_at < ?");
                 k.bind(1, cutoff);
                 return run(wdb_, k, "purge case keys");
               },
               [this, counts, dry_run, done = std::move(done)](bool committed) {
                 if (!committed)
                   return done(make_error(Errc::store_unavailable, "the purge was not stored"));
                 if (!dry_run && counts->cases > 0) counts->wal_cleared = truncate_wal();
                 done(*counts);
               }});
  }

  void append_audit(std::string entry_json, std::int64_t at, Callback<AuditRow> done) override {
    auto row = std::make_shared<AuditRow>();
    submit(Job{
        [this, row, entry = std::move(entry_json), at] {
          if (!keys_)
            return Status(make_error(Errc::store_unavailable, "the store was opened without keys"));
          Stmt last(wdb_, "SELECT n, link FROM audit ORDER BY n DESC LIMIT 1");
          if (!last) return Status(db_error(wdb_, "read audit head"));
          AuditLink prev{};
          row->n = 1;
          if (last.step() == SQLITE_ROW) {
            row->n = static_cast<std::uint64_t>(last.i64(0)) + 1;
            if (auto l = last.blob(1); l.size() == prev.size())
              std::copy(l.begin(), l.end(), prev.begin());
          }
          row->at = at;
          row->sealed = keys_->seal_record(as_bytes(entry), audit_entry_ad(row->n));
          row->link = audit_link(prev, row->n, at, row->sealed);
          const auto sig = sign_audit_link(keys_->signing(), row->link);
          row->signature.assign(sig.begin(), sig.end());
          Stmt ins(wdb_,
                   "INSERT INTO audit (n, at, sealed, link, signature) VALUES (?, ?, ?, ?, ?)");
          ins.bind(1, row->n).bind(2, at).bind(3, ByteView(row->sealed));
          ins.bind(4, ByteView(row->link)).bind(5, ByteView(row->signature));
          return run(wdb_, ins, "append audit entry");
        },
        [row, done = std::move(done)](bool committed) {
          if (!committed)
            return done(make_error(Errc::store_unavailable, "the audit entry was not stored"));
          done(std::move(*row));
        }});
  }

  // ---- reads --------------------------------------------------------------

  Result<std::optional<CaseRecord>> case_record(const std::string& pseudonym) override {
    std::lock_guard lock(read_mu_);
    Stmt c(rdb_, "SELECT id, case_tag, state, facts FROM cases WHERE pseudonym = ?");
    if (!c) return db_error(rdb_, "case record");
    c.bind(1, std::string_view(pseudonym));
    if (c.step() != SQLITE_ROW) return std::optional<CaseRecord>();
    CaseRecord rec;
    const std::int64_t id = c.i64(0);
    if (auto t = c.blob(1); t.size() == rec.case_tag.size())
      std::copy(t.begin(), t.end(), rec.case_tag.begin());
    rec.state = c.text(2);
    auto facts = CaseFacts::from_json(c.text(3));
    if (!facts) return facts.error();
    rec.facts = std::move(*facts);
    Stmt o(rdb_, "SELECT org FROM case_orgs WHERE case_id = ? ORDER BY org");
    if (!o) return db_error(rdb_, "case record orgs");
    o.bind(1, id);
    while (o.step() == SQLITE_ROW) rec.orgs.push_back(o.text(0));
    Stmt k(rdb_, "SELECT wrapped FROM case_keys WHERE case_tag = ?");
    if (!k) return db_error(rdb_, "case record key");
    k.bind(1, ByteView(rec.case_tag));
    if (k.step() == SQLITE_ROW) rec.wrapped_key.assign(k.blob(0).begin(), k.blob(0).end());
    Stmt d(rdb_, "SELECT n, sealed FROM case_details WHERE case_tag = ? ORDER BY n");
    if (!d) return db_error(rdb_, "case record details");
    d.bind(1, ByteView(rec.case_tag));
    while (d.step() == SQLITE_ROW)
      rec.details.push_back(
          {static_cast<std::uint32_t>(d.i64(0)), Bytes(d.blob(1).begin(), d.blob(1).end())});
    return std::optional<CaseRecord>(std::move(rec));
  }

  Result<std::vector<stats::CaseSummary>> case_summaries() override {
    std::lock_guard lock(read_mu_);
    Stmt c(rdb_, "SELECT state, facts, opened_at FROM cases ORDER BY id");
    if (!c) return db_error(rdb_, "case summaries");
    std::vector<stats::CaseSummary> out;
    while (c.step() == SQLITE_ROW) {
      auto facts = CaseFacts::from_json(c.text(1));
      if (!facts) return facts.error();
      out.push_back({c.text(0), std::move(*facts), format_rfc3339(c.i64(2))});
    }
    return out;
  }

  Result<std::vector<AuditRow>> audit_rows() override {
    std::lock_guard lock(read_mu_);
    Stmt s(rdb_, "SELECT n, at, sealed, link, signature FROM audit ORDER BY n");
    if (!s) return db_error(rdb_, "audit");
    std::vector<AuditRow> out;
    while (s.step() == SQLITE_ROW) {
      AuditRow r;
      r.n = static_cast<std::uint64_t>(s.i64(0));
      r.at = s.i64(1);
      r.sealed.assign(s.blob(2).begin(), s.blob(2).end());
      if (auto l = s.blob(3); l.size() == r.link.size())
        std::copy(l.begin(), l.end(), r.link.begin());
      r.signature.assign(s.blob(4).begin(), s.blob(4).end());
      out.push_back(std::move(r));
    }
    return out;
  }

  Result<std::uint64_t> count_audit() override {
    std::lock_guard lock(read_mu_);
    Stmt s(rdb_, "SELECT count(*) FROM audit");
    if (!s || s.step() != SQLITE_ROW) return db_error(rdb_, "count audit");
    return static_cast<std::uint64_t>(s.i64(0));
  }

  Result<std::vector<FeedItem>> feed(const std::string& org, std::uint64_t after,
                                     std::size_t limit) override {
    if (auto recent = tail_->read(org, after, limit)) return std::move(*recent);
    std::lock_guard lock(read_mu_);
    Stmt s(rdb_,
           "SELECT n.seq, n.body FROM deliveries d JOIN notifications n ON n.seq = d.seq "
           "WHERE d.org = ? AND d.seq > ? ORDER BY d.seq LIMIT ?");
    if (!s) return db_error(rdb_, "feed");
    s.bind(1, std::string_view(org)).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
    std::vector<FeedItem> out;
    while (s.step() == SQLITE_ROW) out.push_back({static_cast<std::uint64_t>(s.i64(0)), s.text(1)});
    return out;
  }

  Result<std::vector<DueWebhook>> due_webhooks(std::int64_t now, std::size_t limit,
                                               const std::vector<std::string>& paused) override {
    std::lock_guard lock(read_mu_);
    Stmt s(rdb_,
           "SELECT d.seq, d.org, d.attempts, n.body FROM deliveries d JOIN notifications n ON "
           "n.seq = d.seq "
           "WHERE d.state = 'pending' AND d.next_attempt_at <= ? "
           "AND d.org NOT IN (SELECT value FROM json_each(?)) "
           "ORDER BY d.seq LIMIT ?");
    if (!s) return db_error(rdb_, "due webhooks");
    std::string list = "[";
    for (const auto& p : paused) {
      if (p.find_first_not_of("0123456789abcdef") != std::string::npos) continue;  // tags are hex
      list += (list.size() > 1 ? ",\"" : "\"") + p + "\"";
    }
    list += "]";
    s.bind(1, now).bind(2, std::string_view(list)).bind(3, static_cast<std::int64_t>(limit));
    std::vector<DueWebhook> out;
    while (s.step() == SQLITE_ROW)
      out.push_back({static_cast<std::uint64_t>(s.i64(0)), s.text(1),
                     static_cast<std::uint32_t>(s.i64(2)), s.text(3)});
    return out;
  }

  Result<std::optional<CaseStatusInfo>> case_status(const Tag& case_tag) override {
    std::lock_guard lock(read_mu_);
    Stmt s(rdb_,
           "SELECT c.pseudonym, c.state, c.escalated, (SELECT count(*) FROM acks a WHERE a.case_id "
           "= c.id), "
           "c.owner_tag FROM cases c WHERE c.case_tag = ?");
    if (!s) return db_error(rdb_, "case status");
    s.bind(1, ByteView(case_tag));
    if (s.step() != SQLITE_ROW) return std::optional<CaseStatusInfo>();
    CaseStatusInfo c{s.text(0), s.text(1), static_cast<std::uint32_t>(s.i64(3)), s.i64(2) != 0, {},
                     0,         {}};
    auto st = s.blob(4);
    if (st.size() == c.owner_tag.size()) std::copy(st.begin(), st.end(), c.owner_tag.begin());
    Stmt a(rdb_,
           "SELECT a.answer, a.reason FROM answers a JOIN cases c ON c.id = a.case_id "
           "WHERE c.case_tag = ? ORDER BY a.reason");
    if (!a) return db_error(rdb_, "case answers");
    a.bind(1, ByteView(case_tag));
    while (a.step() == SQLITE_ROW) {
      if (a.text(0) == "cannot_act")
        ++c.cannot_act;
      else if (c.needs.empty() || c.needs.back() != a.text(1))
        c.needs.push_back(a.text(1));
    }
    return std::optional<CaseStatusInfo>(c);
  }

  Result<std::vector<WebhookHealth>> webhook_health() override {
    std::lock_guard lock(read_mu_);
    Stmt s(rdb_, "SELECT org, state, consecutive_failures FROM webhook_health ORDER BY org");
    if (!s) return db_error(rdb_, "webhook health");
    std::vector<WebhookHealth> out;
    while (s.step() == SQLITE_ROW)
      out.push_back({s.text(0), s.text(1), static_cast<std::uint32_t>(s.i64(2))});
    return out;
  }

  Result<std::uint64_t> count_alerts() override {
    std::lock_guard lock(read_mu_);
    Stmt s(rdb_, "SELECT count(*) FROM alerts");
    if (!s || s.step() != SQLITE_ROW) return db_error(rdb_, "count");
    return static_cast<std::uint64_t>(s.i64(0));
  }

  Result<bool> has_alert(const Tag& alert_tag) override {
    std::lock_guard lock(read_mu_);
    Stmt s(rcache_, "SELECT 1 FROM alerts WHERE alert_tag = ?");
    if (!s) return db_error(rdb_, "has alert");
    s.bind(1, ByteView(alert_tag));
    const int rc = s.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(rdb_, "has alert");
    return rc == SQLITE_ROW;
  }

  std::uint64_t log_size() override { return log_.size(); }
  merkle::Hash log_root(std::uint64_t size) override { return log_.root(size); }
  std::vector<merkle::Hash> log_inclusion(std::uint64_t index, std::uint64_t size) override {
    return log_.inclusion(index, size);
  }
  std::vector<merkle::Hash> log_consistency(std::uint64_t first, std::uint64_t second) override {
    return log_.consistency(first, second);
  }

  bool healthy() const override { return !failed_.load(); }

  void on_new_notifications(std::function<void()> listener) override {
    std::lock_guard lock(mu_);
    listener_ = std::move(listener);
  }

  void close() override {
    {
      std::lock_guard lock(mu_);
      if (closing_) return;
      closing_ = true;
      cv_.notify_all();
    }
    if (writer_.joinable()) writer_.join();
  }

 private:
  void submit(Job job) {
    {
      std::lock_guard lock(mu_);
      if (!closing_) {
        queue_.push_back(std::move(job));
        cv_.notify_one();
        return;
      }
    }
    job.finish(false);
  }

  void writer_loop() {
    std::vector<Job> batch;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing and drained
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      commit_batch(batch);
      batch.clear();
    }
  }

  void commit_batch(std::vector<Job>& batch) {
    // After a failed commit the connection is not trusted (an fsync error
    // may mean the kernel dropped dirty pages): nothing is written until a
    // fresh connection has recovered the file and checked it.
    if (failed_ && !recover()) {
      for (auto& j : batch) j.finish(false);
      return;
    }
    log_.discard();
    tail_->discard();
    const auto start = std::chrono::steady_clock::now();
    new_notifications_ = false;
    fault::mark(fault::Phase::writing);
    Status st = exec(wdb_, "BEGIN IMMEDIATE");
    // A job that throws (allocation failure, a bug) aborts the batch like a
    // failed statement; nothing may end the writer thread with callers waiting.
    try {
      for (std::size_t i = 0; st.ok() && i < batch.size(); ++i) st = batch[i].apply();
    } catch (...) {
      if (metrics_) metrics_->internal_errors.fetch_add(1);
      st = make_error(Errc::store_unavailable, "internal error in a store job");
    }
    if (st.ok() && fault::ack_before_commit()) {
      // NEGATIVE CONTROL ONLY (fault-injection builds): tell callers their
      // writes are safe before they are, so a crash test that is working
      // must see acknowledged alerts go missing.
      log_.publish();
      tail_->publish();
      for (auto& j : batch) j.finish(true);
      fault::mark(fault::Phase::committing);
      (void)exec(wdb_, "COMMIT");
      fault::mark(fault::Phase::idle);
      return;
    }
    // COMMIT is where SQLite fsyncs the WAL (synchronous=FULL). Only when it
    // succeeds may anyone in this batch be told their write is safe.
    fault::mark(fault::Phase::committing);
    if (st.ok()) st = exec(wdb_, "COMMIT");
    fault::mark(fault::Phase::idle);
    if (!st.ok()) {
      (void)exec(wdb_, "ROLLBACK");
      log_.discard();
      tail_->discard();
      failed_ = true;
      if (metrics_) metrics_->store_failures.fetch_add(1);
      log_event("store_commit_failed", {LogField::code(Errc::store_unavailable)});
      for (auto& j : batch) j.finish(false);
      return;
    }
    if (metrics_) {
      metrics_->store_commit_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      metrics_->store_batch_size.observe(static_cast<double>(batch.size()));
    }
    // Before any callback: a receipt's proof needs its leaf in the tree, and
    // a feed woken by the listener reads the tail.
    log_.publish();
    tail_->publish();
    for (auto& j : batch) j.finish(true);
    if (new_notifications_) {
      std::function<void()> l;
      {
        std::lock_guard lock(mu_);
        l = listener_;
      }
      if (l) l();
    }
  }

  // Copies the WAL into the database and truncates it to zero bytes, so the
  // frames that held a destroyed key are gone from the file. Readers in the
  // middle of a snapshot can hold it up: a few tries, then the next purge.
  bool truncate_wal() {
    for (int i = 0; i < 20; ++i) {
      int log = -1, done = -1;
      if (sqlite3_wal_checkpoint_v2(wdb_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done) ==
              SQLITE_OK &&
          log == 0)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Reopens the database (SQLite recovers the WAL from what is on disk),
  // checks it, and resumes. At most one attempt per second.
  bool recover() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_recovery_) return false;
    next_recovery_ = now + std::chrono::seconds(1);
    wcache_.clear();
    sqlite3_close(wdb_);
    wdb_ = nullptr;
    auto db = open_db(path_, SQLITE_OPEN_READWRITE);
    if (!db) return false;
    wdb_ = *db;
    if (!set_writer_pragmas(wdb_).ok()) return false;
    Stmt check(wdb_, "PRAGMA quick_check");
    if (!check || check.step() != SQLITE_ROW || check.text(0) != "ok") return false;
    reset_next_seq();
    failed_ = false;
    log_event("store_recovered");
    return true;
  }

  // Rebuilds the tree from the table, in index order. A gap or a damaged row
  // is not hidden: the tree is what the table says, and clients holding
  // earlier heads will see that it is no longer the log they knew (that is
  // the point). The daemon says so in its own log, and numbers the rows
  // afresh so that it can go on recording alerts.
  void load_log() {
    struct Row {
      Bytes tag, leaf;
    };
    std::vector<Row> rows;
    bool damaged = false;
    {
      Stmt s(wdb_, "SELECT idx, tag, leaf FROM case_log ORDER BY idx");
      while (s && s.step() == SQLITE_ROW) {
        damaged |= s.i64(0) != static_cast<std::int64_t>(rows.size());
        auto t = s.blob(1), l = s.blob(2);
        rows.push_back({Bytes(t.begin(), t.end()), Bytes(l.begin(), l.end())});
      }
    }
    for (const auto& r : rows) log_.stage(merkle::leaf_hash(r.leaf));
    log_.publish();
    if (!damaged) return;
    log_event("case_log_damaged", {LogField::code(Errc::log_inconsistent)});
    Status st = exec(wdb_, "BEGIN IMMEDIATE; DELETE FROM case_log");
    for (std::size_t i = 0; st.ok() && i < rows.size(); ++i) {
      Stmt ins(wdb_, "INSERT INTO case_log (idx, tag, leaf) VALUES (?, ?, ?)");
      ins.bind(1, static_cast<std::int64_t>(i)).bind(2, ByteView(rows[i].tag));
      ins.bind(3, ByteView(rows[i].leaf));
      st = run(wdb_, ins, "renumber case log");
    }
    (void)exec(wdb_, st.ok() ? "COMMIT" : "ROLLBACK");
  }

  // Appends a leaf inside the current transaction; it joins the tree when
  // the batch commits.
  Result<ReceiptLogEntry> append_leaf(LeafKind kind, std::int64_t at, const Tag& tag) {
    const Bytes leaf = encode_leaf(kind, to_hour(at), tag);
    ReceiptLogEntry e{log_.next_index(), merkle::leaf_hash(leaf)};
    Stmt ins(wcache_, "INSERT INTO case_log (idx, tag, leaf) VALUES (?, ?, ?)");
    ins.bind(1, static_cast<std::int64_t>(e.index)).bind(2, ByteView(tag)).bind(3, ByteView(leaf));
    CW_TRY(run(wdb_, ins, "insert case log leaf"));
    log_.stage(e.leaf);
    return e;
  }

  // A recorded alert's leaf, for the byte-identical receipt of a repeat.
  Result<std::optional<ReceiptLogEntry>> find_leaf(const Tag& tag) {
    Stmt s(wcache_, "SELECT idx, leaf FROM case_log WHERE tag = ?");
    if (!s) return db_error(wdb_, "prepare case log lookup");
    s.bind(1, ByteView(tag));
    const int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<ReceiptLogEntry>();
    if (rc != SQLITE_ROW) return db_error(wdb_, "case log lookup");
    return std::optional<ReceiptLogEntry>(
        ReceiptLogEntry{static_cast<std::uint64_t>(s.i64(0)), merkle::leaf_hash(s.blob(1))});
  }

  void reset_next_seq() {
    Stmt s(wdb_, "SELECT coalesce(max(seq), 0) FROM notifications");
    next_seq_ = s && s.step() == SQLITE_ROW ? static_cast<std::uint64_t>(s.i64(0)) + 1 : 1;
  }

  // Adds one case event: the notification body and a delivery row per
  // recipient, and remembers the recipients as being on the case.
  Result<std::uint64_t> add_event(std::int64_t case_id, const std::string& pseudonym,
                                  const CaseFacts& facts, std::string_view event,
                                  const std::vector<Recipient>& to, std::int64_t now) {
    Stmt acks(wcache_, "SELECT count(*) FROM acks WHERE case_id = ?");
    if (!acks || acks.bind(1, case_id).step() != SQLITE_ROW) return db_error(wdb_, "count acks");
    const std::uint64_t seq = next_seq_;
    auto body = encode_notification(make_notification(
        facts, event, seq, pseudonym, static_cast<std::uint32_t>(acks.i64(0)), now));
    if (!body)
      return make_error(Errc::store_unavailable,
                        "notification encoding failed: " + body.error().message);
    Stmt n(
        wcache_,
        "INSERT INTO notifications (seq, case_id, event, body, created_at) VALUES (?, ?, ?, ?, ?)");
    n.bind(1, seq)
        .bind(2, case_id)
        .bind(3, event)
        .bind(4, std::string_view(*body))
        .bind(5, to_hour(now));
    CW_TRY(run(wdb_, n, "insert notification"));
    next_seq_++;
    for (const auto& r : to) {
      // Due at once: 0, not the exact time of the event (which a seized
      // phone's receipt would match).
      Stmt d(wcache_,
             "INSERT INTO deliveries (seq, org, state, next_attempt_at) VALUES (?, ?, ?, 0)");
      d.bind(1, seq)
          .bind(2, std::string_view(r.org))
          .bind(3, std::string_view(r.webhook ? "pending" : "feed"));
      CW_TRY(run(wdb_, d, "insert delivery"));
      Stmt co(wcache_, "INSERT OR IGNORE INTO case_orgs (case_id, org) VALUES (?, ?)");
      co.bind(1, case_id).bind(2, std::string_view(r.org));
      CW_TRY(run(wdb_, co, "insert case org"));
    }
    std::vector<std::string> orgs;
    orgs.reserve(to.size());
    for (const auto& r : to) orgs.push_back(r.org);
    tail_->stage(seq, std::move(*body), std::move(orgs));
    new_notifications_ = true;
    return seq;
  }

  Result<std::set<std::string>> orgs_on_case(std::int64_t case_id) {
    Stmt s(wcache_, "SELECT org FROM case_orgs WHERE case_id = ?");
    if (!s) return db_error(wdb_, "case orgs");
    s.bind(1, case_id);
    std::set<std::string> out;
    while (s.step() == SQLITE_ROW) out.insert(s.text(0));
    return out;
  }

  // Seals an alert record under its case's key (made on the case's first
  // record, or again after a purge) and restarts the retention clock.
  Status store_details(const Tag& case_tag, const WipedBytes& details, std::int64_t now) {
    if (!keys_) return make_error(Errc::store_unavailable, "the store was opened without keys");
    Stmt k(wcache_, "SELECT wrapped FROM case_keys WHERE case_tag = ?");
    if (!k) return db_error(wdb_, "prepare case key");
    k.bind(1, ByteView(case_tag));
    CaseKey key;
    if (k.step() == SQLITE_ROW) {
      if (auto st = keys_->unwrap_case_key(k.blob(0), case_tag, key); !st.ok())
        return make_error(Errc::store_unavailable, st.error().message);
    } else {
      randombytes_buf(key.data(), key.size());
      Stmt ins(wcache_,
               "INSERT INTO case_keys (case_tag, wrapped, last_event_at) VALUES (?, ?, 0)");
      ins.bind(1, ByteView(case_tag)).bind(2, ByteView(keys_->wrap_case_key(key.view(), case_tag)));
      CW_TRY(run(wdb_, ins, "insert case key"));
    }
    Stmt age(wcache_, "UPDATE case_keys SET last_event_at = ? WHERE case_tag = ?");
    age.bind(1, to_hour(now)).bind(2, ByteView(case_tag));
    CW_TRY(run(wdb_, age, "age case key"));
    Stmt next(wcache_, "SELECT coalesce(max(n), 0) + 1 FROM case_details WHERE case_tag = ?");
    if (!next || next.bind(1, ByteView(case_tag)).step() != SQLITE_ROW)
      return db_error(wdb_, "next case detail");
    const auto n = static_cast<std::uint32_t>(next.i64(0));
    Stmt d(wcache_, "INSERT INTO case_details (case_tag, n, sealed) VALUES (?, ?, ?)");
    d.bind(1, ByteView(case_tag))
        .bind(2, static_cast<std::int64_t>(n))
        .bind(3, ByteView(seal_under(key.view(), details.view(), case_detail_ad(case_tag, n))));
    return run(wdb_, d, "insert case detail");
  }

  Result<Recorded> write_alert(const NewAlert& a) {
    Stmt find(wcache_, "SELECT sender_tag, receipt FROM alerts WHERE alert_tag = ?");
    if (!find) return db_error(wdb_, "prepare lookup");
    find.bind(1, ByteView(a.alert_tag));
    int rc = find.step();
    if (rc == SQLITE_ROW) {
      Recorded r;
      r.duplicate = true;
      r.sender_conflict = !ct_equal(find.blob(0), a.sender_tag);
      auto receipt = find.blob(1);
      r.receipt.assign(receipt.begin(), receipt.end());
      auto leaf = find_leaf(a.leaf_tag);
      if (!leaf) return leaf.error();
      r.log = *leaf;
      return r;
    }
    if (rc != SQLITE_DONE) return db_error(wdb_, "lookup");

    // A follow-up must name a case this daemon knows (checked before any write).
    std::int64_t case_id = 0;
    std::string pseudonym;
    CaseFacts facts = a.event.facts;
    std::vector<Recipient> to = a.event.recipients;
    if (a.kind != AlertKind::new_case) {
      Stmt c(wcache_,
             "SELECT id, pseudonym, facts, state, owner_tag FROM cases WHERE case_tag = ?");
      if (!c) return db_error(wdb_, "prepare case");
      c.bind(1, ByteView(a.event.case_tag));
      // Not there, and not yours, get one answer: a contact must not learn
      // from us which references belong to someone else's case.
      const auto unknown = make_error(Errc::unknown_case, "no case of yours has this reference");
      if (c.step() != SQLITE_ROW) return unknown;
      Tag reporter{};
      if (auto t = c.blob(4); t.size() == reporter.size())
        std::copy(t.begin(), t.end(), reporter.begin());
      if (!owns_case(reporter, a.event.owner_tags)) return unknown;
      // A retraction is final: organisations stood down on it.
      if (c.text(3) == "retracted")
        return make_error(Errc::case_retracted, "this case was retracted; a retraction is final");
      case_id = c.i64(0);
      pseudonym = c.text(1);
      auto stored = CaseFacts::from_json(c.text(2));
      if (!stored) return stored.error();
      facts = std::move(*stored);
      facts.merge_from(a.event.facts);
      // The reporter has followed up: requests for information are answered
      // (organisations ask again if what they needed is still missing).
      Stmt answered(wcache_,
                    "DELETE FROM answers WHERE case_id = ? AND answer = 'need_information'");
      answered.bind(1, case_id);
      CW_TRY(run(wdb_, answered, "clear requests for information"));
      to = a.event.route ? a.event.route(facts) : std::vector<Recipient>{};
      auto on_case = orgs_on_case(case_id);
      if (!on_case) return on_case.error();
      std::erase_if(to, [&](const Recipient& r) { return !on_case->count(r.org); });
    }

    Stmt ins(wcache_,
             "INSERT INTO alerts (alert_tag, sender_tag, kind, received_day, sealed, receipt) "
             "VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, ByteView(a.alert_tag)).bind(2, ByteView(a.sender_tag)).bind(3, to_string(a.kind));
    // The alert's own words are not kept here (under the storage key, which
    // never goes away) but in case_details, under the case's key.
    ins.bind(4, a.received_at / 86400).bind(5, ByteView()).bind(6, ByteView(a.receipt));
    CW_TRY(run(wdb_, ins, "insert alert"));
    Recorded r;

    if (a.kind == AlertKind::new_case) {
      Stmt c(wcache_,
             "INSERT INTO cases (case_tag, pseudonym, facts, state, opened_at, escalate_at, "
             "owner_tag) "
             "VALUES (?, ?, ?, 'open', ?, ?, ?)");
      c.bind(1, ByteView(a.event.case_tag)).bind(2, std::string_view(a.event.case_id));
      c.bind(3, std::string_view(facts.to_json()))
          .bind(4, to_hour(a.received_at))
          .bind(5, a.event.escalate_at);
      c.bind(6, ByteView(a.event.owner_tag));
      CW_TRY(run(wdb_, c, "insert case"));
      case_id = sqlite3_last_insert_rowid(wdb_);
      pseudonym = a.event.case_id;
    } else {
      const char* state = a.kind == AlertKind::resolved     ? "resolved"
                          : a.kind == AlertKind::retraction ? "retracted"
                                                            : "open";
      Stmt u(wcache_, "UPDATE cases SET facts = ?, state = ? WHERE id = ?");
      u.bind(1, std::string_view(facts.to_json()))
          .bind(2, std::string_view(state))
          .bind(3, case_id);
      CW_TRY(run(wdb_, u, "update case"));
    }
    if (!a.details.empty()) CW_TRY(store_details(a.event.case_tag, a.details, a.received_at));
    auto seq = add_event(case_id, pseudonym, facts, to_string(a.kind), to, a.received_at);
    if (!seq) return seq.error();
    r.notification = *seq;
    r.deliveries = to.size();
    // Last: nothing after it can refuse the alert and leave a staged leaf.
    auto leaf = append_leaf(a.kind == AlertKind::new_case ? LeafKind::alert : LeafKind::follow_up,
                            a.received_at, a.leaf_tag);
    if (!leaf) return leaf.error();
    r.log = *leaf;
    return r;
  }

  // Same admission as an acknowledgement: the notification exists and was
  // sent to this organisation. The answer replaces its acknowledgement, if
  // any (an organisation that stops acting says so this way).
  Status write_answer(std::uint64_t seq, const std::string& org, const OrgAnswer& answer,
                      std::int64_t now) {
    Stmt n(wdb_,
           "SELECT n.case_id, EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = n.seq AND d.org = "
           "?) FROM notifications n WHERE n.seq = ?");
    if (!n) return db_error(wdb_, "prepare answer");
    n.bind(1, std::string_view(org)).bind(2, seq);
    if (n.step() != SQLITE_ROW) return make_error(Errc::not_found, "no such notification");
    if (n.i64(1) == 0) return make_error(Errc::forbidden, "this notification was not sent to you");
    const std::int64_t case_id = n.i64(0);
    Stmt drop(wdb_, "DELETE FROM acks WHERE case_id = ? AND org = ?");
    drop.bind(1, case_id).bind(2, std::string_view(org));
    CW_TRY(run(wdb_, drop, "drop ack"));
    Stmt ins(wdb_,
             "INSERT OR REPLACE INTO answers (case_id, org, answer, reason, answered_at) "
             "VALUES (?, ?, ?, ?, ?)");
    ins.bind(1, case_id).bind(2, std::string_view(org));
    ins.bind(3, answer_kind_name(answer.kind)).bind(4, std::string_view(answer.reason));
    ins.bind(5, to_hour(now));
    return run(wdb_, ins, "insert answer");
  }

  Result<AckResult> write_ack(std::uint64_t seq, const std::string& org, const Tag& leaf_tag,
                              std::int64_t now, const std::vector<Recipient>& orgs) {
    Stmt n(wdb_,
           "SELECT n.case_id, c.pseudonym, c.facts, "
           "EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = n.seq AND d.org = ?) "
           "FROM notifications n JOIN cases c ON c.id = n.case_id WHERE n.seq = ?");
    if (!n) return db_error(wdb_, "prepare ack");
    n.bind(1, std::string_view(org)).bind(2, seq);
    if (n.step() != SQLITE_ROW) return make_error(Errc::not_found, "no such notification");
    if (n.i64(3) == 0) return make_error(Errc::forbidden, "this notification was not sent to you");
    const std::int64_t case_id = n.i64(0);
    const std::string pseudonym = n.text(1);
    auto stored_facts = CaseFacts::from_json(n.text(2));
    if (!stored_facts) return stored_facts.error();
    const CaseFacts facts = std::move(*stored_facts);
    // Acting supersedes this organisation's earlier answer.
    Stmt drop(wdb_, "DELETE FROM answers WHERE case_id = ? AND org = ?");
    drop.bind(1, case_id).bind(2, std::string_view(org));
    CW_TRY(run(wdb_, drop, "drop answer"));
    Stmt ins(wdb_, "INSERT OR IGNORE INTO acks (case_id, org, acked_at) VALUES (?, ?, ?)");
    ins.bind(1, case_id).bind(2, std::string_view(org)).bind(3, to_hour(now));
    CW_TRY(run(wdb_, ins, "insert ack"));
    AckResult r;
    r.first_time = sqlite3_changes(wdb_) == 1;
    Stmt cnt(wdb_, "SELECT count(*) FROM acks WHERE case_id = ?");
    if (!cnt || cnt.bind(1, case_id).step() != SQLITE_ROW) return db_error(wdb_, "count acks");
    r.acks = static_cast<std::uint32_t>(cnt.i64(0));
    if (r.first_time) {
      // An organisation acknowledging again after withdrawing: its first
      // leaf stands.
      auto known = find_leaf(leaf_tag);
      if (!known) return known.error();
      if (!*known)
        if (auto leaf = append_leaf(LeafKind::acknowledgement, now, leaf_tag); !leaf)
          return leaf.error();
      // Tell the other organisations on the case that one more is acting.
      auto on_case = orgs_on_case(case_id);
      if (!on_case) return on_case.error();
      std::vector<Recipient> to;
      const bool private_case = facts.consent == "private";
      for (const auto& o : orgs)
        if (o.org != org && on_case->count(o.org) && (!private_case || o.cleared_private))
          to.push_back(o);
      auto ev = add_event(case_id, pseudonym, facts, "acknowledged", to, now);
      if (!ev) return ev.error();
    }
    return r;
  }

  Result<std::uint32_t> write_escalations(std::int64_t now, const std::vector<Recipient>& to,
                                          const std::vector<std::string>& cleared) {
    Stmt s(wdb_,
           "SELECT id, pseudonym, facts FROM cases WHERE state = 'open' AND escalated = 0 "
           "AND escalate_at > 0 AND escalate_at <= ? "
           "AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.case_id = cases.id)");
    if (!s) return db_error(wdb_, "prepare escalation");
    s.bind(1, now);
    struct Due {
      std::int64_t id;
      std::string pseudonym;
      CaseFacts facts;
    };
    std::vector<Due> due;
    while (s.step() == SQLITE_ROW) {
      auto facts = CaseFacts::from_json(s.text(2));
      if (!facts) return facts.error();
      due.push_back({s.i64(0), s.text(1), std::move(*facts)});
    }
    for (const auto& d : due) {
      std::vector<Recipient> recipients;
      for (const auto& r : to) {
        const bool allowed = d.facts.consent != "private" ||
                             std::find(cleared.begin(), cleared.end(), r.org) != cleared.end();
        if (allowed) recipients.push_back(r);
      }
      auto ev = add_event(d.id, d.pseudonym, d.facts, "escalation", recipients, now);
      if (!ev) return ev.error();
      Stmt u(wdb_, "UPDATE cases SET escalated = 1 WHERE id = ?");
      u.bind(1, d.id);
      CW_TRY(run(wdb_, u, "mark escalated"));
    }
    return static_cast<std::uint32_t>(due.size());
  }

  Status write_webhook_results(const std::vector<WebhookResult>& results) {
    for (const auto& r : results) {
      const char* state = r.outcome == WebhookOutcome::delivered         ? "delivered"
                          : r.outcome == WebhookOutcome::failed_for_good ? "dead"
                                                                         : "pending";
      Stmt u(wdb_,
             "UPDATE deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, "
             "last_status = ? "
             "WHERE seq = ? AND org = ?");
      u.bind(1, std::string_view(state)).bind(2, r.next_attempt_at).bind(3, r.http_status);
      u.bind(4, r.seq).bind(5, std::string_view(r.org));
      CW_TRY(run(wdb_, u, "update delivery"));
      // Health is kept by key id (for casewire-keys list) and to the hour, so
      // its update time does not point at the delivery rows just written.
      Stmt h(
          wdb_,
          "INSERT INTO webhook_health (org, state, consecutive_failures, updated_at, generation) "
          "VALUES (?1, ?2, ?3, ?4, ?8) "
          "ON CONFLICT(org) DO UPDATE SET "
          "consecutive_failures = CASE WHEN ?5 THEN 0 ELSE consecutive_failures + 1 END, "
          "state = CASE WHEN ?6 THEN 'disabled' WHEN ?5 THEN 'ok' "
          "  WHEN consecutive_failures + 1 >= ?7 THEN 'failing' ELSE state END, "
          "updated_at = excluded.updated_at "
          // An attempt still in flight when the endpoint was fixed must not
          // disable the fixed one.
          "WHERE generation <= ?8");
      const bool ok = r.outcome == WebhookOutcome::delivered;
      const bool gone = r.outcome == WebhookOutcome::gone;
      h.bind(1, std::string_view(r.org_id)).bind(2, std::string_view(gone ? "disabled" : "ok"));
      h.bind(3, ok ? 0 : 1).bind(4, to_hour(static_cast<std::int64_t>(std::time(nullptr))));
      h.bind(5, ok ? 1 : 0).bind(6, gone ? 1 : 0).bind(7, kFailingAfter);
      h.bind(8, static_cast<std::int64_t>(r.generation));
      CW_TRY(run(wdb_, h, "update webhook health"));
    }
    return Status::Ok();
  }

  Result<std::uint32_t> write_revivals(const std::vector<WebhookGeneration>& current) {
    std::uint32_t revived = 0;
    for (const auto& c : current) {
      bool was_healthy = false;
      {
        Stmt q(wdb_, "SELECT state FROM webhook_health WHERE org = ? AND generation < ?");
        q.bind(1, std::string_view(c.org_id)).bind(2, static_cast<std::int64_t>(c.generation));
        if (q.step() != SQLITE_ROW) continue;  // no health recorded, or already this generation
        was_healthy = q.text(0) == "ok";
      }
      // The generation moves on even for a healthy endpoint, so that an
      // attempt still in flight under the old one cannot disable the new one.
      Stmt h(wdb_,
             "UPDATE webhook_health SET state = 'ok', consecutive_failures = 0, generation = ?1, "
             "updated_at = ?2 "
             "WHERE org = ?3");
      h.bind(1, static_cast<std::int64_t>(c.generation))
          .bind(2, to_hour(static_cast<std::int64_t>(std::time(nullptr))));
      h.bind(3, std::string_view(c.org_id));
      CW_TRY(run(wdb_, h, "revive webhook"));
      Stmt d(wdb_,
             "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0 "
             "WHERE org = ? AND state = 'dead'");
      d.bind(1, std::string_view(c.org));
      CW_TRY(run(wdb_, d, "revive deliveries"));
      // Counted (metric, log) only when something was actually brought back.
      if (!was_healthy || sqlite3_changes(wdb_) > 0) ++revived;
    }
    return revived;
  }

 private:
  const std::string path_;
  sqlite3* wdb_;
  sqlite3* rdb_;
  std::mutex read_mu_;
  std::atomic<bool> failed_{false};                        // written by the writer thread only
  std::chrono::steady_clock::time_point next_recovery_{};  // writer thread only
  const std::uint32_t max_batch_;
  Metrics* metrics_;
  const Keyring* keys_;     // seals case details, signs audit entries; may be null in unit tests
  StmtCache wcache_{wdb_};  // the writer's (writer thread only)
  StmtCache rcache_{rdb_};  // the reader's (under read_mu_)
  std::uint64_t next_seq_ = 1;      // writer thread only
  bool new_notifications_ = false;  // writer thread only

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool closing_ = false;
  std::function<void()> listener_;
  CommittedLog log_;
  std::unique_ptr<NotificationTail> tail_;  // made in the constructor, before the writer
  std::thread writer_;
};

// v3 -> v4 data: seal each alert's receipt facts, re-key cases by their own
// case and owner tags (from the sealed record: who sent it, which alert id),
// name organisations by tag in the case tables, and coarsen times. Runs
// inside the migration's transaction: all or nothing.
Status migrate_v4_data(sqlite3* db, const Keyring* keys) {
  Stmt any(db, "SELECT count(*) FROM alerts");
  if (!any || any.step() != SQLITE_ROW) return db_error(db, "count alerts");
  Stmt any_orgs(db, "SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM case_orgs)");
  if (!any_orgs || any_orgs.step() != SQLITE_ROW) return db_error(db, "count deliveries");
  if (any.i64(0) + any_orgs.i64(0) == 0) return Status::Ok();
  if (!keys)
    return make_error(
        Errc::store_unavailable,
        "this database needs the daemon's keys to upgrade to schema v4: start casewired on it");
  {
    Stmt rows(
        db,
        "SELECT seq, alert_tag, sender_tag, envelope_hash, received_at, kind, sealed FROM alerts");
    if (!rows) return db_error(db, "read alerts");
    while (rows.step() == SQLITE_ROW) {
      ReceiptFacts f;
      f.sequence = static_cast<std::uint64_t>(rows.i64(0));
      f.received_at = rows.i64(4);
      auto h = rows.blob(3);
      if (h.size() == f.envelope_hash.size())
        std::copy(h.begin(), h.end(), f.envelope_hash.begin());
      const Bytes tag(rows.blob(1).begin(), rows.blob(1).end());
      Bytes plain = encode_receipt_facts(f);
      Stmt ins(db,
               "INSERT INTO alerts_v4 (alert_tag, sender_tag, kind, received_day, sealed, receipt) "
               "VALUES (?, ?, ?, ?, ?, ?)");
      ins.bind(1, ByteView(tag)).bind(2, rows.blob(2)).bind(3, std::string_view(rows.text(5)));
      ins.bind(4, f.received_at / 86400)
          .bind(5, rows.blob(6))
          .bind(6, ByteView(keys->seal_record(plain, tag)));
      CW_TRY(run(db, ins, "copy alert"));
    }
  }
  {
    // A case's new tags come from its first alert's sealed record, which
    // holds the reporter's key id and the alert id (ingest's record layout:
    // version u8 || sender[8] || alert id[16] || ...).
    Stmt cases(db,
               "SELECT c.id, a.alert_tag, a.sealed FROM cases c JOIN alerts a ON a.alert_tag = "
               "c.case_tag");
    if (!cases) return db_error(db, "read cases");
    while (cases.step() == SQLITE_ROW) {
      auto plain = keys->open_record(cases.blob(2), cases.blob(1));
      if (!plain)
        return make_error(Errc::store_unavailable, "upgrade to v4: " + plain.error().message);
      ByteReader r(*plain);
      const auto version = r.u8();
      const auto sender = r.fixed<8>();
      const auto alert_id = r.fixed<16>();
      wipe(plain->data(), plain->size());
      if (!r.ok() || version != 1)
        return make_error(Errc::store_unavailable, "upgrade to v4: a record is damaged");
      const Tag case_tag = keys->case_tag(alert_id);
      const Tag owner = keys->owner_tag(sender, alert_id);
      Stmt u(db, "UPDATE cases SET case_tag = ?, owner_tag = ? WHERE id = ?");
      u.bind(1, ByteView(case_tag)).bind(2, ByteView(owner)).bind(3, cases.i64(0));
      CW_TRY(run(db, u, "re-key case"));
    }
  }
  for (const char* table : {"deliveries", "case_orgs", "acks"}) {
    std::vector<std::string> ids;
    {
      Stmt d(db, (std::string("SELECT DISTINCT org FROM ") + table).c_str());
      if (!d) return db_error(db, "read organisations");
      while (d.step() == SQLITE_ROW) ids.push_back(d.text(0));
    }
    for (const auto& id : ids) {
      auto key = parse_key_id(id);
      if (!key) continue;  // already a tag
      Stmt u(db, (std::string("UPDATE ") + table + " SET org = ? WHERE org = ?").c_str());
      u.bind(1, std::string_view(keys->org_tag(*key))).bind(2, std::string_view(id));
      CW_TRY(run(db, u, "re-key organisation"));
    }
  }
  return exec(db,
              "UPDATE cases SET opened_at = opened_at - opened_at % 3600;"
              "UPDATE notifications SET created_at = created_at - created_at % 3600;"
              "UPDATE acks SET acked_at = acked_at - acked_at % 3600;"
              "UPDATE webhook_health SET updated_at = updated_at - updated_at % 3600;");
}

// v5 -> v6 data: each alert's record moves from alerts.sealed (storage key)
// to case_details under its case's new key, in the order the alerts were
// sent, and alerts.sealed is emptied (secure_delete zeroes the old bytes).
Status migrate_v6_data(sqlite3* db, const Keyring* keys) {
  Stmt any(db, "SELECT count(*) FROM alerts WHERE length(sealed) > 0");
  if (!any || any.step() != SQLITE_ROW) return db_error(db, "count alerts");
  if (any.i64(0) == 0) return Status::Ok();
  if (!keys)
    return make_error(
        Errc::store_unavailable,
        "this database needs the daemon's keys to upgrade to schema v6: start casewired on it");
  struct Moved {
    Tag case_tag;
    std::int64_t created_at;
    SecretBytes record;
  };
  std::vector<Moved> moved;
  {
    Stmt rows(db, "SELECT alert_tag, sealed FROM alerts WHERE length(sealed) > 0");
    if (!rows) return db_error(db, "read alerts");
    while (rows.step() == SQLITE_ROW) {
      auto plain = keys->open_record(rows.blob(1), rows.blob(0));
      if (!plain)
        return make_error(Errc::store_unavailable, "upgrade to v6: " + plain.error().message);
      SecretBytes record = SecretBytes::copy_of(*plain);
      wipe(plain->data(), plain->size());
      auto rec = decode_alert_record(record.view());
      if (!rec) return make_error(Errc::store_unavailable, "upgrade to v6: a record is damaged");
      auto alert = parse_recorded_alert(*rec);
      if (!alert) return make_error(Errc::store_unavailable, "upgrade to v6: a record is damaged");
      const AlertId ref =
          alert->kind == AlertKind::new_case || !alert->case_ref ? rec->alert_id : *alert->case_ref;
      const std::int64_t created_at = rec->created_at;
      wipe_alert(*alert);
      moved.push_back({keys->case_tag(ref), created_at, std::move(record)});
    }
  }
  std::sort(moved.begin(), moved.end(), [](const Moved& a, const Moved& b) {
    return std::tie(a.case_tag, a.created_at) < std::tie(b.case_tag, b.created_at);
  });
  std::uint32_t n = 0;
  SecretBytes key;
  for (std::size_t i = 0; i < moved.size(); ++i) {
    const auto& m = moved[i];
    if (i == 0 || m.case_tag != moved[i - 1].case_tag) {
      n = 0;
      key = SecretBytes::random(kCaseKeyBytes);
      Stmt k(db, "INSERT INTO case_keys (case_tag, wrapped, last_event_at) VALUES (?, ?, ?)");
      k.bind(1, ByteView(m.case_tag))
          .bind(2, ByteView(keys->wrap_case_key(key.view(), m.case_tag)));
      // The case's latest record sets its age (the sort put it last).
      std::int64_t last = m.created_at;
      for (std::size_t j = i; j < moved.size() && moved[j].case_tag == m.case_tag; ++j)
        last = std::max(last, moved[j].created_at);
      k.bind(3, to_hour(last));
      CW_TRY(run(db, k, "insert case key"));
    }
    ++n;
    Stmt d(db, "INSERT INTO case_details (case_tag, n, sealed) VALUES (?, ?, ?)");
    d.bind(1, ByteView(m.case_tag))
        .bind(2, static_cast<std::int64_t>(n))
        .bind(3, ByteView(seal_under(key.view(), m.record.view(), case_detail_ad(m.case_tag, n))));
    CW_TRY(run(db, d, "move case detail"));
  }
  return exec(db, "UPDATE alerts SET sealed = x''");
}

Status migrate(sqlite3* db, const Keyring* keys) {
  int version = 0;
  {
    // Finished before migrating: an open statement would block DROP TABLE.
    Stmt v(db, "PRAGMA user_version");
    if (!v || v.step() != SQLITE_ROW) return db_error(db, "read schema version");
    version = static_cast<int>(v.i64(0));
  }
  if (version > kSchemaVersion)
    return make_error(Errc::store_unavailable, "database schema v" + std::to_string(version) +
                                                   " is newer than this casewired (v" +
                                                   std::to_string(kSchemaVersion) + ")");
  for (; version < kSchemaVersion; ++version) {
    CW_TRY(exec(db, "BEGIN IMMEDIATE"));
    Status st = exec(db, kMigrations[version]);
    if (st.ok() && version + 1 == 4) st = migrate_v4_data(db, keys);
    if (st.ok() && version + 1 == 6) st = migrate_v6_data(db, keys);
    if (st.ok() && kMigrationsAfterData[version]) st = exec(db, kMigrationsAfterData[version]);
    if (st.ok()) st = exec(db, ("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
    if (st.ok()) st = exec(db, "COMMIT");
    if (!st.ok()) {
      (void)exec(db, "ROLLBACK");
      return st;
    }
  }
  return Status::Ok();
}

}  // namespace

int sqlite_schema_version() {
  return kSchemaVersion;
}

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& o) {
  // The database holds sealed records only, but its metadata (how many alerts,
  // when) is still nobody else's business.
  const mode_t old_mask = ::umask(077);
  auto w = open_db(o.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ::umask(old_mask);
  if (!w) return w.error();
  sqlite3* wdb = *w;
  auto fail = [&](Error e) -> Result<std::unique_ptr<Store>> {
    sqlite3_close(wdb);
    return e;
  };
  if (auto st = set_writer_pragmas(wdb); !st.ok()) return fail(st.error());
  {
    Stmt jm(wdb, "PRAGMA journal_mode");
    if (!jm || jm.step() != SQLITE_ROW || jm.text(0) != "wal")
      return fail(make_error(Errc::store_unavailable, "the database could not switch to WAL mode"));
  }
  if (auto st = migrate(wdb, o.keys); !st.ok()) return fail(st.error());
  auto r = open_db(o.path, SQLITE_OPEN_READONLY);
  if (!r) return fail(r.error());
  return std::unique_ptr<Store>(new SqliteStore(wdb, *r, o));
}

}  // namespace cw::daemon
