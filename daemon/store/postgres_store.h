// PostgreSQL implementation of Store, for several daemons sharing one
// database (docs/OPERATIONS.md, "Several daemons on PostgreSQL"). The same
// contract as the SQLite store (store.h; both pass the conformance suite),
// with what sharing adds:
//
// - every batch commits under one advisory lock, so numbers (feed sequence,
//   case-log index, audit entry) are handed out in commit order;
// - a receipt waits for the commit as configured by synchronous_commit (set
//   to `on` at least: with synchronous_standby_names, the standby has it);
// - webhook deliveries are claimed with FOR UPDATE SKIP LOCKED and a lease,
//   so one worker at a time holds a row and another takes it when the lease
//   runs out (a daemon died mid-delivery);
// - each daemon LISTENs: another daemon's notifications wake its feeds and
//   its webhook workers, and its case-log tree catches up, within a second.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "daemon/metrics.h"
#include "daemon/store/store.h"

namespace cw::daemon {

struct PostgresOptions {
  std::string uri;  // postgresql://... (libpq's URI; several hosts allowed)
  std::uint32_t max_batch = 256;
  Metrics* metrics = nullptr;  // optional
  const Keyring* keys = nullptr;
  // How long a claimed webhook delivery stays with its worker before another
  // may take it: longer than one attempt (the webhook timeout) can last.
  std::chrono::milliseconds claim_lease{std::chrono::seconds(60)};
  std::int64_t log_window_s = kLogWindowSeconds;  // the case log's mixing window
};

Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options);

// True for what names a PostgreSQL database rather than a SQLite file.
bool is_postgres_uri(std::string_view db);

// Connects and reads the schema version in a read-only transaction; creates
// nothing (open_store.h, probe_store).
Result<std::string> probe_postgres_store(const std::string& uri);

int postgres_schema_version();

}  // namespace cw::daemon
