// Signed requests' nonces, shared by every daemon on the database: a request
// captured at one daemon (its own nonce cache saw it) replayed at another.
#include <ctime>

#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {

Result<bool> PostgresStore::claim_nonce(const Tag& tag, std::chrono::seconds keep_for) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  // The database's clock, for the expiry and for the clearing alike: one
  // clock for every daemon on it (a daemon whose own clock ran an hour fast
  // cleared tags the others still needed, and a captured request became
  // replayable at a third). Expired tags go at once (a request past its
  // window is refused as stale before it gets here): a seized database
  // holds only the last hour or so, each tag dated to the hour. One
  // statement, so one commit (and one standby round trip) per request.
  auto r = pg::exec(
      (*conn)->get(),
      "WITH clock AS (SELECT extract(epoch FROM now())::bigint AS t), "
      "expired AS (DELETE FROM request_nonces WHERE expires_at < (SELECT t FROM clock)) "
      "INSERT INTO request_nonces (tag, expires_at) "
      "SELECT $1, ((t + $2 + 3599) / 3600) * 3600 FROM clock "
      "ON CONFLICT DO NOTHING",
      pg::Params().add_bytes(tag).add(static_cast<std::int64_t>(keep_for.count())), "claim nonce");
  if (!r) return r.error();
  return r->affected() == 1;
}

}  // namespace cw::daemon
