#include "daemon/store/postgres/schema.h"

#include <iterator>
#include <string>

#include "daemon/store/postgres/pg.h"

namespace cw::daemon {
namespace {

// The same tables as SQLite's schema v7 (daemon/store/sqlite/schema.cc,
// where each column's reason is given), in PostgreSQL's types. What is
// sealed there is sealed here; the storage key never enters the database.
const char* const kMigrations[] = {
    // v1
    R"sql(
    CREATE TABLE alerts (
      alert_tag    bytea  PRIMARY KEY,
      sender_tag   bytea  NOT NULL,
      kind         text   NOT NULL,
      received_day bigint NOT NULL,
      sealed       bytea  NOT NULL,
      receipt      bytea  NOT NULL
    );
    CREATE TABLE cases (
      id          bigserial PRIMARY KEY,
      case_tag    bytea   NOT NULL UNIQUE,
      pseudonym   text    NOT NULL,
      facts       text    NOT NULL,
      state       text    NOT NULL,
      opened_at   bigint  NOT NULL,
      escalate_at bigint  NOT NULL,
      escalated   boolean NOT NULL DEFAULT false,
      owner_tag   bytea   NOT NULL
    );
    CREATE INDEX cases_pseudonym ON cases(pseudonym);
    CREATE INDEX cases_escalation ON cases(state, escalated, escalate_at);
    CREATE TABLE notifications (
      seq        bigint PRIMARY KEY,
      case_id    bigint NOT NULL REFERENCES cases(id),
      event      text   NOT NULL,
      body       text   NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE TABLE deliveries (
      seq             bigint  NOT NULL REFERENCES notifications(seq),
      org             text    NOT NULL,
      state           text    NOT NULL,
      attempts        integer NOT NULL DEFAULT 0,
      next_attempt_at bigint  NOT NULL DEFAULT 0,
      last_status     integer NOT NULL DEFAULT 0,
      PRIMARY KEY (seq, org)
    );
    CREATE INDEX deliveries_org ON deliveries(org, seq);
    CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
    CREATE TABLE case_orgs (
      case_id bigint NOT NULL REFERENCES cases(id),
      org     text   NOT NULL,
      PRIMARY KEY (case_id, org)
    );
    CREATE TABLE acks (
      case_id  bigint NOT NULL REFERENCES cases(id),
      org      text   NOT NULL,
      acked_at bigint NOT NULL,
      PRIMARY KEY (case_id, org)
    );
    CREATE TABLE answers (
      case_id     bigint NOT NULL REFERENCES cases(id),
      org         text   NOT NULL,
      answer      text   NOT NULL,
      reason      text   NOT NULL,
      answered_at bigint NOT NULL,
      PRIMARY KEY (case_id, org)
    );
    CREATE TABLE webhook_health (
      org                  text    PRIMARY KEY,
      state                text    NOT NULL,
      consecutive_failures integer NOT NULL,
      updated_at           bigint  NOT NULL,
      generation           bigint  NOT NULL DEFAULT 0
    );
    CREATE TABLE case_keys (
      case_tag      bytea  PRIMARY KEY,
      wrapped       bytea  NOT NULL,
      last_event_at bigint NOT NULL
    );
    CREATE INDEX case_keys_age ON case_keys(last_event_at);
    CREATE TABLE case_details (
      case_tag bytea   NOT NULL,
      n        integer NOT NULL,
      sealed   bytea   NOT NULL,
      PRIMARY KEY (case_tag, n)
    );
    CREATE TABLE audit (
      n         bigint PRIMARY KEY,
      at        bigint NOT NULL,
      sealed    bytea  NOT NULL,
      link      bytea  NOT NULL,
      signature bytea  NOT NULL
    );
    CREATE TABLE case_log (
      idx  bigint PRIMARY KEY,
      tag  bytea  NOT NULL UNIQUE,
      leaf bytea  NOT NULL
    );
    )sql",
    // v2: signed requests' nonces, shared by the daemons on this database so
    // a request used at one cannot be replayed at another. Keyed tags only
    // (Keyring::nonce_tag): no key id, no nonce; gone after the request's
    // validity window.
    R"sql(
    CREATE TABLE request_nonces (
      tag        bytea  PRIMARY KEY,
      expires_at bigint NOT NULL
    );
    CREATE INDEX request_nonces_expiry ON request_nonces(expires_at);
    )sql",
    // v3: leaves waiting for their mixing window to end (protocol/case_log.h),
    // keyed by their tag. PostgreSQL's heap keeps rows in the order they were
    // written until VACUUM reuses the space: docs/THREAT_MODEL.md says what
    // that leaves for a seized database server.
    R"sql(
    CREATE TABLE log_waiting (
      tag  bytea  PRIMARY KEY,
      leaf bytea  NOT NULL,
      due  bigint NOT NULL
    );
    )sql",
};
constexpr int kVersion = static_cast<int>(std::size(kMigrations));

}  // namespace

int pg_schema_version_impl() {
  return kVersion;
}

Status pg_migrate(PGconn* c) {
  CW_TRY(pg::run(c, "BEGIN", "begin migration"));
  auto fail = [&](Error e) {
    (void)pg::run(c, "ROLLBACK", "roll back migration");
    return e;
  };
  auto lock = pg::exec(c, "SELECT pg_advisory_xact_lock($1)", pg::Params().add(kWriterLock),
                       "lock for migration");
  if (!lock) return fail(lock.error());
  if (auto st = pg::run(c, "CREATE TABLE IF NOT EXISTS casewire_schema (version integer NOT NULL)",
                        "create version table");
      !st.ok())
    return fail(st.error());
  auto v = pg::exec(c, "SELECT coalesce(max(version), 0) FROM casewire_schema", {},
                    "read schema version");
  if (!v) return fail(v.error());
  int version = static_cast<int>(v->i64(0, 0));
  if (version > kVersion)
    return fail(make_error(Errc::store_unavailable,
                           "this database was written by a newer casewired (schema " +
                               std::to_string(version) + "); this one knows up to " +
                               std::to_string(kVersion)));
  for (; version < kVersion; ++version)
    if (auto st = pg::run(c, kMigrations[version], "migrate"); !st.ok()) return fail(st.error());
  if (auto st = pg::exec(c, "DELETE FROM casewire_schema", {}, "clear version"); !st)
    return fail(st.error());
  if (auto st = pg::exec(c, "INSERT INTO casewire_schema (version) VALUES ($1)",
                         pg::Params().add(kVersion), "write version");
      !st)
    return fail(st.error());
  return pg::run(c, "COMMIT", "commit migration");
}

}  // namespace cw::daemon
