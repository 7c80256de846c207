// The writer thread: one transaction per batch of jobs (group commit); callers
// hear of a write only after its COMMIT (fsync) succeeded; recovery after a
// failed commit.
#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

SqliteStore::SqliteStore(sqlite3* wdb, sqlite3* rdb, const SqliteOptions& o)
    : BatchedStore(o.max_batch, o.keys),
      path_(o.path),
      wdb_(wdb),
      rdb_(rdb),
      metrics_(o.metrics),
      log_window_(o.log_window_s) {
  reset_next_seq();
  tail_ = std::make_unique<NotificationTail>(next_seq_, kTailEntries, kTailRecipients);
  load_log();
  start_writer();
}

SqliteStore::~SqliteStore() {
  close();
  wcache_.clear();  // a connection with live statements would not close
  rcache_.clear();
  sqlite3_close(wdb_);
  sqlite3_close(rdb_);
}

void SqliteStore::commit_batch(std::vector<Job>& batch) {
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
  if (metrics_) metrics_->case_log_size = log_.size();
  for (auto& j : batch) j.finish(true);
  if (new_notifications_) notify_listener();
}

bool SqliteStore::truncate_wal() {
  // The checkpoint holds the writer lock while it waits for readers: a short
  // wait, so that alerts are never held up by a reader that takes its time
  // (the residual's retry comes back later instead).
  sqlite3_busy_timeout(wdb_, kScrubWaitMs);
  int log = -1, done = -1;
  const bool ok = sqlite3_wal_checkpoint_v2(wdb_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log,
                                            &done) == SQLITE_OK &&
                  log == 0;
  sqlite3_busy_timeout(wdb_, kBusyTimeoutMs);
  return ok;
}

bool SqliteStore::recover() {
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

void SqliteStore::reset_next_seq() {
  Stmt s(wdb_, "SELECT coalesce(max(seq), 0) FROM notifications");
  next_seq_ = s && s.step() == SQLITE_ROW ? static_cast<std::uint64_t>(s.i64(0)) + 1 : 1;
}

}  // namespace cw::daemon
