#include "daemon/store/sqlite/statement.h"

#include "daemon/store/fault_vfs.h"

namespace cw::daemon {

Error db_error(sqlite3* db, const std::string& what) {
  return make_error(Errc::store_unavailable,
                    what + ": " + (db ? sqlite3_errmsg(db) : "no database"));
}

Status exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown";
    sqlite3_free(err);
    return make_error(Errc::store_unavailable, std::string("sql: ") + m);
  }
  return Status::Ok();
}

Status run(sqlite3* db, Stmt& s, const char* what) {
  if (!s) return db_error(db, std::string("prepare ") + what);
  return s.step() == SQLITE_DONE ? Status::Ok() : db_error(db, what);
}

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
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  return db;
}

}  // namespace cw::daemon
