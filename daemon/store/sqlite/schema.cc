#include "daemon/store/sqlite/schema.h"

#include <sodium.h>

#include <algorithm>
#include <string>
#include <vector>

#include "daemon/store/alert_record.h"
#include "daemon/store/batched_store.h"
#include "daemon/store/receipt_facts.h"
#include "daemon/store/sqlite/statement.h"
#include "daemon/store/store.h"

namespace cw::daemon {
namespace {

// Each entry moves the schema one version up; never edit a shipped entry.
const char* const kMigrations[] = {
    // v1: alerts. No sender identity and no alert id in the clear: the
    // idempotency key is a keyed hash, restricted data is sealed.
    R"sql(
    CREATE TABLE alerts (
      seq           INTEGER PRIMARY KEY AUTOINCREMENT,
      alert_tag     BLOB    NOT NULL UNIQUE,
      sender_tag    BLOB    NOT NULL,
      envelope_hash BLOB    NOT NULL,
      received_at   INTEGER NOT NULL,
      kind          TEXT    NOT NULL,
      sealed        BLOB    NOT NULL
    );
    )sql",
    // v2: cases, anonymised notifications and the delivery outbox. Only
    // anonymised facts are stored in the clear here (what organisations see).
    R"sql(
    CREATE TABLE cases (
      id          INTEGER PRIMARY KEY,
      case_tag    BLOB    NOT NULL UNIQUE,
      pseudonym   TEXT    NOT NULL,
      facts       TEXT    NOT NULL,
      state       TEXT    NOT NULL,
      opened_at   INTEGER NOT NULL,
      escalate_at INTEGER NOT NULL,
      escalated   INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX cases_escalation ON cases(state, escalated, escalate_at);
    CREATE TABLE notifications (
      seq        INTEGER PRIMARY KEY,
      case_id    INTEGER NOT NULL REFERENCES cases(id),
      event      TEXT    NOT NULL,
      body       TEXT    NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE deliveries (
      seq             INTEGER NOT NULL REFERENCES notifications(seq),
      org             TEXT    NOT NULL,
      state           TEXT    NOT NULL,
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      last_status     INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (seq, org)
    );
    CREATE INDEX deliveries_org ON deliveries(org, seq);
    CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
    CREATE TABLE case_orgs (
      case_id INTEGER NOT NULL REFERENCES cases(id),
      org     TEXT    NOT NULL,
      PRIMARY KEY (case_id, org)
    );
    CREATE TABLE acks (
      case_id  INTEGER NOT NULL REFERENCES cases(id),
      org      TEXT    NOT NULL,
      acked_at INTEGER NOT NULL,
      PRIMARY KEY (case_id, org)
    );
    CREATE TABLE webhook_health (
      org                  TEXT PRIMARY KEY,
      state                TEXT    NOT NULL,
      consecutive_failures INTEGER NOT NULL,
      updated_at           INTEGER NOT NULL
    );
    )sql",
    // v3: the subscription generation webhook health was recorded under, so a
    // fixed endpoint (casewire-keys set-org) can be revived.
    R"sql(
    ALTER TABLE webhook_health ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
    )sql",
    // v4: what a seizure reveals (issue 9 section 5). Alerts lose their row
    // order, their exact time and their envelope hash: the receipt's facts
    // are sealed, and the table is keyed by the alert tag (WITHOUT ROWID).
    // Cases get a case tag and an owner tag of their own (no join with the
    // alerts table), organisations are named by keyed tags in the case
    // tables, and times are kept to the hour. The data is moved by
    // migrate_v4_data(), which needs the daemon's keys.
    R"sql(
    CREATE TABLE alerts_v4 (
      alert_tag    BLOB    PRIMARY KEY,
      sender_tag   BLOB    NOT NULL,
      kind         TEXT    NOT NULL,
      received_day INTEGER NOT NULL,
      sealed       BLOB    NOT NULL,
      receipt      BLOB    NOT NULL
    ) WITHOUT ROWID;
    ALTER TABLE cases ADD COLUMN owner_tag BLOB NOT NULL DEFAULT x'';
    )sql",
    // v5: organisations' answers other than acting (protocol/org_answer.h):
    // codes only, one per organisation and case, the time to the hour.
    R"sql(
    CREATE TABLE answers (
      case_id     INTEGER NOT NULL REFERENCES cases(id),
      org         TEXT    NOT NULL,
      answer      TEXT    NOT NULL,
      reason      TEXT    NOT NULL,
      answered_at INTEGER NOT NULL,
      PRIMARY KEY (case_id, org)
    );
    )sql",
    // v6: crypto-shredding and the audit trail (docs/THREAT_MODEL.md,
    // "Retention"). Each case has its own key, stored only wrapped under the
    // storage key; the alerts' own words move from alerts.sealed (under the
    // storage key, which never goes away) to case_details under that key.
    // Destroying a case_keys row destroys them. The data is moved by
    // migrate_v6_data(), which needs the daemon's keys.
    R"sql(
    CREATE TABLE case_keys (
      case_tag      BLOB    PRIMARY KEY,
      wrapped       BLOB    NOT NULL,
      last_event_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX case_keys_age ON case_keys(last_event_at);
    CREATE TABLE case_details (
      case_tag BLOB    NOT NULL,
      n        INTEGER NOT NULL,
      sealed   BLOB    NOT NULL,
      PRIMARY KEY (case_tag, n)
    ) WITHOUT ROWID;
    CREATE TABLE audit (
      n         INTEGER PRIMARY KEY,
      at        INTEGER NOT NULL,
      sealed    BLOB    NOT NULL,
      link      BLOB    NOT NULL,
      signature BLOB    NOT NULL
    );
    )sql",
    // v7: the tamper-evident case log (protocol/case_log.h). One row per
    // leaf, in log order; `tag` is also inside `leaf` and is kept apart so a
    // repeated alert finds its leaf. Alerts recorded before v7 have none.
    R"sql(
    CREATE TABLE case_log (
      idx  INTEGER PRIMARY KEY,
      tag  BLOB    NOT NULL UNIQUE,
      leaf BLOB    NOT NULL
    );
    )sql",
    // v8: leaves waiting for their mixing window to end (protocol/case_log.h).
    // Keyed by the tag and WITHOUT ROWID, so the table's own order is the
    // tags' (keyed hashes: random), never the order events were recorded in.
    R"sql(
    CREATE TABLE log_waiting (
      tag  BLOB    PRIMARY KEY,
      leaf BLOB    NOT NULL,
      due  INTEGER NOT NULL
    ) WITHOUT ROWID;
    )sql",
};
// Statements that finish a migration after its data step.
const char* const kMigrationsAfterData[] = {
    nullptr, nullptr, nullptr, "DROP TABLE alerts; ALTER TABLE alerts_v4 RENAME TO alerts;",
    nullptr, nullptr, nullptr, nullptr};
static_assert(std::size(kMigrationsAfterData) == std::size(kMigrations));
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

// v3 -> v4 data: seal each alert's receipt facts, re-key cases by their own
// case and owner tags (from the sealed record: who sent it, which alert id),
// name organisations by tag in the case tables, and coarsen times. Runs
// inside the migration's transaction: all or nothing.
Status migrate_v4_data(sqlite3* db, const Keyring* keys) {
  Stmt any(db, "SELECT count(*) FROM alerts");
  if (!any || any.step() != SQLITE_ROW) return db_error(db, "count alerts");
  Stmt any_orgs(db, "SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM case_orgs)");
  if (!any_orgs || any_orgs.step() != SQLITE_ROW) return db_error(db, "count deliveries");
  if (any.i64(0) + any_orgs.i64(0) == 0) return Status::Ok();
  if (!keys)
    return make_error(
        Errc::store_unavailable,
        "this database needs the daemon's keys to upgrade to schema v4: start casewired on it");
  {
    Stmt rows(
        db,
        "SELECT seq, alert_tag, sender_tag, envelope_hash, received_at, kind, sealed FROM alerts");
    if (!rows) return db_error(db, "read alerts");
    while (rows.step() == SQLITE_ROW) {
      ReceiptFacts f;
      f.sequence = static_cast<std::uint64_t>(rows.i64(0));
      f.received_at = rows.i64(4);
      auto h = rows.blob(3);
      if (h.size() == f.envelope_hash.size())
        std::copy(h.begin(), h.end(), f.envelope_hash.begin());
      const Bytes tag(rows.blob(1).begin(), rows.blob(1).end());
      Bytes plain = encode_receipt_facts(f);
      Stmt ins(db,
               "INSERT INTO alerts_v4 (alert_tag, sender_tag, kind, received_day, sealed, receipt) "
               "VALUES (?, ?, ?, ?, ?, ?)");
      ins.bind(1, ByteView(tag)).bind(2, rows.blob(2)).bind(3, std::string_view(rows.text(5)));
      ins.bind(4, f.received_at / 86400)
          .bind(5, rows.blob(6))
          .bind(6, ByteView(keys->seal_record(plain, tag)));
      CW_TRY(run(db, ins, "copy alert"));
    }
  }
  {
    // A case's new tags come from its first alert's sealed record, which
    // holds the reporter's key id and the alert id (ingest's record layout:
    // version u8 || sender[8] || alert id[16] || ...).
    Stmt cases(db,
               "SELECT c.id, a.alert_tag, a.sealed FROM cases c JOIN alerts a ON a.alert_tag = "
               "c.case_tag");
    if (!cases) return db_error(db, "read cases");
    while (cases.step() == SQLITE_ROW) {
      auto plain = keys->open_record(cases.blob(2), cases.blob(1));
      if (!plain)
        return make_error(Errc::store_unavailable, "upgrade to v4: " + plain.error().message);
      ByteReader r(*plain);
      const auto version = r.u8();
      const auto sender = r.fixed<8>();
      const auto alert_id = r.fixed<16>();
      wipe(plain->data(), plain->size());
      if (!r.ok() || version != 1)
        return make_error(Errc::store_unavailable, "upgrade to v4: a record is damaged");
      const Tag case_tag = keys->case_tag(alert_id);
      const Tag owner = keys->owner_tag(sender, alert_id);
      Stmt u(db, "UPDATE cases SET case_tag = ?, owner_tag = ? WHERE id = ?");
      u.bind(1, ByteView(case_tag)).bind(2, ByteView(owner)).bind(3, cases.i64(0));
      CW_TRY(run(db, u, "re-key case"));
    }
  }
  for (const char* table : {"deliveries", "case_orgs", "acks"}) {
    std::vector<std::string> ids;
    {
      Stmt d(db, (std::string("SELECT DISTINCT org FROM ") + table).c_str());
      if (!d) return db_error(db, "read organisations");
      while (d.step() == SQLITE_ROW) ids.push_back(d.text(0));
    }
    for (const auto& id : ids) {
      auto key = parse_key_id(id);
      if (!key) continue;  // already a tag
      Stmt u(db, (std::string("UPDATE ") + table + " SET org = ? WHERE org = ?").c_str());
      u.bind(1, std::string_view(keys->org_tag(*key))).bind(2, std::string_view(id));
      CW_TRY(run(db, u, "re-key organisation"));
    }
  }
  return exec(db,
              "UPDATE cases SET opened_at = opened_at - opened_at % 3600;"
              "UPDATE notifications SET created_at = created_at - created_at % 3600;"
              "UPDATE acks SET acked_at = acked_at - acked_at % 3600;"
              "UPDATE webhook_health SET updated_at = updated_at - updated_at % 3600;");
}

// v5 -> v6 data: each alert's record moves from alerts.sealed (storage key)
// to case_details under its case's new key, in the order the alerts were
// sent, and alerts.sealed is emptied (secure_delete zeroes the old bytes).
Status migrate_v6_data(sqlite3* db, const Keyring* keys) {
  Stmt any(db, "SELECT count(*) FROM alerts WHERE length(sealed) > 0");
  if (!any || any.step() != SQLITE_ROW) return db_error(db, "count alerts");
  if (any.i64(0) == 0) return Status::Ok();
  if (!keys)
    return make_error(
        Errc::store_unavailable,
        "this database needs the daemon's keys to upgrade to schema v6: start casewired on it");
  struct Moved {
    Tag case_tag;
    std::int64_t created_at;
    SecretBytes record;
  };
  std::vector<Moved> moved;
  {
    Stmt rows(db, "SELECT alert_tag, sealed FROM alerts WHERE length(sealed) > 0");
    if (!rows) return db_error(db, "read alerts");
    while (rows.step() == SQLITE_ROW) {
      auto plain = keys->open_record(rows.blob(1), rows.blob(0));
      if (!plain)
        return make_error(Errc::store_unavailable, "upgrade to v6: " + plain.error().message);
      SecretBytes record = SecretBytes::copy_of(*plain);
      wipe(plain->data(), plain->size());
      auto rec = decode_alert_record(record.view());
      if (!rec) return make_error(Errc::store_unavailable, "upgrade to v6: a record is damaged");
      auto alert = parse_recorded_alert(*rec);
      if (!alert) return make_error(Errc::store_unavailable, "upgrade to v6: a record is damaged");
      const AlertId ref =
          alert->kind == AlertKind::new_case || !alert->case_ref ? rec->alert_id : *alert->case_ref;
      const std::int64_t created_at = rec->created_at;
      wipe_alert(*alert);
      moved.push_back({keys->case_tag(ref), created_at, std::move(record)});
    }
  }
  std::sort(moved.begin(), moved.end(), [](const Moved& a, const Moved& b) {
    return std::tie(a.case_tag, a.created_at) < std::tie(b.case_tag, b.created_at);
  });
  std::uint32_t n = 0;
  SecretBytes key;
  for (std::size_t i = 0; i < moved.size(); ++i) {
    const auto& m = moved[i];
    if (i == 0 || m.case_tag != moved[i - 1].case_tag) {
      n = 0;
      key = SecretBytes::random(kCaseKeyBytes);
      Stmt k(db, "INSERT INTO case_keys (case_tag, wrapped, last_event_at) VALUES (?, ?, ?)");
      k.bind(1, ByteView(m.case_tag))
          .bind(2, ByteView(keys->wrap_case_key(key.view(), m.case_tag)));
      // The case's latest record sets its age (the sort put it last).
      std::int64_t last = m.created_at;
      for (std::size_t j = i; j < moved.size() && moved[j].case_tag == m.case_tag; ++j)
        last = std::max(last, moved[j].created_at);
      k.bind(3, hour_of(last));
      CW_TRY(run(db, k, "insert case key"));
    }
    ++n;
    Stmt d(db, "INSERT INTO case_details (case_tag, n, sealed) VALUES (?, ?, ?)");
    d.bind(1, ByteView(m.case_tag))
        .bind(2, static_cast<std::int64_t>(n))
        .bind(3, ByteView(seal_under(key.view(), m.record.view(), case_detail_ad(m.case_tag, n))));
    CW_TRY(run(db, d, "move case detail"));
  }
  return exec(db, "UPDATE alerts SET sealed = x''");
}

}  // namespace

Status migrate(sqlite3* db, const Keyring* keys) {
  int version = 0;
  {
    // Finished before migrating: an open statement would block DROP TABLE.
    Stmt v(db, "PRAGMA user_version");
    if (!v || v.step() != SQLITE_ROW) return db_error(db, "read schema version");
    version = static_cast<int>(v.i64(0));
  }
  if (version > kSchemaVersion)
    return make_error(Errc::store_unavailable, "database schema v" + std::to_string(version) +
                                                   " is newer than this casewired (v" +
                                                   std::to_string(kSchemaVersion) + ")");
  for (; version < kSchemaVersion; ++version) {
    CW_TRY(exec(db, "BEGIN IMMEDIATE"));
    Status st = exec(db, kMigrations[version]);
    if (st.ok() && version + 1 == 4) st = migrate_v4_data(db, keys);
    if (st.ok() && version + 1 == 6) st = migrate_v6_data(db, keys);
    if (st.ok() && kMigrationsAfterData[version]) st = exec(db, kMigrationsAfterData[version]);
    if (st.ok()) st = exec(db, ("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
    if (st.ok()) st = exec(db, "COMMIT");
    if (!st.ok()) {
      (void)exec(db, "ROLLBACK");
      return st;
    }
  }
  return Status::Ok();
}

int sqlite_schema_version_impl() {
  return kSchemaVersion;
}

}  // namespace cw::daemon
