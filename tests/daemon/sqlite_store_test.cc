#include "daemon/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <future>
#include <thread>

#include "tests/support/temp_dir.h"

namespace cw::daemon {
namespace {

NewAlert alert_with(std::uint8_t tag, std::uint8_t sender = 1) {
  NewAlert a;
  a.alert_tag.fill(tag);
  a.sender_tag.fill(sender);
  a.envelope_hash.fill(static_cast<std::uint8_t>(tag + 1));
  a.received_at = 1795000000 + tag;
  a.sealed = Bytes(40, 0xaa);
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

TEST_F(SqliteStoreTest, RecordsAndAssignsIncreasingSequences) {
  auto s = open();
  auto a = record(*s, alert_with(1));
  auto b = record(*s, alert_with(2));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->duplicate);
  EXPECT_LT(a->sequence, b->sequence);
  EXPECT_EQ(*s->count_alerts(), 2u);
}

TEST_F(SqliteStoreTest, ARepeatReturnsTheFirstRecordAndAddsNothing) {
  auto s = open();
  auto first = record(*s, alert_with(7));
  auto again = alert_with(7);
  again.received_at += 100;
  again.envelope_hash.fill(0x55);  // a re-sealed copy: different bytes
  auto second = record(*s, again);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->duplicate);
  EXPECT_FALSE(second->sender_conflict);
  EXPECT_EQ(second->sequence, first->sequence);
  EXPECT_EQ(second->received_at, first->received_at);
  EXPECT_EQ(second->envelope_hash, first->envelope_hash);
  EXPECT_EQ(*s->count_alerts(), 1u);
}

TEST_F(SqliteStoreTest, SameIdFromAnotherSenderIsFlagged) {
  auto s = open();
  ASSERT_TRUE(record(*s, alert_with(3, 1)).ok());
  auto other = record(*s, alert_with(3, 2));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->sender_conflict);
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
        s->record_alert(std::move(a), [&ps, i](Result<Recorded> r) { ps[i].set_value(std::move(r)); });
      }
    });
  for (auto& t : threads) t.join();
  for (auto& p : ps) EXPECT_TRUE(p.get_future().get().ok());
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
  const std::string org(16, 'a');
  auto a = alert_with(3);
  a.event.case_tag = a.alert_tag;
  a.event.case_id = std::string(32, 'c');
  a.event.recipients = {{org, true}};
  ASSERT_TRUE(record(*s, std::move(a)).ok());
  auto due = [&] { return s->due_webhooks(INT64_MAX, 10).value().size(); };
  auto result = [&](WebhookOutcome outcome, std::uint32_t generation) {
    WebhookResult r{1, org, outcome, 0, outcome == WebhookOutcome::gone ? 410 : 500, generation};
    return wait_for<bool>([&](auto cb) { s->record_webhook_results({r}, cb); });
  };
  auto revive = [&](std::uint32_t generation) {
    return wait_for<std::uint32_t>([&](auto cb) { s->revive_webhooks({{org, generation}}, cb); }).value();
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
  auto back = s->due_webhooks(INT64_MAX, 10).value();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].attempts, 0u) << "a revived notification gets the whole retry schedule again";

  // A new generation for a healthy endpoint with nothing given up on revives
  // nothing, yet still fences off attempts made under the old generation.
  EXPECT_EQ(revive(3), 0u);
  ASSERT_TRUE(result(WebhookOutcome::gone, 2).ok());
  EXPECT_EQ(due(), 1u);
}

TEST_F(SqliteStoreTest, AfterCloseWritesFailCleanly) {
  auto s = open();
  s->close();
  auto r = record(*s, alert_with(1));
  EXPECT_EQ(r.code(), Errc::store_unavailable);
}

}  // namespace
}  // namespace cw::daemon
