// The transactional outbox's read side: feeds read notifications from the
// database (several daemons write it, so no daemon's memory holds the whole
// tail). The ledger writes them with each event (daemon/ledger/ledger.h,
// add_event; rows.cc).
#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {

Result<std::vector<FeedItem>> PostgresStore::feed(const std::string& org, std::uint64_t after,
                                                  std::size_t limit) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec((*conn)->get(),
                    "SELECT n.seq, n.body FROM deliveries d JOIN notifications n ON n.seq = d.seq "
                    "WHERE d.org = $1 AND d.seq > $2 ORDER BY d.seq LIMIT $3",
                    pg::Params().add(org).add(after).add(static_cast<std::int64_t>(limit)), "feed");
  if (!r) return r.error();
  std::vector<FeedItem> out;
  out.reserve(static_cast<std::size_t>(r->size()));
  for (int i = 0; i < r->size(); ++i)
    out.push_back({static_cast<std::uint64_t>(r->i64(i, 0)), r->text(i, 1)});
  return out;
}

}  // namespace cw::daemon
