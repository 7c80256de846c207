// The transactional outbox: a notification and one delivery row per
// recipient, written with the event; feeds read them from the database
// (several daemons write it, so no daemon's memory holds the whole tail).
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

Result<std::uint64_t> PostgresStore::add_event(std::int64_t case_id, const std::string& pseudonym,
                                               const CaseFacts& facts, std::string_view event,
                                               const std::vector<Recipient>& to, std::int64_t now) {
  auto acks = pg::exec(w(), "SELECT count(*) FROM acks WHERE case_id = $1",
                       pg::Params().add(case_id), "count acks");
  if (!acks) return acks.error();
  if (next_seq_ == 0) {
    auto n =
        pg::exec(w(), "SELECT coalesce(max(seq), 0) + 1 FROM notifications", {}, "next sequence");
    if (!n) return n.error();
    next_seq_ = static_cast<std::uint64_t>(n->i64(0, 0));
  }
  const std::uint64_t seq = next_seq_;
  auto body = encode_notification(make_notification(
      facts, event, seq, pseudonym, static_cast<std::uint32_t>(acks->i64(0, 0)), now));
  if (!body)
    return make_error(Errc::store_unavailable,
                      "notification encoding failed: " + body.error().message);
  CW_TRY(pg::exec(
      w(),
      "INSERT INTO notifications (seq, case_id, event, body, created_at) VALUES ($1, $2, $3, $4, "
      "$5)",
      pg::Params().add(seq).add(case_id).add(event).add(*body).add(hour_of(now)),
      "insert notification"));
  ++next_seq_;
  for (const auto& r : to) {
    // Due at once: 0, not the exact time of the event.
    CW_TRY(pg::exec(
        w(), "INSERT INTO deliveries (seq, org, state, next_attempt_at) VALUES ($1, $2, $3, 0)",
        pg::Params().add(seq).add(r.org).add(r.webhook ? "pending" : "feed"), "insert delivery"));
    CW_TRY(pg::exec(w(),
                    "INSERT INTO case_orgs (case_id, org) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    pg::Params().add(case_id).add(r.org), "insert case org"));
  }
  new_notifications_ = true;
  return seq;
}

Result<std::set<std::string>> PostgresStore::orgs_on_case(std::int64_t case_id) {
  auto r = pg::exec(w(), "SELECT org FROM case_orgs WHERE case_id = $1", pg::Params().add(case_id),
                    "case orgs");
  if (!r) return r.error();
  std::set<std::string> out;
  for (int i = 0; i < r->size(); ++i) out.insert(r->text(i, 0));
  return out;
}

}  // namespace cw::daemon
