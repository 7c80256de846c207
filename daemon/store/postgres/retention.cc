// Retention and the audit trail. Destroying a case key here is a DELETE and
// a VACUUM of the two tables; PostgreSQL's write-ahead log and a standby's
// copy keep the old bytes until their segments are recycled, which is why
// docs/OPERATIONS.md tells operators what that means for a seizure.
#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {

void PostgresStore::purge_case_keys(UnixSeconds before, bool dry_run, Callback<PurgeCounts> done) {
  auto counts = std::make_shared<PurgeCounts>();
  submit(Job{[this, counts, cutoff = seconds_of(before), dry_run]() -> Status {
               auto c = pg::exec(w(),
                                 "SELECT count(*), (SELECT count(*) FROM case_details d WHERE "
                                 "d.case_tag IN (SELECT case_tag FROM case_keys WHERE "
                                 "last_event_at < $1)) FROM case_keys WHERE last_event_at < $1",
                                 pg::Params().add(cutoff), "count due case keys");
               if (!c) return c.error();
               counts->cases = static_cast<std::uint32_t>(c->i64(0, 0));
               counts->records = static_cast<std::uint32_t>(c->i64(0, 1));
               if (dry_run || counts->cases == 0) return Status::Ok();
               CW_TRY(pg::exec(w(),
                               "DELETE FROM case_details WHERE case_tag IN "
                               "(SELECT case_tag FROM case_keys WHERE last_event_at < $1)",
                               pg::Params().add(cutoff), "purge case details"));
               CW_TRY(pg::exec(w(), "DELETE FROM case_keys WHERE last_event_at < $1",
                               pg::Params().add(cutoff), "purge case keys"));
               return Status::Ok();
             },
             [this, counts, dry_run, done = std::move(done)](bool committed) {
               if (!committed)
                 return done(make_error(Errc::store_unavailable, "the purge was not stored"));
               if (!dry_run && counts->cases > 0) {
                 // Dead rows keep their bytes in the table's pages until
                 // vacuumed. The WAL's copy is not ours to clear.
                 auto conn = readers_.take();
                 if (conn)
                   (void)pg::run((*conn)->get(), "VACUUM case_details, case_keys", "vacuum");
                 counts->residual =
                     "PostgreSQL's write-ahead log, the standby's copy and any WAL archive keep "
                     "the destroyed keys until their segments are recycled (OPERATIONS.md §12)";
               }
               done(*counts);
             }});
}

Status PostgresStore::last_audit(std::uint64_t& n, AuditLink& link) {
  auto r =
      pg::exec(w(), "SELECT n, link FROM audit ORDER BY n DESC LIMIT 1", {}, "read audit head");
  if (!r) return r.error();
  n = 0;
  link = {};
  if (r->size() == 1) {
    n = static_cast<std::uint64_t>(r->i64(0, 0));
    if (auto l = r->bytes(0, 1); l.size() == link.size())
      std::copy(l.begin(), l.end(), link.begin());
  }
  return Status::Ok();
}

Status PostgresStore::insert_audit(const AuditRow& row) {
  CW_TRY(pg::exec(w(),
                  "INSERT INTO audit (n, at, sealed, link, signature) VALUES ($1, $2, $3, $4, $5)",
                  pg::Params()
                      .add(row.n)
                      .add(row.at)
                      .add_bytes(row.sealed)
                      .add_bytes(row.link)
                      .add_bytes(row.signature),
                  "append audit entry"));
  return Status::Ok();
}

Result<std::vector<AuditRow>> PostgresStore::audit_rows() {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec((*conn)->get(), "SELECT n, at, sealed, link, signature FROM audit ORDER BY n",
                    {}, "audit");
  if (!r) return r.error();
  std::vector<AuditRow> out;
  for (int i = 0; i < r->size(); ++i) {
    AuditRow a;
    a.n = static_cast<std::uint64_t>(r->i64(i, 0));
    a.at = r->i64(i, 1);
    a.sealed.assign(r->bytes(i, 2).begin(), r->bytes(i, 2).end());
    if (auto l = r->bytes(i, 3); l.size() == a.link.size())
      std::copy(l.begin(), l.end(), a.link.begin());
    a.signature.assign(r->bytes(i, 4).begin(), r->bytes(i, 4).end());
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::uint64_t> PostgresStore::count_audit() {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec((*conn)->get(), "SELECT count(*) FROM audit", {}, "count audit");
  if (!r) return r.error();
  return static_cast<std::uint64_t>(r->i64(0, 0));
}

}  // namespace cw::daemon
