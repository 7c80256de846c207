// The store conformance suite (issue 11): the contract of daemon/store/
// store.h, checked through the interface alone, against every backend the
// daemon can run on. A backend is added by adding it to kBackends; every
// case here must then pass for it unchanged. Backend-specific checks (file
// format, migrations of old schemas) live beside each backend's own tests.
#include <gtest/gtest.h>

#include <algorithm>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "daemon/keyring.h"
#include "daemon/ledger/rows.h"
#include "daemon/store/batched_store.h"
#include "daemon/store/postgres_store.h"
#include "daemon/store/sqlite_store.h"
#include "tests/daemon/store/store_fixtures.h"
#include "tests/support/memory_store.h"
#include "tests/support/postgres.h"
#include "tests/support/temp_dir.h"

namespace cw::daemon {
namespace {

using test_store::alert_with;
using test_store::append_waiting;
using test_store::record;
using test_store::wait_for;

struct Backend {
  const char* name;
  // Opens the backend's store kept under `dir` (the same dir: the same data,
  // as after a restart), with the daemon's keys (sealed details, audit).
  std::function<std::unique_ptr<Store>(const std::string& dir, Metrics* metrics,
                                       const Keyring* keys)>
      open;
};

const Backend kBackends[] = {
    {"sqlite",
     [](const std::string& dir, Metrics* metrics, const Keyring* keys) -> std::unique_ptr<Store> {
       auto s = open_sqlite_store({dir + "/t.db", 64, metrics, keys});
       EXPECT_TRUE(s.ok()) << s.error().message;
       return s ? std::move(*s) : nullptr;
     }},
    {"postgres",
     [](const std::string& dir, Metrics* metrics, const Keyring* keys) -> std::unique_ptr<Store> {
       // One database per test directory: the same directory reopens it.
       static std::map<std::string, std::string> databases;
       auto& uri = databases[dir];
       if (uri.empty()) uri = test::fresh_pg_database("conformance");
       auto s = open_postgres_store({uri, 64, metrics, keys});
       EXPECT_TRUE(s.ok()) << s.error().message;
       return s ? std::move(*s) : nullptr;
     }},
    // The unit tests' fake (tests/support/memory_store.h): "the same dir" is
    // the same in-memory disk.
    {"memory",
     [](const std::string& dir, Metrics*, const Keyring* keys) -> std::unique_ptr<Store> {
       static std::map<std::string, std::shared_ptr<test::MemoryDisk>> disks;
       auto& disk = disks[dir];
       if (!disk) disk = test::new_memory_disk();
       return test::make_memory_store(disk, keys).store;
     }},
};

void PrintTo(const Backend& b, std::ostream* os) {
  *os << b.name;
}

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Store> open() { return GetParam().open(dir.path(), &metrics, &keys); }
  test::TempDir dir;
  Metrics metrics;
  Keyring keys{Identity::generate(Role::daemon)};
};

TEST_P(StoreConformance, RecordsNewAlerts) {
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

TEST_P(StoreConformance, ARepeatReturnsTheFirstRecordAndAddsNothing) {
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

TEST_P(StoreConformance, SameIdFromAnotherSenderIsFlagged) {
  auto s = open();
  ASSERT_TRUE(record(*s, alert_with(3, 1)).ok());
  auto other = record(*s, alert_with(3, 2));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->sender_conflict);
}

// The case log (protocol/case_log.h): a leaf per recorded alert, committed
// with it and waiting for its window; a repeat answers with the first leaf;
// a refused follow-up adds none; waiting leaves survive a restart; and the
// tree the store rebuilds from its file after a restart has the same root.
TEST_P(StoreConformance, TheCaseLogHasALeafPerRecordedEventAndSurvivesARestart) {
  merkle::Hash root_before{};
  {
    auto s = open();
    auto first = record(*s, alert_with(1));
    ASSERT_TRUE(first.ok() && first->log);
    EXPECT_FALSE(first->log->index) << "no place before the window is over";
    auto second = record(*s, alert_with(2));
    ASSERT_TRUE(second.ok() && second->log);
    auto repeat = record(*s, alert_with(1));
    ASSERT_TRUE(repeat.ok() && repeat->duplicate && repeat->log);
    EXPECT_EQ(repeat->log->leaf, first->log->leaf);
    auto orphan = alert_with(3);
    orphan.kind = AlertKind::update;  // a follow-up of a case that does not exist
    EXPECT_EQ(record(*s, std::move(orphan)).code(), Errc::unknown_case);
    EXPECT_EQ(s->log_size(), 0u);
    EXPECT_EQ(s->log_waiting(), 2u);
    // Not while the window lasts (alert_with(2) is 2 s into its hour)...
    EXPECT_EQ(append_waiting(*s, 1795000000 + 10), 0u);
    EXPECT_EQ(s->log_size(), 0u);
    // ...then both, once.
    EXPECT_EQ(append_waiting(*s), 2u);
    EXPECT_EQ(append_waiting(*s), 0u);
    EXPECT_EQ(s->log_size(), 2u);
    EXPECT_EQ(s->log_waiting(), 0u);
    const auto i1 = s->log_index_of(first->log->leaf), i2 = s->log_index_of(second->log->leaf);
    ASSERT_TRUE(i1 && i2);
    EXPECT_EQ(*i1 + *i2, 1u);  // 0 and 1, in leaf-hash order
    EXPECT_EQ(*i1 == 0, first->log->leaf < second->log->leaf);
    const auto root = s->log_root(2);
    EXPECT_TRUE(merkle::verify_inclusion(first->log->leaf, *i1, 2, s->log_inclusion(*i1, 2), root));
    EXPECT_TRUE(
        merkle::verify_inclusion(second->log->leaf, *i2, 2, s->log_inclusion(*i2, 2), root));
    // A repeat now finds its place.
    auto late = record(*s, alert_with(1));
    ASSERT_TRUE(late.ok() && late->log && late->log->index);
    EXPECT_EQ(*late->log->index, *i1);
    ASSERT_TRUE(record(*s, alert_with(4)).ok());  // waits across the restart
    root_before = root;
  }
  auto s = open();
  EXPECT_EQ(s->log_size(), 2u);
  EXPECT_EQ(s->log_root(2), root_before);
  EXPECT_EQ(s->log_waiting(), 1u);
  EXPECT_EQ(append_waiting(*s), 1u);
  EXPECT_EQ(s->log_size(), 3u);
  EXPECT_TRUE(
      merkle::verify_consistency(2, 3, root_before, s->log_root(3), s->log_consistency(2, 3)));
}

// The point of the window: within it, leaves join the log in the order of
// their hashes, whatever order the events were committed in - so a leaf's
// place (which a coerced contact's receipt leads to) says nothing about
// which notification or case row it goes with, beyond the hour.
TEST_P(StoreConformance, AWindowsLeavesJoinTheLogInHashOrderNotCommitOrder) {
  auto s = open();
  std::vector<merkle::Hash> committed;  // in commit order
  for (int i = 0; i < 40; ++i) {
    auto a = alert_with(static_cast<std::uint8_t>(10 + i));
    a.received_at = unix_seconds(1795000000 + 5 * i);  // one window, commits in time order
    auto r = record(*s, std::move(a));
    ASSERT_TRUE(r.ok() && r->log);
    committed.push_back(r->log->leaf);
  }
  ASSERT_EQ(append_waiting(*s), 40u);
  std::vector<merkle::Hash> by_place(40);
  for (const auto& leaf : committed) {
    auto i = s->log_index_of(leaf);
    ASSERT_TRUE(i && *i < 40u);
    by_place[*i] = leaf;
  }
  auto sorted = committed;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(by_place, sorted);
  EXPECT_NE(by_place, committed) << "40 leaves in commit order would be a 1 in 40! chance";
  for (std::uint64_t i = 0; i < 40; ++i)
    EXPECT_TRUE(
        merkle::verify_inclusion(by_place[i], i, 40, s->log_inclusion(i, 40), s->log_root(40)));
}

// Feeds page each organisation's notifications in order - the same pages
// before and after a restart, for an organisation told of nothing too, and
// for a feed resuming from before the restart. (SQLite answers recent pages
// from memory, older ones from the file: both must agree.)
TEST_P(StoreConformance, FeedsPageEachOrganisationsNotificationsAlsoAcrossARestart) {
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

TEST_P(StoreConformance, ConcurrentWritersShareCommits) {
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
  std::vector<Result<Recorded>> recorded;
  for (auto& p : ps) recorded.push_back(p.get_future().get());
  ASSERT_EQ(append_waiting(*s), static_cast<std::uint32_t>(kN));
  std::set<std::uint64_t> indexes;
  const auto size = s->log_size();
  for (auto& r : recorded) {
    ASSERT_TRUE(r.ok() && r->log);
    auto index = s->log_index_of(r->log->leaf);
    ASSERT_TRUE(index);
    indexes.insert(*index);
    EXPECT_TRUE(merkle::verify_inclusion(r->log->leaf, *index, size, s->log_inclusion(*index, size),
                                         s->log_root(size)));
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

TEST_P(StoreConformance, RevivingAWebhookNeedsANewerGenerationAndStaleResultsDisableNothing) {
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
    return wait_for<bool>(
        [&](auto cb) { s->record_webhook_results({r}, unix_seconds(1795003600), cb); });
  };
  auto revive = [&](std::uint32_t generation) {
    return wait_for<std::uint32_t>([&](auto cb) {
             s->revive_webhooks({{org_id, org, generation}}, unix_seconds(1795003600), cb);
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

TEST_P(StoreConformance, AfterCloseWritesFailCleanly) {
  auto s = open();
  s->close();
  auto r = record(*s, alert_with(1));
  EXPECT_EQ(r.code(), Errc::store_unavailable);
}

// Acknowledgements: only for a notification that exists (not_found) and was
// sent to this organisation (forbidden); the first one counts and is a
// case-log leaf, a second changes nothing; the other organisations on the
// case hear of it.
TEST_P(StoreConformance, AcknowledgementsAreAdmittedOnlyForNotificationsSentToTheOrganisation) {
  auto s = open();
  const std::string a(32, 'a'), b(32, 'b'), stranger(32, 'e');
  auto n = alert_with(4);
  n.event.recipients = {{a, false, false}, {b, false, false}};
  auto rec = record(*s, std::move(n));
  ASSERT_TRUE(rec.ok());
  const std::uint64_t seq = rec->notification;
  const auto now = unix_seconds(1795003600);
  Tag leaf{};
  leaf.fill(0x77);
  const std::vector<Recipient> everyone = {{a, false, false}, {b, false, false}};
  auto ack = [&](std::uint64_t which, const std::string& org) {
    return wait_for<AckResult>(
        [&](auto cb) { s->record_ack(which, org, leaf, now, everyone, cb); });
  };
  EXPECT_EQ(ack(seq + 100, a).code(), Errc::not_found);
  EXPECT_EQ(ack(seq, stranger).code(), Errc::forbidden);
  append_waiting(*s);
  const auto log_before = s->log_size();
  auto first = ack(seq, a);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->first_time);
  EXPECT_EQ(first->acks, 1u);
  EXPECT_EQ(s->log_waiting(), 1u) << "an acknowledgement is a case-log leaf, mixed like the rest";
  append_waiting(*s);
  EXPECT_EQ(s->log_size(), log_before + 1);
  auto again = ack(seq, a);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->first_time);
  EXPECT_EQ(again->acks, 1u);
  append_waiting(*s);
  EXPECT_EQ(s->log_size(), log_before + 1);
  // b hears that one organisation is acting; so does a, of its own act: its
  // other clients (a dashboard beside `casewire ack`) learn of it that way.
  auto b_feed = s->feed(b, seq, 10);
  ASSERT_TRUE(b_feed.ok());
  EXPECT_EQ(b_feed->size(), 1u);
  auto a_feed = s->feed(a, seq, 10);
  ASSERT_TRUE(a_feed.ok());
  EXPECT_EQ(a_feed->size(), 1u);
  auto status = s->case_status(alert_with(4).event.case_tag);
  ASSERT_TRUE(status.ok() && *status);
  EXPECT_EQ((*status)->acks, 1u);
  EXPECT_EQ((*status)->state, CaseState::open);
}

// Follow-ups: only from the reporter (an owner tag recorded with the case),
// answered unknown_case for anyone else exactly as for no case at all; a
// retraction is final.
TEST_P(StoreConformance, OnlyTheReporterFollowsUpAndARetractionIsFinal) {
  auto s = open();
  auto opened = alert_with(6);
  opened.event.owner_tag.fill(0x11);
  ASSERT_TRUE(record(*s, std::move(opened)).ok());
  auto follow = [&](std::uint8_t tag, AlertKind kind, std::uint8_t owner) {
    auto f = alert_with(tag);
    f.kind = kind;
    f.event.case_tag = alert_with(6).event.case_tag;
    Tag t{};
    t.fill(owner);
    f.event.owner_tags = {t};
    return record(*s, std::move(f));
  };
  EXPECT_EQ(follow(7, AlertKind::update, 0x22).code(), Errc::unknown_case);
  EXPECT_EQ(*s->count_alerts(), 1u) << "a refused follow-up records nothing";
  ASSERT_TRUE(follow(8, AlertKind::retraction, 0x11).ok());
  auto status = s->case_status(alert_with(6).event.case_tag);
  ASSERT_TRUE(status.ok() && *status);
  EXPECT_EQ((*status)->state, CaseState::retracted);
  EXPECT_EQ(follow(9, AlertKind::update, 0x11).code(), Errc::case_retracted);
}

// Escalation: an open case nobody acknowledged, past its deadline, is
// escalated once - to everyone given for an ordinary case, only to cleared
// organisations for a private one; an acknowledged case or one whose
// deadline has not come is left alone.
TEST_P(StoreConformance, EscalationReachesTheRightOrganisationsOnceAndOnlyWhenDue) {
  auto s = open();
  const std::string watcher(32, 'w'), cleared(32, 'x'), reporter_org(32, 'r');
  auto open_case = [&](std::uint8_t tag, std::int64_t due, bool make_private) {
    auto n = alert_with(tag);
    n.event.escalate_at = unix_seconds(due);
    n.event.recipients = {{reporter_org, false, false}};
    if (make_private) n.event.facts.consent = "private";
    auto r = record(*s, std::move(n));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->notification : 0;
  };
  const std::uint64_t ordinary = open_case(10, 1795000000, false);
  open_case(11, 1795000000, true);   // private
  open_case(12, 1795999999, false);  // not due yet
  const std::uint64_t acked = open_case(13, 1795000000, false);
  Tag leaf{};
  leaf.fill(0x13);
  ASSERT_TRUE(wait_for<AckResult>([&](auto cb) {
                s->record_ack(acked, reporter_org, leaf, unix_seconds(1795000100),
                              {{reporter_org, false, false}}, cb);
              }).ok());
  const std::vector<Recipient> to = {{watcher, false, false}, {cleared, false, true}};
  auto escalate = [&] {
    return wait_for<std::uint32_t>(
        [&](auto cb) { s->escalate_due(unix_seconds(1795001000), to, {cleared}, cb); });
  };
  auto first = escalate();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 2u) << "the ordinary and the private case";
  EXPECT_EQ(*escalate(), 0u) << "once";
  EXPECT_EQ(s->feed(watcher, 0, 10)->size(), 1u) << "not told of the private case";
  EXPECT_EQ(s->feed(cleared, 0, 10)->size(), 2u);
  auto status = s->case_status(alert_with(10).event.case_tag);
  ASSERT_TRUE(status.ok() && *status);
  EXPECT_TRUE((*status)->escalated);
  EXPECT_GT(ordinary, 0u);
}

// Answers other than acting: admitted like acknowledgements, and the latest
// of acknowledging and answering stands for an organisation.
TEST_P(StoreConformance, AnAnswerReplacesTheOrganisationsAcknowledgement) {
  auto s = open();
  const std::string org(32, 'a');
  auto n = alert_with(20);
  n.event.recipients = {{org, false, false}};
  auto rec = record(*s, std::move(n));
  ASSERT_TRUE(rec.ok());
  const auto at = unix_seconds(1795003600);
  auto answer = [&](std::uint64_t seq, const std::string& who) {
    return wait_for<bool>([&](auto cb) {
      s->record_answer(seq, who, OrgAnswer{AnswerKind::cannot_act, "no_capacity"}, at, cb);
    });
  };
  EXPECT_EQ(answer(rec->notification + 50, org).code(), Errc::not_found);
  EXPECT_EQ(answer(rec->notification, std::string(32, 'z')).code(), Errc::forbidden);
  Tag leaf{};
  leaf.fill(0x20);
  ASSERT_TRUE(wait_for<AckResult>([&](auto cb) {
                s->record_ack(rec->notification, org, leaf, at, {{org, false, false}}, cb);
              }).ok());
  ASSERT_TRUE(answer(rec->notification, org).ok());
  auto status = s->case_status(alert_with(20).event.case_tag);
  ASSERT_TRUE(status.ok() && *status);
  EXPECT_EQ((*status)->acks, 0u);
  EXPECT_EQ((*status)->cannot_act, 1u);
}

// What an organisation's board rebuilds from (GET /v1/org/cases): its own
// part in each case it is on, whichever of its clients acted; nothing of
// cases it is not on; pages in pseudonym order.
TEST_P(StoreConformance, AnOrganisationReadsItsOwnPartInEachCaseItIsOn) {
  auto s = open();
  const std::string a(32, 'a'), b(32, 'b'), c(32, 'c');
  std::vector<std::uint64_t> seqs;
  for (std::uint8_t i = 30; i < 33; ++i) {
    auto n = alert_with(i);
    n.event.case_id = std::string(31, '0') + static_cast<char>('a' + (i - 30));
    n.event.recipients = {{a, false, false}, {b, false, false}};
    auto rec = record(*s, std::move(n));
    ASSERT_TRUE(rec.ok());
    seqs.push_back(rec->notification);
  }
  const auto at = unix_seconds(1795003600);
  Tag leaf{};
  leaf.fill(0x31);
  const std::vector<Recipient> both = {{a, false, false}, {b, false, false}};
  ASSERT_TRUE(
      wait_for<AckResult>([&](auto cb) { s->record_ack(seqs[0], a, leaf, at, both, cb); }).ok());
  ASSERT_TRUE(
      wait_for<bool>([&](auto cb) {
        s->record_answer(seqs[1], b, OrgAnswer{AnswerKind::need_information, "place"}, at, cb);
      }).ok());
  auto for_a = s->org_cases(a, "", 10);
  ASSERT_TRUE(for_a.ok());
  ASSERT_EQ(for_a->size(), 3u);
  EXPECT_TRUE(std::is_sorted(for_a->begin(), for_a->end(),
                             [](const auto& x, const auto& y) { return x.case_id < y.case_id; }));
  int acting = 0;
  for (const auto& v : *for_a) {
    acting += v.acting;
    EXPECT_TRUE(v.answer.empty());
  }
  EXPECT_EQ(acting, 1);
  auto for_b = s->org_cases(b, "", 10);
  ASSERT_TRUE(for_b.ok());
  ASSERT_EQ(for_b->size(), 3u);
  int answered = 0, seen_acks = 0;
  for (const auto& v : *for_b) {
    EXPECT_FALSE(v.acting);
    answered += v.answer == "need_information";
    seen_acks += static_cast<int>(v.acks);
  }
  EXPECT_EQ(answered, 1);
  EXPECT_EQ(seen_acks, 1) << "b sees that a acts, not who";
  EXPECT_TRUE(s->org_cases(c, "", 10)->empty()) << "an organisation not on a case reads nothing";
  // Pages.
  auto first = s->org_cases(a, "", 2);
  ASSERT_EQ(first->size(), 2u);
  auto rest = s->org_cases(a, first->back().case_id, 2);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_GT(rest->front().case_id, first->back().case_id);
}

// What the operator types for a case: the ids that begin with a prefix, no
// more than asked for, and none for a prefix no case has.
TEST_P(StoreConformance, FindsTheCasesWhoseIdBeginsWithAPrefix) {
  auto s = open();
  for (auto [tag, id] : {std::pair{31, "abcdef01" + std::string(24, '1')},
                         std::pair{32, "abcdef01" + std::string(24, '2')},
                         std::pair{33, "abcdef02" + std::string(24, '3')}}) {
    auto n = alert_with(static_cast<std::uint8_t>(tag));
    n.event.case_id = id;
    ASSERT_TRUE(record(*s, std::move(n)).ok());
  }
  auto one = s->case_ids_starting("abcdef02", 2);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::vector<std::string>{"abcdef02" + std::string(24, '3')});
  auto two = s->case_ids_starting("abcdef01", 5);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  EXPECT_EQ(s->case_ids_starting("abcdef", 2)->size(), 2u) << "at most the limit";
  EXPECT_TRUE(s->case_ids_starting("abcdef03", 2)->empty());
  EXPECT_TRUE(s->case_ids_starting("bcdef01", 2)->empty()) << "a prefix, not a substring";
}

// Retention: a dry run only counts; the purge destroys the case key and its
// sealed records (crypto-shredding) and nothing else - the anonymised case
// stays, for statistics and for organisations following it.
TEST_P(StoreConformance, ThePurgeDestroysSealedDetailsAndKeepsTheAnonymisedCase) {
  auto s = open();
  auto n = alert_with(30);
  n.event.case_id = std::string(32, '3');
  n.details = WipedBytes(std::vector<std::uint8_t>{1, 2, 3, 4});
  ASSERT_TRUE(record(*s, std::move(n)).ok());
  auto before = s->case_record(std::string(32, '3'));
  ASSERT_TRUE(before.ok() && *before);
  EXPECT_EQ((*before)->details.size(), 1u);
  EXPECT_FALSE((*before)->wrapped_key.empty());
  auto purge = [&](bool dry) {
    return wait_for<PurgeCounts>(
        [&](auto cb) { s->purge_case_keys(unix_seconds(1796000000), dry, cb); });
  };
  auto counted = purge(true);
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->cases, 1u);
  EXPECT_EQ(counted->records, 1u);
  EXPECT_EQ((*s->case_record(std::string(32, '3')))->details.size(), 1u) << "a dry run counts";
  auto done = purge(false);
  ASSERT_TRUE(done.ok());
  // What the engine may still hold is said, not hidden: PostgreSQL's WAL,
  // standby and archives keep the destroyed key until recycled (OPERATIONS
  // §12); SQLite with no reader truncated its WAL, and nothing is left.
  if (std::string(GetParam().name) == "postgres") {
    for (const char* where : {"write-ahead log", "standby", "archive"})
      EXPECT_NE(done->residual.find(where), std::string::npos) << done->residual;
  } else {
    EXPECT_TRUE(done->residual.empty()) << done->residual;
  }
  auto left = wait_for<bool>([&](auto cb) { s->clear_purge_residual(cb); });
  ASSERT_TRUE(left.ok());
  EXPECT_FALSE(*left)
      << "nothing left to clear (PostgreSQL's copies are not the daemon's to clear)";
  auto after = s->case_record(std::string(32, '3'));
  ASSERT_TRUE(after.ok() && *after);
  EXPECT_TRUE((*after)->details.empty());
  EXPECT_TRUE((*after)->wrapped_key.empty());
  EXPECT_EQ(s->sent_notifications()->size(), 1u) << "the anonymised record stays";
  EXPECT_EQ(purge(false)->cases, 0u);
}

// The audit trail: entries are numbered from 1 in order, each linked to the
// one before, and survive a restart.
TEST_P(StoreConformance, AuditEntriesAreNumberedLinkedAndKept) {
  {
    auto s = open();
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(wait_for<AuditRow>([&](auto cb) {
                    s->append_audit(R"({"action":"test"})", unix_seconds(1795000000 + i), cb);
                  }).ok());
  }
  auto s = open();
  auto rows = s->audit_rows();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  for (std::size_t i = 0; i < rows->size(); ++i) EXPECT_EQ((*rows)[i].n, i + 1);
  EXPECT_NE((*rows)[1].link, (*rows)[2].link);
  EXPECT_EQ(*s->count_audit(), 3u);
}

// ---- The ledger's row primitives (daemon/ledger/rows.h) -------------------
// Each primitive, on every backend, run inside a batch transaction as the
// ledger runs it. What the primitives MEAN together (admission, what an
// answer replaces, who hears of what) is tested once, in
// tests/daemon/ledger/ledger_test.cc.

// Runs `fn` over the store's rows in one transaction and waits for the commit.
Status in_transaction(Store& s, std::function<Status(ledger::Rows&)> fn) {
  auto* batched = dynamic_cast<BatchedStore*>(&s);
  if (!batched) return make_error(Errc::internal_error, "not a batched store");
  auto r = wait_for<bool>([&](auto cb) { batched->run_rows(std::move(fn), cb); });
  if (!r) return r.error();
  return Status::Ok();
}

std::string pseudonym_for(std::uint8_t tag) {
  return std::string(30, 'c') + "0123456789abcdef"[tag >> 4] + "0123456789abcdef"[tag & 15];
}

// A case with one notification sent to `org`; returns the notification.
std::uint64_t case_for(Store& s, std::uint8_t tag, const std::string& org,
                       std::optional<UnixSeconds> escalate_at = std::nullopt) {
  auto n = alert_with(tag);
  n.event.case_id = pseudonym_for(tag);
  n.event.recipients = {{org, false, false}};
  n.event.escalate_at = escalate_at;
  auto r = record(s, std::move(n));
  EXPECT_TRUE(r.ok());
  return r.ok() ? r->notification : 0;
}

TEST_P(StoreConformance, RowsFindTheCaseBehindANotificationAndWhomItWasSentTo) {
  auto s = open();
  const std::string org(32, 'a'), other(32, 'b');
  const auto seq = case_for(*s, 40, org, unix_seconds(1795000777));
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto sent = rows.notified_case(seq, org);
                EXPECT_TRUE(sent.ok() && *sent);
                if (!sent.ok() || !*sent) return Status::Ok();
                EXPECT_TRUE((*sent)->sent_to_org);
                EXPECT_EQ((*sent)->c.escalate_at, 1795000777);
                EXPECT_FALSE((*sent)->c.escalated);
                EXPECT_EQ((*sent)->c.pseudonym, pseudonym_for(40));
                auto not_sent = rows.notified_case(seq, other);
                EXPECT_TRUE(not_sent.ok() && *not_sent && !(*not_sent)->sent_to_org);
                auto none = rows.notified_case(seq + 1000, org);
                EXPECT_TRUE(none.ok() && !*none);
                auto on_case = rows.orgs_on_case((*sent)->c.id);
                EXPECT_TRUE(on_case.ok() && *on_case == std::set<std::string>{org});
                return Status::Ok();
              }).ok());
}

TEST_P(StoreConformance, RowsInsertAnAckOnceAndAnAnswerReplacesItsOwnRow) {
  auto s = open();
  const std::string org(32, 'a'), other(32, 'b');
  const auto seq = case_for(*s, 41, org);
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto c = rows.notified_case(seq, org);
                if (!c.ok() || !*c) return make_error(Errc::internal_error, "no case");
                const auto id = (*c)->c.id;
                EXPECT_TRUE(*rows.insert_ack(id, org, 1795003600));
                EXPECT_FALSE(*rows.insert_ack(id, org, 1795007200)) << "there already";
                EXPECT_TRUE(*rows.insert_ack(id, other, 1795003600));
                EXPECT_EQ(*rows.count_acks(id), 2u);
                EXPECT_TRUE(rows.delete_ack(id, org).ok());
                EXPECT_TRUE(rows.delete_ack(id, org).ok()) << "deleting nothing is no error";
                EXPECT_EQ(*rows.count_acks(id), 1u);
                EXPECT_TRUE(rows.put_answer(id, org, "need_information", "place", 1795003600).ok());
                EXPECT_TRUE(rows.put_answer(id, org, "cannot_act", "no_capacity", 1795003600).ok())
                    << "replaced, not refused";
                return Status::Ok();
              }).ok());
  auto status = s->case_status(alert_with(41).event.case_tag);
  ASSERT_TRUE(status.ok() && *status);
  EXPECT_EQ((*status)->acks, 1u);
  EXPECT_EQ((*status)->cannot_act, 1u) << "one answer per organisation: the latest";
  EXPECT_TRUE((*status)->needs.empty());
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto c = rows.notified_case(seq, org);
                if (!c.ok() || !*c) return make_error(Errc::internal_error, "no case");
                return rows.delete_answer((*c)->c.id, org);
              }).ok());
  EXPECT_EQ((*s->case_status(alert_with(41).event.case_tag))->cannot_act, 0u);
}

TEST_P(StoreConformance, RowsListOnlyCasesDueForEscalationAndKeepTheDeadlineAsGiven) {
  auto s = open();
  const std::string org(32, 'a');
  const auto due = case_for(*s, 42, org, unix_seconds(1795000500));
  const auto acked = case_for(*s, 43, org, unix_seconds(1795000500));
  case_for(*s, 44, org, unix_seconds(1795009999));  // later
  case_for(*s, 45, org);                            // never
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto a = rows.notified_case(acked, org);
                if (!a.ok() || !*a) return make_error(Errc::internal_error, "no case");
                return rows.insert_ack((*a)->c.id, org, 1795000000).ok()
                           ? Status::Ok()
                           : make_error(Errc::internal_error, "ack");
              }).ok());
  std::int64_t due_id = 0;
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto list = rows.cases_due_escalation(1795001000);
                EXPECT_TRUE(list.ok());
                if (!list.ok()) return list.error();
                EXPECT_EQ(list->size(), 1u) << "not the acknowledged, the later or the never";
                if (list->size() != 1) return Status::Ok();
                due_id = (*list)[0].id;
                EXPECT_EQ((*list)[0].escalate_at, 1795000500);
                EXPECT_EQ((*list)[0].pseudonym, pseudonym_for(42));
                return rows.update_escalation(due_id, 1794999600, true);
              }).ok());
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto list = rows.cases_due_escalation(1795001000);
                EXPECT_TRUE(list.ok() && list->empty()) << "an escalated case is not due again";
                auto c = rows.notified_case(due, org);
                EXPECT_TRUE(c.ok() && *c);
                if (c.ok() && *c) {
                  EXPECT_EQ((*c)->c.escalate_at, 1794999600);
                  EXPECT_TRUE((*c)->c.escalated);
                }
                return Status::Ok();
              }).ok());
  EXPECT_TRUE((*s->case_status(alert_with(42).event.case_tag))->escalated);
}

TEST_P(StoreConformance, RowsNumberNotificationsInOrderAndARollbackGivesTheNumbersBack) {
  auto s = open();
  const std::string org(32, 'a'), webhook_org(32, 'w');
  const auto seq = case_for(*s, 46, org);
  std::int64_t id = 0;
  auto add = [&](ledger::Rows& rows, bool fail) -> Status {
    auto c = rows.notified_case(seq, org);
    if (!c.ok() || !*c) return make_error(Errc::internal_error, "no case");
    id = (*c)->c.id;
    auto next = rows.next_notification_seq();
    if (!next) return next.error();
    EXPECT_EQ(*next, seq + 1);
    CW_TRY(rows.insert_notification(*next, id, "update", "body", 1795003600));
    EXPECT_EQ(*rows.next_notification_seq(), seq + 2);
    CW_TRY(rows.insert_delivery(*next, webhook_org, ledger::DeliveryState::pending));
    CW_TRY(rows.insert_delivery(*next, org, ledger::DeliveryState::feed));
    CW_TRY(rows.add_case_org(id, webhook_org));
    CW_TRY(rows.add_case_org(id, webhook_org));  // idempotent
    rows.notification_added(*next, "body", {webhook_org, org});
    if (fail) return make_error(Errc::store_unavailable, "the test rolls this batch back");
    return Status::Ok();
  };
  EXPECT_EQ(in_transaction(*s, [&](ledger::Rows& rows) { return add(rows, true); }).code(),
            Errc::store_unavailable);
  EXPECT_TRUE(s->feed(webhook_org, 0, 10)->empty()) << "rolled back";
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) { return add(rows, false); }).ok())
      << "the same numbers again";
  auto feed = s->feed(webhook_org, 0, 10);
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->size(), 1u);
  EXPECT_EQ((*feed)[0].seq, seq + 1);
  EXPECT_EQ((*feed)[0].body, "body");
  EXPECT_EQ(s->feed(org, seq, 10)->size(), 1u);
  auto due = s->due_webhooks(unix_millis(0), 10, {});
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u) << "pending is due at once (0); a feed row is never pushed";
  EXPECT_EQ((*due)[0].org, webhook_org);
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto on_case = rows.orgs_on_case(id);
                EXPECT_TRUE(on_case.ok() && *on_case == (std::set<std::string>{org, webhook_org}));
                return Status::Ok();
              }).ok());
}

TEST_P(StoreConformance, RowsFindALeafWaitingAndAfterItIsAppended) {
  auto s = open();
  Tag tag{};
  tag.fill(0x99);
  merkle::Hash hash{};
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto none = rows.find_leaf(tag);
                EXPECT_TRUE(none.ok() && !*none);
                auto leaf = rows.append_leaf(LeafKind::acknowledgement, 1795000000, tag);
                if (!leaf) return leaf.error();
                EXPECT_FALSE(leaf->index) << "it waits for its window";
                hash = leaf->leaf;
                auto found = rows.find_leaf(tag);
                EXPECT_TRUE(found.ok() && *found && (*found)->leaf == hash && !(*found)->index);
                return Status::Ok();
              }).ok());
  EXPECT_EQ(s->log_waiting(), 1u);
  EXPECT_EQ(append_waiting(*s), 1u);
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto found = rows.find_leaf(tag);
                EXPECT_TRUE(found.ok() && *found && (*found)->leaf == hash && (*found)->index);
                return Status::Ok();
              }).ok());
}

TEST_P(StoreConformance, RowsRecordWebhookAttemptsAndHealthAndRequeueWhatRanOut) {
  auto s = open();
  const std::string org(32, 'w'), org_id(32, 'k');
  auto n = alert_with(49);
  n.event.recipients = {{org, true, false}};
  auto rec = record(*s, std::move(n));
  ASSERT_TRUE(rec.ok());
  const auto seq = rec->notification;
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto none = rows.delivery_state(seq, std::string(32, 'z'));
                EXPECT_TRUE(none.ok() && !*none);
                auto st = rows.delivery_state(seq, org);
                EXPECT_TRUE(st.ok() && *st && **st == ledger::DeliveryState::pending);
                CW_TRY(rows.record_attempt(seq, org, ledger::DeliveryState::pending, 5000, 500));
                CW_TRY(rows.record_attempt(seq, org, ledger::DeliveryState::dead, 0, 503));
                auto health = rows.webhook_health_of(org_id);
                EXPECT_TRUE(health.ok() && !*health);
                CW_TRY(rows.put_webhook_health(org_id, {WebhookState::failing, 4, 2}, 1795003600));
                CW_TRY(rows.put_webhook_health(org_id, {WebhookState::disabled, 5, 2}, 1795007200));
                health = rows.webhook_health_of(org_id);
                EXPECT_TRUE(health.ok() && *health);
                if (health.ok() && *health) {
                  EXPECT_EQ((*health)->state, WebhookState::disabled) << "replaced";
                  EXPECT_EQ((*health)->failures, 5u);
                  EXPECT_EQ((*health)->generation, 2u);
                }
                return Status::Ok();
              }).ok());
  EXPECT_TRUE(s->due_webhooks(UnixMillis::max(), 10, {})->empty()) << "dead is not due";
  auto health = s->webhook_health();
  ASSERT_TRUE(health.ok());
  ASSERT_EQ(health->size(), 1u);
  EXPECT_EQ((*health)[0].state, WebhookState::disabled);
  ASSERT_TRUE(in_transaction(*s, [&](ledger::Rows& rows) -> Status {
                auto q = rows.requeue_dead_deliveries(org);
                EXPECT_TRUE(q.ok() && *q == 1u);
                q = rows.requeue_dead_deliveries(org);
                EXPECT_TRUE(q.ok() && *q == 0u) << "nothing left to requeue";
                return Status::Ok();
              }).ok());
  auto due = s->due_webhooks(unix_millis(0), 10, {});
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u) << "requeued rows are due at once";
  EXPECT_EQ((*due)[0].attempts, 0u);
}

// Recording an alert is still each backend's (it moves to the ledger next):
// the rule that a follow-up answers the organisations' requests for
// information, which was tested end to end on SQLite alone, holds on each.
TEST_P(StoreConformance, AFollowUpClearsRequestsForInformationButNotCannotAct) {
  auto s = open();
  const std::string asks(32, 'a'), cannot(32, 'b');
  auto n = alert_with(47);
  n.event.recipients = {{asks, false, false}, {cannot, false, false}};
  n.event.owner_tag.fill(0x47);
  auto rec = record(*s, std::move(n));
  ASSERT_TRUE(rec.ok());
  const auto at = unix_seconds(1795003600);
  ASSERT_TRUE(wait_for<bool>([&](auto cb) {
                s->record_answer(rec->notification, asks,
                                 OrgAnswer{AnswerKind::need_information, "place"}, at, cb);
              }).ok());
  ASSERT_TRUE(wait_for<bool>([&](auto cb) {
                s->record_answer(rec->notification, cannot,
                                 OrgAnswer{AnswerKind::cannot_act, "no_capacity"}, at, cb);
              }).ok());
  EXPECT_EQ((*s->case_status(alert_with(47).event.case_tag))->needs,
            std::vector<std::string>{"place"});
  auto f = alert_with(48);
  f.kind = AlertKind::update;
  f.event.case_tag = alert_with(47).event.case_tag;
  Tag owner{};
  owner.fill(0x47);
  f.event.owner_tags = {owner};
  ASSERT_TRUE(record(*s, std::move(f)).ok());
  auto status = s->case_status(alert_with(47).event.case_tag);
  ASSERT_TRUE(status.ok() && *status);
  EXPECT_TRUE((*status)->needs.empty()) << "the reporter followed up: the request is answered";
  EXPECT_EQ((*status)->cannot_act, 1u) << "an organisation that cannot act still cannot";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(kBackends),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace cw::daemon
