// Webhook deliveries: what is due and webhook health (reads), and the row
// primitives the ledger records attempts and revivals with
// (daemon/ledger/ledger.h says what they mean).
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

// ---- the ledger's row primitives for webhooks (daemon/ledger/rows.h) ------

Result<std::optional<ledger::DeliveryState>> SqliteStore::delivery_state(std::uint64_t seq,
                                                                         const std::string& org) {
  Stmt q(wcache_, "SELECT state FROM deliveries WHERE seq = ? AND org = ?");
  if (!q) return db_error(wdb_, "prepare delivery state");
  q.bind(1, seq).bind(2, std::string_view(org));
  const int rc = q.step();
  if (rc == SQLITE_DONE) return std::optional<ledger::DeliveryState>();
  if (rc != SQLITE_ROW) return db_error(wdb_, "delivery state");
  return std::optional<ledger::DeliveryState>(ledger::parse_delivery_state(q.text(0)));
}

Status SqliteStore::record_attempt(std::uint64_t seq, const std::string& org,
                                   ledger::DeliveryState state, std::int64_t next_attempt_at_ms,
                                   int http_status) {
  Stmt u(wcache_,
         "UPDATE deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, "
         "last_status = ? WHERE seq = ? AND org = ?");
  u.bind(1, ledger::delivery_state_name(state)).bind(2, next_attempt_at_ms).bind(3, http_status);
  u.bind(4, seq).bind(5, std::string_view(org));
  return run(wdb_, u, "record attempt");
}

Result<std::optional<ledger::HealthRow>> SqliteStore::webhook_health_of(const std::string& org_id) {
  Stmt q(wcache_,
         "SELECT state, consecutive_failures, generation FROM webhook_health WHERE org = ?");
  if (!q) return db_error(wdb_, "prepare webhook health");
  q.bind(1, std::string_view(org_id));
  const int rc = q.step();
  if (rc == SQLITE_DONE) return std::optional<ledger::HealthRow>();
  if (rc != SQLITE_ROW) return db_error(wdb_, "webhook health");
  return std::optional<ledger::HealthRow>(ledger::HealthRow{parse_webhook_state(q.text(0)),
                                                            static_cast<std::uint32_t>(q.i64(1)),
                                                            static_cast<std::uint32_t>(q.i64(2))});
}

Status SqliteStore::put_webhook_health(const std::string& org_id, const ledger::HealthRow& h,
                                       std::int64_t hour) {
  Stmt u(wcache_,
         "INSERT OR REPLACE INTO webhook_health "
         "(org, state, consecutive_failures, updated_at, generation) VALUES (?, ?, ?, ?, ?)");
  u.bind(1, std::string_view(org_id)).bind(2, webhook_state_name(h.state));
  u.bind(3, static_cast<std::int64_t>(h.failures)).bind(4, hour);
  u.bind(5, static_cast<std::int64_t>(h.generation));
  return run(wdb_, u, "put webhook health");
}

Result<std::uint32_t> SqliteStore::requeue_dead_deliveries(const std::string& org) {
  Stmt d(wcache_,
         "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0 "
         "WHERE org = ? AND state = 'dead'");
  d.bind(1, std::string_view(org));
  CW_TRY(run(wdb_, d, "requeue deliveries"));
  return static_cast<std::uint32_t>(sqlite3_changes(wdb_));
}

}  // namespace cw::daemon
