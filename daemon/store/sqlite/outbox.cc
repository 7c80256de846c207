// The transactional outbox's read side: feeds read notifications (recent
// ones from the in-memory tail). The ledger writes them with each event
// (daemon/ledger/ledger.h, add_event; rows.cc).
#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

Result<std::vector<FeedItem>> SqliteStore::feed(const std::string& org, std::uint64_t after,
                                                std::size_t limit) {
  if (auto recent = tail_->read(org, after, limit)) return std::move(*recent);
  std::lock_guard lock(read_mu_);
  Stmt s(rdb_,
         "SELECT n.seq, n.body FROM deliveries d JOIN notifications n ON n.seq = d.seq "
         "WHERE d.org = ? AND d.seq > ? ORDER BY d.seq LIMIT ?");
  if (!s) return db_error(rdb_, "feed");
  s.bind(1, std::string_view(org)).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
  std::vector<FeedItem> out;
  while (s.step() == SQLITE_ROW) out.push_back({static_cast<std::uint64_t>(s.i64(0)), s.text(1)});
  return out;
}

}  // namespace cw::daemon
