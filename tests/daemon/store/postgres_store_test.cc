// What the PostgreSQL store adds to the contract every backend keeps
// (store_conformance_test.cc): several daemons' stores on one database.
// Numbers are handed out in commit order whichever daemon commits, a repeat
// at another daemon finds the first record, one worker at a time holds a
// delivery, escalation happens once, and another daemon's commit wakes this
// one. Plus the schema's own version rules.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "daemon/keyring.h"
#include "daemon/store/postgres_store.h"
#include "protocol/merkle.h"
#include "tests/daemon/store/store_fixtures.h"
#include "tests/support/eventually.h"
#include "tests/support/postgres.h"

namespace cw::daemon {
namespace {

using test_store::alert_with;
using test_store::append_waiting;
using test_store::record;
using test_store::wait_for;

class PostgresStore : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open(std::chrono::milliseconds lease = std::chrono::seconds(60)) {
    auto s = open_postgres_store({uri, 64, nullptr, &keys, lease});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
  std::string database() const {
    const auto start = uri.find(":///") + 4;
    return uri.substr(start, uri.find('?') - start);
  }
  const std::string uri = test::fresh_pg_database("pgstore");
  Keyring keys{Identity::generate(Role::daemon)};
};

TEST_F(PostgresStore, TheSchemaIsMadeOnceAndANewerOneIsRefused) {
  ASSERT_NE(open(), nullptr);
  ASSERT_NE(open(), nullptr) << "opening again migrates nothing and fails nothing";
  const auto& pg = test::shared_pg();
  EXPECT_EQ(pg.query("SELECT version FROM casewire_schema", database()),
            std::to_string(postgres_schema_version()));
  // A database a newer casewired wrote: refused, not guessed at.
  ASSERT_TRUE(pg.sql("UPDATE casewire_schema SET version = 999", database()));
  auto s = open_postgres_store({uri, 64, nullptr, &keys});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Errc::store_unavailable);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
}

TEST_F(PostgresStore, ASchemaV1DatabaseIsMigratedAndKeepsItsRows) {
  {
    auto s = open();
    ASSERT_TRUE(record(*s, alert_with(1)).ok());
    append_waiting(*s);  // a v1 database's leaves were all in the log
  }
  // What a v1 database looked like: no request_nonces nor log_waiting
  // table, version 1.
  const auto& pg = test::shared_pg();
  ASSERT_TRUE(pg.sql(
      "DROP TABLE request_nonces; DROP TABLE log_waiting; UPDATE casewire_schema SET version = 1",
      database()));
  auto s = open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(pg.query("SELECT version FROM casewire_schema", database()),
            std::to_string(postgres_schema_version()));
  EXPECT_EQ(*s->count_alerts(), 1u) << "rows kept";
  EXPECT_EQ(s->log_size(), 1u);
  Tag t{};
  t.fill(7);
  EXPECT_TRUE(*s->claim_nonce(t, std::chrono::seconds(1200)));
}

TEST_F(PostgresStore, ANonceSeenByOneDaemonIsAReplayAtTheOther) {
  auto a = open(), b = open();
  Tag t{};
  t.fill(0x42);
  EXPECT_TRUE(*a->claim_nonce(t, std::chrono::seconds(1200)));
  EXPECT_FALSE(*b->claim_nonce(t, std::chrono::seconds(1200))) << "seen at A";
  EXPECT_FALSE(*a->claim_nonce(t, std::chrono::seconds(1200)));
  t.fill(0x43);
  EXPECT_TRUE(*b->claim_nonce(t, std::chrono::seconds(1200)));
  // An expired row goes with the next claim, by the database's clock: a
  // seized database holds no request dates older than their window.
  ASSERT_TRUE(test::shared_pg().sql(
      "INSERT INTO request_nonces (tag, expires_at) VALUES ('\\x44', 1000)", database()));
  t.fill(0x45);
  ASSERT_TRUE(*b->claim_nonce(t, std::chrono::seconds(1200)));
  EXPECT_EQ(test::shared_pg().query("SELECT count(*) FROM request_nonces WHERE expires_at < 2000",
                                    database()),
            "0");
  EXPECT_EQ(test::shared_pg().query("SELECT count(*) FROM request_nonces", database()), "3");
  // Expiry is the database's now + keep_for, rounded up to the hour.
  EXPECT_EQ(test::shared_pg().query(
                "SELECT count(*) FROM request_nonces WHERE expires_at % 3600 <> 0 OR expires_at < "
                "extract(epoch FROM now()) + 1200 OR expires_at > extract(epoch FROM now()) + 4800",
                database()),
            "0");
}

TEST_F(PostgresStore, TwoDaemonsHandOutNumbersInCommitOrderAndAgreeOnTheLog) {
  auto a = open(), b = open();
  std::vector<Result<Recorded>> from_a, from_b;
  std::mutex mu;
  auto write = [&](Store& s, std::vector<Result<Recorded>>& out, int first) {
    for (int i = 0; i < 60; ++i) {
      auto n = alert_with(static_cast<std::uint8_t>(first + i));
      n.event.recipients = {{std::string(32, 'o'), false, false}};
      auto r = record(s, std::move(n));
      std::lock_guard lock(mu);
      out.push_back(std::move(r));
    }
  };
  std::thread ta([&] { write(*a, from_a, 0); });
  std::thread tb([&] { write(*b, from_b, 100); });
  ta.join();
  tb.join();
  // Each daemon appends what is due; the writer lock keeps them from
  // appending a leaf twice or numbering two alike.
  std::thread pa([&] { append_waiting(*a); });
  std::thread pb([&] { append_waiting(*b); });
  pa.join();
  pb.join();
  ASSERT_TRUE(test::eventually([&] { return a->log_size() == 120 && b->log_size() == 120; }));
  std::set<std::uint64_t> seqs, indices;
  for (auto* list : {&from_a, &from_b})
    for (const auto& r : *list) {
      ASSERT_TRUE(r.ok()) << r.error().message;
      seqs.insert(r->notification);
      auto i = a->log_index_of(r->log->leaf);
      ASSERT_TRUE(i);
      EXPECT_EQ(b->log_index_of(r->log->leaf), i);
      indices.insert(*i);
    }
  // Dense and unique: no number twice, none skipped.
  ASSERT_EQ(seqs.size(), 120u);
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), 120u);
  ASSERT_EQ(indices.size(), 120u);
  EXPECT_EQ(*indices.rbegin(), 119u);
  // Each daemon's tree holds every leaf, the other's too, with one root.
  ASSERT_TRUE(test::eventually([&] { return a->log_size() == 120 && b->log_size() == 120; }));
  EXPECT_EQ(a->log_root(120), b->log_root(120));
  // A receipt from B proves inclusion in A's tree.
  const auto& e = *from_b.front()->log;
  const auto at = *a->log_index_of(e.leaf);
  EXPECT_TRUE(
      merkle::verify_inclusion(e.leaf, at, 120, a->log_inclusion(at, 120), a->log_root(120)));
  // The feed reads the same from either daemon.
  const std::string org(32, 'o');
  auto fa = a->feed(org, 0, 500), fb = b->feed(org, 0, 500);
  ASSERT_TRUE(fa.ok() && fb.ok());
  ASSERT_EQ(fa->size(), 120u);
  for (std::size_t i = 0; i < fa->size(); ++i) EXPECT_EQ((*fa)[i].body, (*fb)[i].body);
}

TEST_F(PostgresStore, ARepeatAtAnotherDaemonFindsTheFirstRecord) {
  auto a = open(), b = open();
  auto first = record(*a, alert_with(9));
  auto again = alert_with(9);
  again.receipt = Bytes(60, 0x77);
  auto second = record(*b, std::move(again));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE(first->duplicate);
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->receipt, alert_with(9).receipt) << "the receipt facts stored the first time";
  ASSERT_TRUE(first->log && second->log);
  EXPECT_EQ(second->log->leaf, first->log->leaf);
  EXPECT_FALSE(second->log->index) << "still waiting for its window";
  EXPECT_EQ(*b->count_alerts(), 1u);
  // Once A appended it, a repeat at B finds its place, and B's own tree has
  // it at once.
  ASSERT_EQ(append_waiting(*a), 1u);
  auto third = alert_with(9);
  auto later = record(*b, std::move(third));
  ASSERT_TRUE(later.ok() && later->log && later->log->index);
  const auto size = b->log_size();
  ASSERT_GT(size, *later->log->index);
  EXPECT_TRUE(merkle::verify_inclusion(later->log->leaf, *later->log->index, size,
                                       b->log_inclusion(*later->log->index, size),
                                       b->log_root(size)));
}

TEST_F(PostgresStore, OneWorkerAtATimeHoldsADeliveryAndALapsedLeasePassesItOn) {
  auto a = open(std::chrono::milliseconds(600)), b = open(std::chrono::milliseconds(600));
  auto n = alert_with(4);
  const std::string org(32, 'h');
  n.event.recipients = {{org, true, false}};
  auto r = record(*a, std::move(n));
  ASSERT_TRUE(r.ok());
  const auto now = [] {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  };
  ASSERT_EQ(b->due_webhooks(now(), 10, {})->size(), 1u);
  EXPECT_TRUE(*a->claim_webhook(r->notification, org, now()));
  EXPECT_FALSE(*b->claim_webhook(r->notification, org, now())) << "A holds it";
  EXPECT_TRUE(b->due_webhooks(now(), 10, {})->empty()) << "not due while claimed";
  // A dies without a result: the lease runs out and B takes it.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_TRUE(*b->claim_webhook(r->notification, org, now()));
  EXPECT_FALSE(*a->claim_webhook(r->notification, org, now()));
  ASSERT_TRUE(wait_for<bool>([&](auto cb) {
                b->record_webhook_results(
                    {{r->notification, org, "k", WebhookOutcome::delivered, now(), 200, 0}},
                    unix_seconds(1795003600), cb);
              }).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_FALSE(*a->claim_webhook(r->notification, org, now())) << "delivered: nobody's";
  EXPECT_TRUE(a->due_webhooks(now(), 10, {})->empty());
}

TEST_F(PostgresStore, EscalationHappensOnceWhicheverDaemonsTimerFires) {
  auto a = open(), b = open();
  const std::string watcher(32, 'w');
  for (std::uint8_t t = 20; t < 30; ++t) {
    auto n = alert_with(t);
    n.event.escalate_at = unix_seconds(1795000000);
    ASSERT_TRUE(record(*a, std::move(n)).ok());
  }
  std::atomic<std::uint32_t> total{0};
  auto escalate = [&](Store& s) {
    auto r = wait_for<std::uint32_t>([&](auto cb) {
      s.escalate_due(unix_seconds(1795001000), {{watcher, false, false}}, {}, cb);
    });
    ASSERT_TRUE(r.ok());
    total += *r;
  };
  std::thread ta([&] { escalate(*a); });
  std::thread tb([&] { escalate(*b); });
  ta.join();
  tb.join();
  EXPECT_EQ(total.load(), 10u);
  EXPECT_EQ(a->feed(watcher, 0, 100)->size(), 10u) << "one escalation per case";
}

// As in SQLite (sqlite_store_test.cc says why): a deadline finer than the
// hour only while it is pending.
TEST_F(PostgresStore, AnEscalationDeadlineIsCutToTheHourOnceNoLongerPending) {
  auto s = open();
  test_store::escalate_one_ack_one_leave_one(*s);
  const auto& pg = test::shared_pg();
  EXPECT_EQ(pg.query("SELECT count(*) FROM cases WHERE escalate_at % 3600 != 0", database()), "1");
  EXPECT_EQ(pg.query("SELECT count(*) FROM cases WHERE escalate_at = 1795999800", database()), "1");
  EXPECT_EQ(pg.query("SELECT count(*) FROM cases WHERE escalate_at = 0", database()), "0");
}

TEST_F(PostgresStore, AnotherDaemonsNotificationWakesThisOne) {
  auto a = open(), b = open();
  std::atomic<int> woken{0};
  b->on_new_notifications([&] { ++woken; });
  auto n = alert_with(3);
  n.event.recipients = {{std::string(32, 'o'), false, false}};
  ASSERT_TRUE(record(*a, std::move(n)).ok());
  EXPECT_TRUE(test::eventually([&] { return woken.load() > 0; }, std::chrono::seconds(2)))
      << "LISTEN/NOTIFY: B's feeds wake within a second or two";
  append_waiting(*a);  // the window ends at A: B's tree follows
  EXPECT_TRUE(test::eventually([&] { return b->log_size() == 1; }, std::chrono::seconds(2)));
}

}  // namespace
}  // namespace cw::daemon
