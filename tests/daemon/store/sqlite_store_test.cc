#include "daemon/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <future>
#include <set>
#include <thread>

#include "daemon/keyring.h"
#include "daemon/store/receipt_facts.h"
#include "tests/daemon/store/store_fixtures.h"
#include "tests/support/db_reader.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_dir.h"

namespace cw::daemon {
namespace {

using test_store::alert_with;
using test_store::record;
using test_store::wait_for;

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open() {
    auto s = open_sqlite_store({dir / "t.db", 64, &metrics});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(*s);
  }
  test::TempDir dir;
  Metrics metrics;
};

TEST_F(SqliteStoreTest, ReopenKeepsDataAndSchemaVersion) {
  {
    auto s = open();
    ASSERT_TRUE(record(*s, alert_with(9)).ok());
    s->close();
  }
  auto s = open();
  EXPECT_EQ(*s->count_alerts(), 1u);
  sqlite3* db;
  sqlite3_open((dir / "t.db").c_str(), &db);
  sqlite3_stmt* st;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  sqlite3_step(st);
  EXPECT_EQ(sqlite3_column_int(st, 0), sqlite_schema_version());
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  sqlite3_step(st);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// Claim (a seized server and a coerced contact join no finer than the hour):
// a case's escalation deadline is the one time kept finer than the hour (to
// 5 minutes, so escalation is not an hour late), and only while it is
// pending: once the case is escalated or acted on it is cut to the hour, so
// a receipt's received_at cannot pick that case out later.
TEST_F(SqliteStoreTest, AnEscalationDeadlineIsCutToTheHourOnceNoLongerPending) {
  auto s = open();
  test_store::escalate_one_ack_one_leave_one(*s);
  s->close();
  test::DbReader db(dir / "t.db");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM cases WHERE escalate_at % 3600 != 0"), 1)
      << "only the pending deadline is finer than the hour";
  EXPECT_EQ(db.scalar("SELECT count(*) FROM cases WHERE escalate_at = 1795999800"), 1);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM cases WHERE escalate_at = 0"), 0);
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromTheFuture) {
  {
    sqlite3* db;
    sqlite3_open((dir / "t.db").c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto s = open_sqlite_store({dir / "t.db", 64, nullptr});
  EXPECT_EQ(s.code(), Errc::store_unavailable);
}

// The schema as casewired v3 wrote it, frozen here: the migration test starts
// from a database exactly like the ones in the field.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE alerts (seq INTEGER PRIMARY KEY AUTOINCREMENT, alert_tag BLOB NOT NULL UNIQUE,
  sender_tag BLOB NOT NULL, envelope_hash BLOB NOT NULL, received_at INTEGER NOT NULL, kind TEXT NOT NULL,
  sealed BLOB NOT NULL);
CREATE TABLE cases (id INTEGER PRIMARY KEY, case_tag BLOB NOT NULL UNIQUE, pseudonym TEXT NOT NULL,
  facts TEXT NOT NULL, state TEXT NOT NULL, opened_at INTEGER NOT NULL, escalate_at INTEGER NOT NULL,
  escalated INTEGER NOT NULL DEFAULT 0);
CREATE INDEX cases_escalation ON cases(state, escalated, escalate_at);
CREATE TABLE notifications (seq INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES cases(id),
  event TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE deliveries (seq INTEGER NOT NULL REFERENCES notifications(seq), org TEXT NOT NULL,
  state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (seq, org));
CREATE INDEX deliveries_org ON deliveries(org, seq);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
CREATE TABLE case_orgs (case_id INTEGER NOT NULL REFERENCES cases(id), org TEXT NOT NULL, PRIMARY KEY (case_id, org));
CREATE TABLE acks (case_id INTEGER NOT NULL REFERENCES cases(id), org TEXT NOT NULL, acked_at INTEGER NOT NULL,
  PRIMARY KEY (case_id, org));
CREATE TABLE webhook_health (org TEXT PRIMARY KEY, state TEXT NOT NULL, consecutive_failures INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, generation INTEGER NOT NULL DEFAULT 0);
PRAGMA user_version = 3;
)sql";

TEST_F(SqliteStoreTest, MigratesAV3DatabaseSealingReceiptsAndRekeyingCasesAndOrganisations) {
  const Keyring keys(Identity::generate(Role::daemon));
  const AlertId id = random_alert_id();
  const KeyId sender = SigningKey::generate().id();
  const KeyId org = SigningKey::generate().id();
  const std::int64_t t = 1795001234;
  const Tag alert_tag = keys.alert_tag(id);
  Bytes hash(32, 0x42);
  const std::string canonical = canonical_alert(test::sample_alert(t));
  ByteWriter plain;  // ingest's sealed record layout before v6
  plain.u8(1)
      .raw(sender)
      .raw(id)
      .u64(static_cast<std::uint64_t>(t))
      .u32(static_cast<std::uint32_t>(canonical.size()))
      .raw(std::string_view(canonical));
  const Bytes sealed = keys.seal_record(plain.bytes(), alert_tag);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "t.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, kSchemaV3, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO alerts VALUES (5, ?, ?, ?, ?, 'new_case', ?)", -1, &s,
                       nullptr);
    sqlite3_bind_blob(s, 1, alert_tag.data(), 32, SQLITE_STATIC);
    const Tag st = keys.sender_tag(sender, id);
    sqlite3_bind_blob(s, 2, st.data(), 32, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, hash.data(), 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, t);
    sqlite3_bind_blob(s, 5, sealed.data(), static_cast<int>(sealed.size()), SQLITE_STATIC);
    ASSERT_EQ(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_prepare_v2(db, "INSERT INTO cases VALUES (1, ?, 'p', '{}', 'open', ?, 0, 0)", -1, &s,
                       nullptr);
    sqlite3_bind_blob(s, 1, alert_tag.data(), 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, t);
    ASSERT_EQ(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    const std::string o = key_id_hex(org), ts = std::to_string(t);
    const std::string rows = "INSERT INTO notifications VALUES (1, 1, 'new_case', '{}', " + ts +
                             ");" + "INSERT INTO deliveries VALUES (1, '" + o +
                             "', 'feed', 0, 0, 0);" + "INSERT INTO case_orgs VALUES (1, '" + o +
                             "');" + "INSERT INTO acks VALUES (1, '" + o + "', " + ts + ");";
    ASSERT_EQ(sqlite3_exec(db, rows.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  // Without the keys the data cannot be moved: a clear refusal, no change.
  auto refused = open_sqlite_store({dir / "t.db", 64, nullptr, nullptr});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("keys"), std::string::npos) << refused.error().message;
  {
    test::DbReader db(dir / "t.db");
    EXPECT_EQ(db.scalar("PRAGMA user_version"), 3) << "a failed migration changes nothing";
  }

  auto s = open_sqlite_store({dir / "t.db", 64, nullptr, &keys});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*(*s)->count_alerts(), 1u);
  // The repeat of the old alert returns its old receipt facts, sealed.
  NewAlert again;
  again.alert_tag = alert_tag;
  again.sender_tag = keys.sender_tag(sender, id);
  auto r = record(**s, std::move(again));
  ASSERT_TRUE(r.ok() && r->duplicate);
  auto facts = decode_receipt_facts(*keys.open_record(r->receipt, alert_tag));
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->sequence, 5u);
  EXPECT_EQ(facts->received_at, t);
  EXPECT_EQ(Bytes(facts->envelope_hash.begin(), facts->envelope_hash.end()), hash);
  // The case answers to its new tags; organisations are tags.
  auto status = (*s)->case_status(keys.case_tag(id));
  ASSERT_TRUE(status.ok() && status->has_value());
  EXPECT_TRUE(owns_case((**status).owner_tag, {keys.owner_tag(sender, id)}));
  EXPECT_EQ((**status).acks, 1u);
  EXPECT_EQ((*s)->feed(keys.org_tag(org), 0, 10)->size(), 1u);
  // v6: the record moved under the case's own key, and opens there as it was.
  auto rec = (*s)->case_record("p");
  ASSERT_TRUE(rec.ok() && rec->has_value());
  ASSERT_EQ((**rec).details.size(), 1u);
  auto case_key = keys.unwrap_case_key((**rec).wrapped_key, keys.case_tag(id));
  ASSERT_TRUE(case_key.ok());
  auto moved = open_under(case_key->view(), (**rec).details[0].sealed,
                          case_detail_ad(keys.case_tag(id), (**rec).details[0].n));
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(Bytes(moved->view().begin(), moved->view().end()), plain.bytes());
  (*s)->close();
  test::DbReader db(dir / "t.db");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM alerts WHERE length(sealed) > 0"), 0)
      << "nothing left under the storage key, which a purge cannot destroy";
  EXPECT_EQ(db.scalar("PRAGMA user_version"), sqlite_schema_version());
  EXPECT_EQ(
      db.scalar(
          "SELECT count(*) FROM pragma_table_info('alerts') WHERE name IN ('seq', 'envelope_hash', "
          "'received_at')"),
      0);
  EXPECT_EQ(db.scalar("SELECT opened_at FROM cases"), t - t % 3600);
  EXPECT_EQ(db.text("SELECT org FROM acks"), keys.org_tag(org));
}

}  // namespace
}  // namespace cw::daemon
