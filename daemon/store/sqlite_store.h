// SQLite implementation of Store: one file, WAL, synchronous=FULL, a single
// writer thread doing group commit, schema migrations by PRAGMA user_version.
#pragma once

#include <memory>
#include <string>

#include "daemon/metrics.h"
#include "daemon/store/store.h"

namespace cw::daemon {

struct SqliteOptions {
  std::string path;
  std::uint32_t max_batch = 256;
  Metrics* metrics = nullptr;  // optional
  // Needed only to migrate a database that holds rows from before schema v4
  // (their receipt facts are sealed and their case and organisation names
  // re-keyed); a fresh or current database opens without it.
  const Keyring* keys = nullptr;
  std::int64_t log_window_s = kLogWindowSeconds;  // the case log's mixing window
};

// Opens (creating if needed) and migrates the database, starts the writer.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

// Looks at the file without opening it with SQLite (which would create it,
// or its -wal and -shm, as whoever runs the check): the file or, when it is
// missing, its directory must be this user's to write; the header's schema
// version must be one this build can run (open_store.h, probe_store).
Result<std::string> probe_sqlite_store(const std::string& path);

// The schema version this build writes; tests check migrations reach it.
int sqlite_schema_version();

}  // namespace cw::daemon
