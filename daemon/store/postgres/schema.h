// The PostgreSQL store's schema and its migrations, by version (the table
// casewire_schema holds the version; never edit a shipped migration).
#pragma once

#include <libpq-fe.h>

#include <cstdint>

#include "protocol/error.h"

namespace cw::daemon {

// Every write transaction of every daemon on one database takes this lock
// first (pg_advisory_xact_lock): batches commit one at a time, so feed
// sequence numbers, case-log indices and audit entries are handed out in
// commit order and a reader never sees a later number before an earlier one.
inline constexpr std::int64_t kWriterLock = 0x63617365776972;  // "casewir"

// Brings the database to the current version (in one transaction, under the
// writer lock, so two daemons starting together do not both migrate).
// Refuses a database from a newer casewire.
Status pg_migrate(PGconn* c);
int pg_schema_version_impl();

}  // namespace cw::daemon
