// The store's schema: migrations by PRAGMA user_version, each one version
// up in its own transaction (docs/PROTOCOL.md §8 says what each table holds).
#pragma once

#include <sqlite3.h>

#include "daemon/keyring.h"
#include "protocol/error.h"

namespace cw::daemon {

// The schema version this build writes.
int sqlite_schema_version_impl();

// Migrates `db` to the current version; `keys` is needed only for databases
// holding rows from before v4 and v6 (their data steps re-seal and re-key).
Status migrate(sqlite3* db, const Keyring* keys);

}  // namespace cw::daemon
