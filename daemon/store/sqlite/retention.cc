// Retention and the audit trail: destroying case keys past their time, and
// the signed, chained record of who read sealed details.
#include <unistd.h>

#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

void SqliteStore::purge_case_keys(UnixSeconds before, bool dry_run, Callback<PurgeCounts> done) {
  auto counts = std::make_shared<PurgeCounts>();
  auto marked = std::make_shared<bool>(true);
  submit(
      Job{[this, counts, marked, cutoff = seconds_of(before), dry_run]() -> Status {
            Stmt c(wdb_,
                   "SELECT count(*), (SELECT count(*) FROM case_details d WHERE d.case_tag IN "
                   "(SELECT case_tag FROM case_keys WHERE last_event_at < ?1)) "
                   "FROM case_keys WHERE last_event_at < ?1");
            if (!c || c.bind(1, cutoff).step() != SQLITE_ROW)
              return db_error(wdb_, "count due case keys");
            counts->cases = static_cast<std::uint32_t>(c.i64(0));
            counts->records = static_cast<std::uint32_t>(c.i64(1));
            if (dry_run || counts->cases == 0) return Status::Ok();
            // Before the commit: a crash after it still leaves the mark.
            *marked =
                write_file_atomic(residual_mark(), as_bytes("purged\n"), 0600, Overwrite::yes).ok();
            if (!*marked) log_event("purge_residual_mark_failed");
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
          [this, counts, marked, dry_run, done = std::move(done)](bool committed) {
            if (!committed)
              return done(make_error(Errc::store_unavailable, "the purge was not stored"));
            if (!dry_run && (counts->cases > 0 || residual_left())) {
              if (truncate_wal()) {
                (void)::unlink(residual_mark().c_str());
                residual_unmarked_ = false;
              } else {
                counts->residual =
                    "another program holds a read transaction on the database, so its "
                    "write-ahead log still holds copies of the destroyed keys: they are "
                    "destroyed once it lets go";
                if (*marked) {
                  counts->residual +=
                      " (a running casewired tries every [retention] residual_retry_seconds, "
                      "metric casewire_purge_residual_pending; so does the next purge)";
                } else {
                  // Not remembered on disk: this process keeps trying while it
                  // runs; after that only a purge run again finds out.
                  residual_unmarked_ = true;
                  counts->residual += "; the mark that remembers this (" + residual_mark() +
                                      ") could not be written: run the purge again once the "
                                      "reader is gone";
                }
              }
            }
            done(*counts);
          }});
}

bool SqliteStore::residual_left() const {
  return residual_unmarked_ || file_exists(residual_mark());
}

void SqliteStore::clear_purge_residual(Callback<bool> done) {
  if (!residual_left()) return done(false);
  // An empty batch: its finish runs on the writer thread, after a commit,
  // outside any transaction - where the checkpoint may run. A batch that did
  // not commit (the store is failing, recovering or closed) leaves its
  // connection alone: the residual stays, and is tried again next time.
  submit(Job{[] { return Status::Ok(); },
             [this, done = std::move(done)](bool committed) {
               if (!committed) return done(true);
               if (!residual_left()) return done(false);
               if (!truncate_wal()) return done(true);
               (void)::unlink(residual_mark().c_str());
               residual_unmarked_ = false;
               done(false);
             }});
}

Status SqliteStore::last_audit(std::uint64_t& n, AuditLink& link) {
  Stmt last(wdb_, "SELECT n, link FROM audit ORDER BY n DESC LIMIT 1");
  if (!last) return db_error(wdb_, "read audit head");
  n = 0;
  link = {};
  if (last.step() == SQLITE_ROW) {
    n = static_cast<std::uint64_t>(last.i64(0));
    if (auto l = last.blob(1); l.size() == link.size()) std::copy(l.begin(), l.end(), link.begin());
  }
  return Status::Ok();
}

Status SqliteStore::insert_audit(const AuditRow& row) {
  Stmt ins(wdb_, "INSERT INTO audit (n, at, sealed, link, signature) VALUES (?, ?, ?, ?, ?)");
  ins.bind(1, row.n).bind(2, row.at).bind(3, ByteView(row.sealed));
  ins.bind(4, ByteView(row.link)).bind(5, ByteView(row.signature));
  return run(wdb_, ins, "append audit entry");
}

Result<std::vector<AuditRow>> SqliteStore::audit_rows() {
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

Result<std::uint64_t> SqliteStore::count_audit() {
  std::lock_guard lock(read_mu_);
  Stmt s(rdb_, "SELECT count(*) FROM audit");
  if (!s || s.step() != SQLITE_ROW) return db_error(rdb_, "count audit");
  return static_cast<std::uint64_t>(s.i64(0));
}

}  // namespace cw::daemon
