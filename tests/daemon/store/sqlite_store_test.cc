#include "daemon/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <future>
#include <set>
#include <thread>

#include "daemon/keyring.h"
#include "daemon/store/receipt_facts.h"
#include "tests/support/db_reader.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_dir.h"

namespace cw::daemon {
namespace {

NewAlert alert_with(std::uint8_t tag, std::uint8_t sender = 1) {
  NewAlert a;
  a.alert_tag.fill(tag);
  a.leaf_tag.fill(static_cast<std::uint8_t>(tag ^ 0xc3));
  a.sender_tag.fill(sender);
  a.received_at = unix_seconds(1795000000 + tag);
  a.receipt = Bytes(60, static_cast<std::uint8_t>(tag + 1));  // stands for the sealed receipt facts
  a.event.case_tag.fill(
      static_cast<std::uint8_t>(tag ^ 0x5a));  // each new case has its own case tag
  return a;
}

Result<Recorded> record(Store& s, NewAlert a) {
  std::promise<Result<Recorded>> p;
  auto f = p.get_future();
  s.record_alert(std::move(a), [&](Result<Recorded> r) { p.set_value(std::move(r)); });
  return f.get();
}

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

TEST_F(SqliteStoreTest, RecordsNewAlerts) {
  auto s = open();
  auto a = record(*s, alert_with(1));
  auto b = record(*s, alert_with(2));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->duplicate);
  EXPECT_FALSE(b->duplicate);
  EXPECT_EQ(*s->count_alerts(), 2u);
  EXPECT_TRUE(*s->has_alert(alert_with(1).alert_tag));
  EXPECT_FALSE(*s->has_alert(alert_with(5).alert_tag));
}

TEST_F(SqliteStoreTest, ARepeatReturnsTheFirstRecordAndAddsNothing) {
  auto s = open();
  auto first = record(*s, alert_with(7));
  auto again = alert_with(7);
  again.received_at += std::chrono::seconds(100);
  again.receipt = Bytes(60, 0x55);  // a re-sealed copy: different receipt facts
  auto second = record(*s, std::move(again));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->duplicate);
  EXPECT_FALSE(second->sender_conflict);
  EXPECT_EQ(second->receipt, alert_with(7).receipt) << "the receipt facts recorded the first time";
  EXPECT_EQ(*s->count_alerts(), 1u);
}

TEST_F(SqliteStoreTest, SameIdFromAnotherSenderIsFlagged) {
  auto s = open();
  ASSERT_TRUE(record(*s, alert_with(3, 1)).ok());
  auto other = record(*s, alert_with(3, 2));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->sender_conflict);
}

// The case log (protocol/case_log.h): a leaf per recorded alert, committed
// with it; a repeat answers with the first leaf; a refused follow-up adds
// none; an organisation's first acknowledgement adds one; and the tree the
// store rebuilds from its file after a restart has the same root.
TEST_F(SqliteStoreTest, TheCaseLogHasALeafPerRecordedEventAndSurvivesARestart) {
  merkle::Hash root_before{};
  {
    auto s = open();
    auto first = record(*s, alert_with(1));
    ASSERT_TRUE(first.ok() && first->log);
    EXPECT_EQ(first->log->index, 0u);
    auto second = record(*s, alert_with(2));
    ASSERT_TRUE(second.ok() && second->log);
    EXPECT_EQ(second->log->index, 1u);
    auto repeat = record(*s, alert_with(1));
    ASSERT_TRUE(repeat.ok() && repeat->duplicate && repeat->log);
    EXPECT_EQ(repeat->log->index, 0u);
    EXPECT_EQ(repeat->log->leaf, first->log->leaf);
    auto orphan = alert_with(3);
    orphan.kind = AlertKind::update;  // a follow-up of a case that does not exist
    EXPECT_EQ(record(*s, std::move(orphan)).code(), Errc::unknown_case);
    EXPECT_EQ(s->log_size(), 2u);
    const auto root = s->log_root(2);
    EXPECT_TRUE(merkle::verify_inclusion(first->log->leaf, 0, 2, s->log_inclusion(0, 2), root));
    EXPECT_TRUE(merkle::verify_inclusion(second->log->leaf, 1, 2, s->log_inclusion(1, 2), root));
    root_before = root;
  }
  auto s = open();
  EXPECT_EQ(s->log_size(), 2u);
  EXPECT_EQ(s->log_root(2), root_before);
  auto third = record(*s, alert_with(4));
  ASSERT_TRUE(third.ok() && third->log);
  EXPECT_EQ(third->log->index, 2u);
  EXPECT_TRUE(
      merkle::verify_consistency(2, 3, root_before, s->log_root(3), s->log_consistency(2, 3)));
}

// Feeds read recent notifications from memory (notification_tail.h): what
// they get must be exactly what the database says, page by page, for every
// organisation - including one that was told of nothing, and a feed resuming
// from before the daemon started (which only the database can answer).
TEST_F(SqliteStoreTest, TheFeedsInMemoryTailAnswersExactlyAsTheDatabase) {
  const std::string a(32, 'a'), b(32, 'b'), c(32, 'c');
  auto page = [](Store& s, const std::string& org, std::uint64_t after, std::size_t limit) {
    std::vector<std::uint64_t> seqs;
    auto items = s.feed(org, after, limit);
    EXPECT_TRUE(items.ok());
    if (!items.ok()) return seqs;
    const std::vector<FeedItem>& list = *items;
    for (const auto& item : list) seqs.push_back(item.seq);
    return seqs;
  };
  {
    auto s = open();
    for (int i = 1; i <= 9; ++i) {
      auto n = alert_with(static_cast<std::uint8_t>(i));
      n.event.recipients = {{a, false, false}};
      if (i % 3 == 0) n.event.recipients.push_back({b, true, false});
      ASSERT_TRUE(record(*s, std::move(n)).ok());
    }
    EXPECT_EQ(page(*s, a, 0, 100).size(), 9u);
    EXPECT_EQ(page(*s, b, 0, 100), (std::vector<std::uint64_t>{3, 6, 9}));
    EXPECT_EQ(page(*s, b, 3, 1), (std::vector<std::uint64_t>{6}));
    EXPECT_EQ(page(*s, a, 7, 100), (std::vector<std::uint64_t>{8, 9}));
    EXPECT_TRUE(page(*s, c, 0, 100).empty());
    EXPECT_TRUE(page(*s, a, 9, 100).empty());
  }
  // After a restart the tail is empty: the same pages come from the database.
  auto s = open();
  EXPECT_EQ(page(*s, a, 0, 100).size(), 9u);
  EXPECT_EQ(page(*s, b, 0, 100), (std::vector<std::uint64_t>{3, 6, 9}));
  EXPECT_EQ(page(*s, b, 3, 1), (std::vector<std::uint64_t>{6}));
  // A new notification after the restart: from the tail for a feed that is
  // up to date, from the database (both old and new) for one resuming.
  auto n = alert_with(10);
  n.event.recipients = {{b, false, false}};
  ASSERT_TRUE(record(*s, std::move(n)).ok());
  EXPECT_EQ(page(*s, b, 9, 100), (std::vector<std::uint64_t>{10}));
  EXPECT_EQ(page(*s, b, 0, 100), (std::vector<std::uint64_t>{3, 6, 9, 10}));
}

TEST_F(SqliteStoreTest, ConcurrentWritersShareCommits) {
  auto s = open();
  constexpr int kN = 400;
  std::vector<std::promise<Result<Recorded>>> ps(kN);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < kN; i += 8) {
        auto a = alert_with(0);
        a.alert_tag[0] = static_cast<std::uint8_t>(i);
        a.alert_tag[1] = static_cast<std::uint8_t>(i >> 8);
        a.event.case_tag = a.alert_tag;
        a.leaf_tag = a.alert_tag;
        s->record_alert(std::move(a),
                        [&ps, i](Result<Recorded> r) { ps[i].set_value(std::move(r)); });
      }
    });
  for (auto& t : threads) t.join();
  std::set<std::uint64_t> indexes;
  for (auto& p : ps) {
    auto r = p.get_future().get();
    ASSERT_TRUE(r.ok() && r->log);
    indexes.insert(r->log->index);
    // In the tree before the callback ran: the proof is there already. (Other
    // commits may still be landing: one size for the proof and the root.)
    const auto size = s->log_size();
    EXPECT_TRUE(merkle::verify_inclusion(r->log->leaf, r->log->index, size,
                                         s->log_inclusion(r->log->index, size), s->log_root(size)));
  }
  EXPECT_EQ(indexes.size(), static_cast<std::size_t>(kN));  // one leaf each, none shared
  EXPECT_EQ(*indexes.rbegin(), static_cast<std::uint64_t>(kN - 1));
  EXPECT_EQ(*s->count_alerts(), static_cast<std::uint64_t>(kN));
  // Fewer commits than alerts: the writer batched what was waiting.
  auto m = metrics.render();
  auto pos = m.find("casewire_store_commit_seconds_count ");
  auto commits = std::stoull(m.substr(pos + 36));
  EXPECT_LT(commits, static_cast<std::uint64_t>(kN));
}

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

template <class T, class F>
Result<T> wait_for(F start) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  start([&](Result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

TEST_F(SqliteStoreTest, RevivingAWebhookNeedsANewerGenerationAndStaleResultsDisableNothing) {
  auto s = open();
  const std::string org_id(16, 'a');  // key id (webhook health)
  const std::string org(32, 'b');     // tag (deliveries)
  auto a = alert_with(3);
  a.event.case_tag = a.alert_tag;
  a.event.case_id = std::string(32, 'c');
  a.event.recipients = {{org, true, false}};
  ASSERT_TRUE(record(*s, std::move(a)).ok());
  // As the dispatcher does: organisations disabled in webhook health are
  // passed, by tag, as paused.
  auto due_list = [&] {
    std::vector<std::string> paused;
    const auto health = s->webhook_health().value();
    for (const auto& h : health)
      if (h.state == WebhookState::disabled && h.org == org_id) paused.push_back(org);
    return s->due_webhooks(UnixMillis::max(), 10, paused).value();
  };
  auto due = [&] { return due_list().size(); };
  auto result = [&](WebhookOutcome outcome, std::uint32_t generation) {
    WebhookResult r{
        1, org, org_id, outcome, {}, outcome == WebhookOutcome::gone ? 410 : 500, generation};
    return wait_for<bool>([&](auto cb) { s->record_webhook_results({r}, cb); });
  };
  auto revive = [&](std::uint32_t generation) {
    return wait_for<std::uint32_t>([&](auto cb) {
             s->revive_webhooks({{org_id, org, generation}}, cb);
           })
        .value();
  };
  ASSERT_EQ(due(), 1u);

  ASSERT_TRUE(result(WebhookOutcome::gone, 0).ok());
  EXPECT_EQ(due(), 0u) << "410 disables the endpoint";
  EXPECT_EQ(revive(0), 0u) << "same generation: still disabled";
  EXPECT_EQ(due(), 0u);
  EXPECT_EQ(revive(1), 1u);
  EXPECT_EQ(due(), 1u) << "the notification answered 410 is queued again";

  ASSERT_TRUE(result(WebhookOutcome::gone, 0).ok());
  EXPECT_EQ(due(), 1u) << "an attempt made before the fix does not disable the fixed endpoint";

  ASSERT_TRUE(result(WebhookOutcome::failed_for_good, 1).ok());
  EXPECT_EQ(due(), 0u) << "given up on";
  EXPECT_EQ(revive(1), 0u);
  EXPECT_EQ(revive(2), 1u);
  auto back = due_list();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].attempts, 0u) << "a revived notification gets the whole retry schedule again";

  // A new generation for a healthy endpoint with nothing given up on revives
  // nothing, yet still fences off attempts made under the old generation.
  EXPECT_EQ(revive(3), 0u);
  ASSERT_TRUE(result(WebhookOutcome::gone, 2).ok());
  EXPECT_EQ(due(), 1u);
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

TEST_F(SqliteStoreTest, AfterCloseWritesFailCleanly) {
  auto s = open();
  s->close();
  auto r = record(*s, alert_with(1));
  EXPECT_EQ(r.code(), Errc::store_unavailable);
}

}  // namespace
}  // namespace cw::daemon
