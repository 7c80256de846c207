// Opening the SQLite store; the store itself is in daemon/store/sqlite/.
#include "daemon/store/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "protocol/file_io.h"

#include "daemon/store/sqlite/schema.h"
#include "daemon/store/sqlite/statement.h"
#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

int sqlite_schema_version() {
  return sqlite_schema_version_impl();
}

Result<std::string> probe_sqlite_store(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const std::string where = dir.empty() ? std::string(".") : dir;
  const auto unwritable = [&](const std::string& p, const char* what) {
    const auto owner = owner_of(p);
    return make_error(Errc::store_unavailable,
                      p + " " + what + " by " + this_user() +
                          (owner ? ", and belongs to uid " + std::to_string(*owner) : "") +
                          ": the daemon runs as its service user; give it that user "
                          "(chown casewire:casewire " +
                          p + ")");
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return unwritable(path, "cannot be looked at");
    if (::access(where.c_str(), W_OK | X_OK) != 0)
      return unwritable(where, "is not writable (the database is created there at first start)");
    return path + " does not exist yet: the daemon creates it at its first start";
  }
  if (!S_ISREG(st.st_mode))
    return make_error(Errc::store_unavailable, path + " is not a regular file");
  // SQLite writes beside the database (-wal, -shm): each of them, and the
  // directory for when they are made, must be this user's too.
  if (::access(path.c_str(), R_OK | W_OK) != 0)
    return unwritable(path, "is not readable and writable");
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string side = path + suffix;
    if (file_exists(side) && ::access(side.c_str(), R_OK | W_OK) != 0)
      return unwritable(side, "is not readable and writable");
  }
  if (::access(where.c_str(), W_OK | X_OK) != 0)
    return unwritable(where, "is not writable (SQLite makes its -wal and -shm there)");
  // The header, read as bytes: "SQLite format 3\0", and PRAGMA user_version
  // as a big-endian 32-bit number at offset 60 (sqlite.org/fileformat.html).
  // A migration still in the WAL is not seen here; the start migrates anyway.
  if (st.st_size == 0) return path + " is empty: the daemon makes its tables at its first start";
  std::uint8_t head[100] = {};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unwritable(path, "cannot be read");
  const ssize_t got = ::pread(fd, head, sizeof head, 0);
  ::close(fd);
  static constexpr char kMagic[] = "SQLite format 3";
  if (got != static_cast<ssize_t>(sizeof head) || std::memcmp(head, kMagic, sizeof kMagic) != 0)
    return make_error(Errc::store_unavailable, path + " is not a SQLite database");
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(head[i]); };
  const int version = static_cast<int>(b(60) << 24 | b(61) << 16 | b(62) << 8 | b(63));
  const int current = sqlite_schema_version_impl();
  if (version > current)
    return make_error(Errc::store_unavailable, path + " was written by a newer casewired (schema " +
                                                   std::to_string(version) +
                                                   "); this one knows up to " +
                                                   std::to_string(current));
  return path + ", schema version " + std::to_string(version) +
         (version < current ? " (migrated to " + std::to_string(current) + " at the next start)"
                            : std::string());
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
