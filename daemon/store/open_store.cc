#include "daemon/store/open_store.h"

#include "daemon/store/postgres_store.h"
#include "daemon/store/sqlite_store.h"

namespace cw::daemon {

Result<std::unique_ptr<Store>> open_store(const StoreOptions& o) {
  if (is_postgres_uri(o.db))
    return open_postgres_store({o.db, o.max_batch, o.metrics, o.keys, o.claim_lease});
  return open_sqlite_store({o.db, o.max_batch, o.metrics, o.keys});
}

std::string describe_db(const std::string& db) {
  if (!is_postgres_uri(db)) return db;
  // postgresql://user:password@host/...: keep the scheme and what follows '@'.
  const auto scheme = db.find("://") + 3;
  const auto at = db.find('@', scheme);
  if (at == std::string::npos) return db;
  const auto colon = db.find(':', scheme);
  if (colon == std::string::npos || colon > at) return db;
  return db.substr(0, colon) + ":***" + db.substr(at);
}

}  // namespace cw::daemon
