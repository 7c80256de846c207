// Signed requests' nonces, shared by every daemon on the database: a request
// captured at one daemon (its own nonce cache saw it) replayed at another.
#include <ctime>

#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {

Result<bool> PostgresStore::claim_nonce(const Tag& tag, UnixSeconds expires) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  // Expired tags go at once (a request past its window is refused as stale
  // before it gets here, so an expired tag can never be needed): a seized
  // database holds only the last hour's, each dated to the hour. One
  // statement, so one commit (and one standby round trip) per request.
  auto r = pg::exec((*conn)->get(),
                    "WITH expired AS (DELETE FROM request_nonces WHERE expires_at < $3) "
                    "INSERT INTO request_nonces (tag, expires_at) VALUES ($1, $2) "
                    "ON CONFLICT DO NOTHING",
                    pg::Params()
                        .add_bytes(tag)
                        .add(seconds_of(expires))
                        .add(static_cast<std::int64_t>(std::time(nullptr))),
                    "claim nonce");
  if (!r) return r.error();
  return r->affected() == 1;
}

}  // namespace cw::daemon
