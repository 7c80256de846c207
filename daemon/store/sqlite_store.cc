#include "daemon/store/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "protocol/secret.h"

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
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

Error db_error(sqlite3* db, const std::string& what) {
  return make_error(Errc::store_unavailable, what + ": " + (db ? sqlite3_errmsg(db) : "no database"));
}

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr); }
  Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~Stmt() { sqlite3_finalize(s_); }
  sqlite3_stmt* get() const { return s_; }
  explicit operator bool() const { return s_ != nullptr; }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
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

Result<sqlite3*> open_db(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    auto e = db_error(db, "open " + path);
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);
  return db;
}

struct Pending {
  NewAlert alert;
  RecordCallback done;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* wdb, sqlite3* rdb, const SqliteOptions& o)
      : wdb_(wdb), rdb_(rdb), max_batch_(o.max_batch), metrics_(o.metrics) {
    find_ = Stmt(wdb_, "SELECT seq, sender_tag, envelope_hash, received_at FROM alerts WHERE alert_tag = ?");
    insert_ = Stmt(wdb_,
                   "INSERT INTO alerts (alert_tag, sender_tag, envelope_hash, received_at, kind, sealed) "
                   "VALUES (?, ?, ?, ?, ?, ?)");
    writer_ = std::thread([this] { writer_loop(); });
  }

  ~SqliteStore() override {
    close();
    find_ = Stmt();
    insert_ = Stmt();
    sqlite3_close(wdb_);
    sqlite3_close(rdb_);
  }

  void record_alert(NewAlert alert, RecordCallback done) override {
    {
      std::lock_guard lock(mu_);
      if (!closing_ && !failed_) {
        queue_.push_back(Pending{std::move(alert), std::move(done)});
        cv_.notify_one();
        return;
      }
    }
    done(make_error(Errc::store_unavailable, "the store is not accepting writes"));
  }

  Result<std::uint64_t> count_alerts() override {
    std::lock_guard lock(read_mu_);
    Stmt s(rdb_, "SELECT count(*) FROM alerts");
    if (!s || sqlite3_step(s.get()) != SQLITE_ROW) return db_error(rdb_, "count");
    return static_cast<std::uint64_t>(sqlite3_column_int64(s.get(), 0));
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
  void writer_loop() {
    std::vector<Pending> batch;
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

  void commit_batch(std::vector<Pending>& batch) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<Result<Recorded>> results;
    results.reserve(batch.size());
    Status st = exec(wdb_, "BEGIN IMMEDIATE");
    if (st.ok()) {
      for (auto& p : batch) {
        auto r = write_one(p.alert);
        if (!r.ok()) {
          st = r.error();
          break;
        }
        results.push_back(std::move(r));
      }
    }
    // COMMIT is where SQLite fsyncs the WAL (synchronous=FULL). Only when it
    // succeeds may any caller in this batch send a receipt.
    if (st.ok()) st = exec(wdb_, "COMMIT");
    if (!st.ok()) {
      (void)exec(wdb_, "ROLLBACK");
      if (metrics_) metrics_->store_failures.fetch_add(1);
      for (auto& p : batch) p.done(make_error(Errc::store_unavailable, "the alert could not be stored"));
      return;
    }
    if (metrics_) {
      metrics_->store_commit_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      metrics_->store_batch_size.observe(static_cast<double>(batch.size()));
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  }

  Result<Recorded> write_one(const NewAlert& a) {
    find_.reset();
    sqlite3_bind_blob(find_.get(), 1, a.alert_tag.data(), static_cast<int>(a.alert_tag.size()), SQLITE_STATIC);
    int rc = sqlite3_step(find_.get());
    if (rc == SQLITE_ROW) {
      Recorded r;
      r.duplicate = true;
      r.sequence = static_cast<std::uint64_t>(sqlite3_column_int64(find_.get(), 0));
      ByteView sender(static_cast<const std::uint8_t*>(sqlite3_column_blob(find_.get(), 1)),
                      static_cast<std::size_t>(sqlite3_column_bytes(find_.get(), 1)));
      r.sender_conflict = !ct_equal(sender, a.sender_tag);
      auto* h = static_cast<const std::uint8_t*>(sqlite3_column_blob(find_.get(), 2));
      if (h && sqlite3_column_bytes(find_.get(), 2) == 32) std::copy(h, h + 32, r.envelope_hash.begin());
      r.received_at = sqlite3_column_int64(find_.get(), 3);
      find_.reset();
      return r;
    }
    find_.reset();
    if (rc != SQLITE_DONE) return db_error(wdb_, "lookup");

    insert_.reset();
    auto* s = insert_.get();
    sqlite3_bind_blob(s, 1, a.alert_tag.data(), 32, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, a.sender_tag.data(), 32, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, a.envelope_hash.data(), 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, a.received_at);
    const auto kind = to_string(a.kind);
    sqlite3_bind_text(s, 5, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s, 6, a.sealed.data(), static_cast<int>(a.sealed.size()), SQLITE_STATIC);
    rc = sqlite3_step(s);
    insert_.reset();
    if (rc != SQLITE_DONE) return db_error(wdb_, "insert");
    Recorded r;
    r.sequence = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(wdb_));
    r.received_at = a.received_at;
    r.envelope_hash = a.envelope_hash;
    return r;
  }

  sqlite3* wdb_;
  sqlite3* rdb_;
  std::mutex read_mu_;
  const std::uint32_t max_batch_;
  Metrics* metrics_;
  Stmt find_, insert_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool closing_ = false;
  bool failed_ = false;
  std::thread writer_;
};

Status migrate(sqlite3* db) {
  Stmt v(db, "PRAGMA user_version");
  if (!v || sqlite3_step(v.get()) != SQLITE_ROW) return db_error(db, "read schema version");
  int version = sqlite3_column_int(v.get(), 0);
  if (version > kSchemaVersion)
    return make_error(Errc::store_unavailable, "database schema v" + std::to_string(version) +
                                                   " is newer than this casewired (v" +
                                                   std::to_string(kSchemaVersion) + ")");
  for (; version < kSchemaVersion; ++version) {
    CW_TRY(exec(db, "BEGIN IMMEDIATE"));
    Status st = exec(db, kMigrations[version]);
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

int sqlite_schema_version() { return kSchemaVersion; }

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
  // WAL: readers never block the writer. synchronous=FULL: the WAL is fsync'd
  // at every commit, which is what makes a receipt a promise.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA secure_delete=ON"}) {
    if (auto st = exec(wdb, pragma); !st.ok()) return fail(st.error());
  }
  {
    Stmt jm(wdb, "PRAGMA journal_mode");
    if (!jm || sqlite3_step(jm.get()) != SQLITE_ROW ||
        std::string(reinterpret_cast<const char*>(sqlite3_column_text(jm.get(), 0))) != "wal")
      return fail(make_error(Errc::store_unavailable, "the database could not switch to WAL mode"));
  }
  if (auto st = migrate(wdb); !st.ok()) return fail(st.error());
  auto r = open_db(o.path, SQLITE_OPEN_READONLY);
  if (!r) return fail(r.error());
  return std::unique_ptr<Store>(new SqliteStore(wdb, *r, o));
}

}  // namespace cw::daemon
