// Webhook deliveries: what is due, attempt results and webhook health, and
// reviving an organisation's webhook after its operator fixed it.
#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

Result<std::vector<DueWebhook>> SqliteStore::due_webhooks(UnixMillis now, std::size_t limit,
                                                          const std::vector<std::string>& paused) {
  std::lock_guard lock(read_mu_);
  Stmt s(rdb_,
         "SELECT d.seq, d.org, d.attempts, n.body FROM deliveries d JOIN notifications n ON "
         "n.seq = d.seq "
         "WHERE d.state = 'pending' AND d.next_attempt_at <= ? "
         "AND d.org NOT IN (SELECT value FROM json_each(?)) "
         "ORDER BY d.seq LIMIT ?");
  if (!s) return db_error(rdb_, "due webhooks");
  std::string list = "[";
  for (const auto& p : paused) {
    if (p.find_first_not_of("0123456789abcdef") != std::string::npos) continue;  // tags are hex
    list += (list.size() > 1 ? ",\"" : "\"") + p + "\"";
  }
  list += "]";
  s.bind(1, millis_of(now))
      .bind(2, std::string_view(list))
      .bind(3, static_cast<std::int64_t>(limit));
  std::vector<DueWebhook> out;
  while (s.step() == SQLITE_ROW)
    out.push_back({static_cast<std::uint64_t>(s.i64(0)), s.text(1),
                   static_cast<std::uint32_t>(s.i64(2)), s.text(3)});
  return out;
}

Result<std::vector<WebhookHealth>> SqliteStore::webhook_health() {
  std::lock_guard lock(read_mu_);
  Stmt s(rdb_, "SELECT org, state, consecutive_failures FROM webhook_health ORDER BY org");
  if (!s) return db_error(rdb_, "webhook health");
  std::vector<WebhookHealth> out;
  while (s.step() == SQLITE_ROW)
    out.push_back(
        {s.text(0), parse_webhook_state(s.text(1)), static_cast<std::uint32_t>(s.i64(2))});
  return out;
}

Status SqliteStore::write_webhook_results(const std::vector<WebhookResult>& results) {
  for (const auto& r : results) {
    const char* state = r.outcome == WebhookOutcome::delivered         ? "delivered"
                        : r.outcome == WebhookOutcome::failed_for_good ? "dead"
                                                                       : "pending";
    Stmt u(wdb_,
           "UPDATE deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, "
           "last_status = ? "
           "WHERE seq = ? AND org = ?");
    u.bind(1, std::string_view(state)).bind(2, millis_of(r.next_attempt_at)).bind(3, r.http_status);
    u.bind(4, r.seq).bind(5, std::string_view(r.org));
    CW_TRY(run(wdb_, u, "update delivery"));
    // Health is kept by key id (for casewire-keys list) and to the hour, so
    // its update time does not point at the delivery rows just written.
    Stmt h(wdb_,
           "INSERT INTO webhook_health (org, state, consecutive_failures, updated_at, generation) "
           "VALUES (?1, ?2, ?3, ?4, ?8) "
           "ON CONFLICT(org) DO UPDATE SET "
           "consecutive_failures = CASE WHEN ?5 THEN 0 ELSE consecutive_failures + 1 END, "
           "state = CASE WHEN ?6 THEN 'disabled' WHEN ?5 THEN 'ok' "
           "  WHEN consecutive_failures + 1 >= ?7 THEN 'failing' ELSE state END, "
           "updated_at = excluded.updated_at "
           // An attempt still in flight when the endpoint was fixed must not
           // disable the fixed one.
           "WHERE generation <= ?8");
    const bool ok = r.outcome == WebhookOutcome::delivered;
    const bool gone = r.outcome == WebhookOutcome::gone;
    h.bind(1, std::string_view(r.org_id)).bind(2, std::string_view(gone ? "disabled" : "ok"));
    h.bind(3, ok ? 0 : 1).bind(4, hour_of(static_cast<std::int64_t>(std::time(nullptr))));
    h.bind(5, ok ? 1 : 0).bind(6, gone ? 1 : 0).bind(7, kFailingAfter);
    h.bind(8, static_cast<std::int64_t>(r.generation));
    CW_TRY(run(wdb_, h, "update webhook health"));
  }
  return Status::Ok();
}

Result<std::uint32_t> SqliteStore::write_revivals(const std::vector<WebhookGeneration>& current) {
  std::uint32_t revived = 0;
  for (const auto& c : current) {
    bool was_healthy = false;
    {
      Stmt q(wdb_, "SELECT state FROM webhook_health WHERE org = ? AND generation < ?");
      q.bind(1, std::string_view(c.org_id)).bind(2, static_cast<std::int64_t>(c.generation));
      if (q.step() != SQLITE_ROW) continue;  // no health recorded, or already this generation
      was_healthy = q.text(0) == "ok";
    }
    // The generation moves on even for a healthy endpoint, so that an
    // attempt still in flight under the old one cannot disable the new one.
    Stmt h(wdb_,
           "UPDATE webhook_health SET state = 'ok', consecutive_failures = 0, generation = ?1, "
           "updated_at = ?2 "
           "WHERE org = ?3");
    h.bind(1, static_cast<std::int64_t>(c.generation))
        .bind(2, hour_of(static_cast<std::int64_t>(std::time(nullptr))));
    h.bind(3, std::string_view(c.org_id));
    CW_TRY(run(wdb_, h, "revive webhook"));
    Stmt d(wdb_,
           "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0 "
           "WHERE org = ? AND state = 'dead'");
    d.bind(1, std::string_view(c.org));
    CW_TRY(run(wdb_, d, "revive deliveries"));
    // Counted (metric, log) only when something was actually brought back.
    if (!was_healthy || sqlite3_changes(wdb_) > 0) ++revived;
  }
  return revived;
}

}  // namespace cw::daemon
