#include "daemon/store/open_store.h"

#include "daemon/store/postgres_store.h"
#include "daemon/store/sqlite_store.h"

namespace cw::daemon {

Result<std::unique_ptr<Store>> open_store(const StoreOptions& o) {
  if (is_postgres_uri(o.db))
    return open_postgres_store(
        {o.db, o.max_batch, o.metrics, o.keys, o.claim_lease, o.log_window_s});
  return open_sqlite_store({o.db, o.max_batch, o.metrics, o.keys, o.log_window_s});
}

Result<std::string> probe_store(const std::string& db) {
  return is_postgres_uri(db) ? probe_postgres_store(db) : probe_sqlite_store(db);
}

}  // namespace cw::daemon
