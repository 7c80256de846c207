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

Status PostgresStore::write_webhook_results(const std::vector<WebhookResult>& results) {
  for (const auto& r : results) {
    const char* state = r.outcome == WebhookOutcome::delivered         ? "delivered"
                        : r.outcome == WebhookOutcome::failed_for_good ? "dead"
                                                                       : "pending";
    // A delivery another daemon already finished (its lease ran out while
    // this attempt was slow) stays delivered.
    CW_TRY(pg::exec(w(),
                    "UPDATE deliveries SET state = CASE WHEN state = 'delivered' THEN state ELSE "
                    "$1 END, attempts = attempts + 1, next_attempt_at = $2, last_status = $3 "
                    "WHERE seq = $4 AND org = $5",
                    pg::Params()
                        .add(state)
                        .add(millis_of(r.next_attempt_at))
                        .add(r.http_status)
                        .add(r.seq)
                        .add(r.org),
                    "update delivery"));
    const bool ok = r.outcome == WebhookOutcome::delivered;
    const bool gone = r.outcome == WebhookOutcome::gone;
    CW_TRY(pg::exec(w(),
                    "INSERT INTO webhook_health (org, state, consecutive_failures, updated_at, "
                    "generation) VALUES ($1, $2, $3, $4, $8) "
                    "ON CONFLICT (org) DO UPDATE SET "
                    "consecutive_failures = CASE WHEN $5 THEN 0 ELSE "
                    "webhook_health.consecutive_failures + 1 END, "
                    "state = CASE WHEN $6 THEN 'disabled' WHEN $5 THEN 'ok' "
                    "  WHEN webhook_health.consecutive_failures + 1 >= $7 THEN 'failing' "
                    "  ELSE webhook_health.state END, "
                    "updated_at = excluded.updated_at "
                    "WHERE webhook_health.generation <= $8",
                    pg::Params()
                        .add(r.org_id)
                        .add(gone ? "disabled" : "ok")
                        .add(ok ? 0 : 1)
                        .add(hour_of(static_cast<std::int64_t>(std::time(nullptr))))
                        .add(ok ? "true" : "false")
                        .add(gone ? "true" : "false")
                        .add(kFailingAfter)
                        .add(static_cast<std::int64_t>(r.generation)),
                    "update webhook health"));
  }
  return Status::Ok();
}

Result<std::uint32_t> PostgresStore::write_revivals(const std::vector<WebhookGeneration>& current) {
  std::uint32_t revived = 0;
  for (const auto& c : current) {
    auto q = pg::exec(w(), "SELECT state FROM webhook_health WHERE org = $1 AND generation < $2",
                      pg::Params().add(c.org_id).add(static_cast<std::int64_t>(c.generation)),
                      "read webhook health");
    if (!q) return q.error();
    if (q->size() == 0) continue;
    const bool was_healthy = q->text(0, 0) == "ok";
    CW_TRY(pg::exec(w(),
                    "UPDATE webhook_health SET state = 'ok', consecutive_failures = 0, "
                    "generation = $1, updated_at = $2 WHERE org = $3",
                    pg::Params()
                        .add(static_cast<std::int64_t>(c.generation))
                        .add(hour_of(static_cast<std::int64_t>(std::time(nullptr))))
                        .add(c.org_id),
                    "revive webhook"));
    auto d = pg::exec(w(),
                      "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0 "
                      "WHERE org = $1 AND state = 'dead'",
                      pg::Params().add(c.org), "revive deliveries");
    if (!d) return d.error();
    if (!was_healthy || d->affected() > 0) ++revived;
  }
  return revived;
}

}  // namespace cw::daemon
