// The transactional outbox: a notification and one delivery row per
// recipient, written with the event; feeds read them (recent ones from the
// in-memory tail).
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

Result<std::uint64_t> SqliteStore::add_event(std::int64_t case_id, const std::string& pseudonym,
                                             const CaseFacts& facts, std::string_view event,
                                             const std::vector<Recipient>& to, std::int64_t now) {
  Stmt acks(wcache_, "SELECT count(*) FROM acks WHERE case_id = ?");
  if (!acks || acks.bind(1, case_id).step() != SQLITE_ROW) return db_error(wdb_, "count acks");
  const std::uint64_t seq = next_seq_;
  auto body = encode_notification(make_notification(facts, event, seq, pseudonym,
                                                    static_cast<std::uint32_t>(acks.i64(0)), now));
  if (!body)
    return make_error(Errc::store_unavailable,
                      "notification encoding failed: " + body.error().message);
  Stmt n(
      wcache_,
      "INSERT INTO notifications (seq, case_id, event, body, created_at) VALUES (?, ?, ?, ?, ?)");
  n.bind(1, seq)
      .bind(2, case_id)
      .bind(3, event)
      .bind(4, std::string_view(*body))
      .bind(5, hour_of(now));
  CW_TRY(run(wdb_, n, "insert notification"));
  next_seq_++;
  for (const auto& r : to) {
    // Due at once: 0, not the exact time of the event (which a seized
    // phone's receipt would match).
    Stmt d(wcache_,
           "INSERT INTO deliveries (seq, org, state, next_attempt_at) VALUES (?, ?, ?, 0)");
    d.bind(1, seq)
        .bind(2, std::string_view(r.org))
        .bind(3, std::string_view(r.webhook ? "pending" : "feed"));
    CW_TRY(run(wdb_, d, "insert delivery"));
    Stmt co(wcache_, "INSERT OR IGNORE INTO case_orgs (case_id, org) VALUES (?, ?)");
    co.bind(1, case_id).bind(2, std::string_view(r.org));
    CW_TRY(run(wdb_, co, "insert case org"));
  }
  std::vector<std::string> orgs;
  orgs.reserve(to.size());
  for (const auto& r : to) orgs.push_back(r.org);
  tail_->stage(seq, std::move(*body), std::move(orgs));
  new_notifications_ = true;
  return seq;
}

Result<std::set<std::string>> SqliteStore::orgs_on_case(std::int64_t case_id) {
  Stmt s(wcache_, "SELECT org FROM case_orgs WHERE case_id = ?");
  if (!s) return db_error(wdb_, "case orgs");
  s.bind(1, case_id);
  std::set<std::string> out;
  while (s.step() == SQLITE_ROW) out.insert(s.text(0));
  return out;
}

}  // namespace cw::daemon
