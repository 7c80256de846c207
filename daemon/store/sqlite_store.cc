// Opening the SQLite store; the store itself is in daemon/store/sqlite/.
#include "daemon/store/sqlite_store.h"

#include <sys/stat.h>

#include "daemon/store/sqlite/schema.h"
#include "daemon/store/sqlite/statement.h"
#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

int sqlite_schema_version() {
  return sqlite_schema_version_impl();
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
