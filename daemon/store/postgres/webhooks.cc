// Webhook deliveries: what is due, claiming one for a worker (a lease, so
// two daemons never push the same row at once and a dead daemon's row is
// taken over), attempt results, webhook health and reviving it.
#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {
namespace {

// A text[] literal of the tags (hex only, so nothing needs quoting).
std::string tag_array(const std::vector<std::string>& tags) {
  std::string out = "{";
  for (const auto& t : tags) {
    if (t.empty() || t.find_first_not_of("0123456789abcdef") != std::string::npos) continue;
    out += (out.size() > 1 ? "," : "") + t;
  }
  return out + "}";
}

}  // namespace

Result<std::vector<DueWebhook>> PostgresStore::due_webhooks(
    UnixMillis now, std::size_t limit, const std::vector<std::string>& paused) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec(
      (*conn)->get(),
      "SELECT d.seq, d.org, d.attempts, n.body FROM deliveries d "
      "JOIN notifications n ON n.seq = d.seq "
      "WHERE d.state = 'pending' AND d.next_attempt_at <= $1 "
      "AND NOT (d.org = ANY ($2::text[])) ORDER BY d.seq LIMIT $3",
      pg::Params().add(millis_of(now)).add(tag_array(paused)).add(static_cast<std::int64_t>(limit)),
      "due webhooks");
  if (!r) return r.error();
  std::vector<DueWebhook> out;
  for (int i = 0; i < r->size(); ++i)
    out.push_back({static_cast<std::uint64_t>(r->i64(i, 0)), r->text(i, 1),
                   static_cast<std::uint32_t>(r->i64(i, 2)), r->text(i, 3)});
  return out;
}

Result<bool> PostgresStore::claim_webhook(std::uint64_t seq, const std::string& org,
                                          UnixMillis now) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  // SKIP LOCKED: a row another worker is claiming right now is theirs; the
  // lease (next_attempt_at in the future) keeps it theirs until their result
  // is recorded or the lease runs out.
  auto r = pg::exec((*conn)->get(),
                    "UPDATE deliveries SET next_attempt_at = $3 WHERE (seq, org) IN ("
                    "SELECT seq, org FROM deliveries WHERE seq = $1 AND org = $2 "
                    "AND state = 'pending' AND next_attempt_at <= $4 FOR UPDATE SKIP LOCKED)",
                    pg::Params().add(seq).add(org).add(millis_of(now + lease_)).add(millis_of(now)),
                    "claim delivery");
  if (!r) return r.error();
  return r->affected() == 1;
}

Result<std::vector<WebhookHealth>> PostgresStore::webhook_health() {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec((*conn)->get(),
                    "SELECT org, state, consecutive_failures FROM webhook_health ORDER BY org", {},
                    "webhook health");
  if (!r) return r.error();
  std::vector<WebhookHealth> out;
  for (int i = 0; i < r->size(); ++i)
    out.push_back({r->text(i, 0), parse_webhook_state(r->text(i, 1)),
                   static_cast<std::uint32_t>(r->i64(i, 2))});
  return out;
}

// ---- the ledger's row primitives for webhooks (daemon/ledger/rows.h) ------

Result<std::optional<ledger::DeliveryState>> PostgresStore::delivery_state(std::uint64_t seq,
                                                                           const std::string& org) {
  // FOR UPDATE: a claim by another daemon (SKIP LOCKED) leaves the row alone
  // until this attempt's result is committed.
  auto q = pg::exec(w(), "SELECT state FROM deliveries WHERE seq = $1 AND org = $2 FOR UPDATE",
                    pg::Params().add(seq).add(org), "delivery state");
  if (!q) return q.error();
  if (q->size() == 0) return std::optional<ledger::DeliveryState>();
  return std::optional<ledger::DeliveryState>(ledger::parse_delivery_state(q->text(0, 0)));
}

Status PostgresStore::record_attempt(std::uint64_t seq, const std::string& org,
                                     ledger::DeliveryState state, std::int64_t next_attempt_at_ms,
                                     int http_status) {
  auto r = pg::exec(w(),
                    "UPDATE deliveries SET state = $1, attempts = attempts + 1, "
                    "next_attempt_at = $2, last_status = $3 WHERE seq = $4 AND org = $5",
                    pg::Params()
                        .add(ledger::delivery_state_name(state))
                        .add(next_attempt_at_ms)
                        .add(http_status)
                        .add(seq)
                        .add(org),
                    "record attempt");
  return pg::ok(r);
}

Result<std::optional<ledger::HealthRow>> PostgresStore::webhook_health_of(
    const std::string& org_id) {
  auto q = pg::exec(w(),
                    "SELECT state, consecutive_failures, generation FROM webhook_health "
                    "WHERE org = $1",
                    pg::Params().add(org_id), "webhook health");
  if (!q) return q.error();
  if (q->size() == 0) return std::optional<ledger::HealthRow>();
  return std::optional<ledger::HealthRow>(ledger::HealthRow{
      parse_webhook_state(q->text(0, 0)), static_cast<std::uint32_t>(q->i64(0, 1)),
      static_cast<std::uint32_t>(q->i64(0, 2))});
}

Status PostgresStore::put_webhook_health(const std::string& org_id, const ledger::HealthRow& h,
                                         std::int64_t hour) {
  auto r = pg::exec(w(),
                    "INSERT INTO webhook_health (org, state, consecutive_failures, updated_at, "
                    "generation) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org) DO UPDATE SET "
                    "state = excluded.state, consecutive_failures = excluded.consecutive_failures, "
                    "updated_at = excluded.updated_at, generation = excluded.generation",
                    pg::Params()
                        .add(org_id)
                        .add(webhook_state_name(h.state))
                        .add(static_cast<std::int64_t>(h.failures))
                        .add(hour)
                        .add(static_cast<std::int64_t>(h.generation)),
                    "put webhook health");
  return pg::ok(r);
}

Result<std::uint32_t> PostgresStore::requeue_dead_deliveries(const std::string& org) {
  auto d = pg::exec(w(),
                    "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0 "
                    "WHERE org = $1 AND state = 'dead'",
                    pg::Params().add(org), "requeue deliveries");
  if (!d) return d.error();
  return static_cast<std::uint32_t>(d->affected());
}

}  // namespace cw::daemon
