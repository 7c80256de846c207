// Opening the store the configuration names: a path is a SQLite file (the
// embedded default), a postgresql:// URI is a PostgreSQL database that
// several daemons may share (postgres_store.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "daemon/metrics.h"
#include "daemon/store/store.h"

namespace cw::daemon {

struct StoreOptions {
  std::string db;  // path or postgresql:// URI
  std::uint32_t max_batch = 256;
  Metrics* metrics = nullptr;
  const Keyring* keys = nullptr;
  // PostgreSQL: how long a webhook delivery claimed by one daemon stays its
  // own (longer than an attempt can take).
  std::chrono::milliseconds claim_lease{std::chrono::seconds(60)};
  std::int64_t log_window_s = kLogWindowSeconds;  // the case log's mixing window
};

Result<std::unique_ptr<Store>> open_store(const StoreOptions& options);

// What --check-config learns about the store without creating or changing
// anything (a check run as root must not leave a root-owned database the
// service cannot open): that this user could open it, and its schema version
// is one this build runs. Returns a line for the operator.
Result<std::string> probe_store(const std::string& db);

}  // namespace cw::daemon
