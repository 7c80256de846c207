// Sealed details against a running daemon (docs/THREAT_MODEL.md, "Sealed
// details" and "Retention"): the operator reads a case's names only through
// an audited command; a disclosure reaches one cleared organisation on the
// case and opens only with its key; the audit trail shows any edit; the
// retention purge destroys a case's key so that its details are gone from
// the database and its WAL, while the anonymised record stays.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "protocol/file_io.h"
#include "tests/support/db_reader.h"
#include "tests/support/eventually.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"
#include "tests/support/seized.h"

namespace cw::test {
namespace {

std::string str(const Bytes& b) {
  return std::string(as_chars(b));
}

void sql(const std::string& db_path, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err), SQLITE_OK)
      << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

class SealedDetails : public ::testing::Test {
 protected:
  void SetUp() override {
    alice = inst.add_contact("alice-church-worker");
    legal = inst.add_org("legal", {.cleared_private = true});
    press = inst.add_org("press", {});  // on the case (advocacy consent), not cleared
    inst.start();
    ASSERT_EQ(post_alert(inst.port(), str(inst.seal(alice, sample_alert())))->status, 201);
    test::DbReader db(inst.db_path());
    case_id = db.text("SELECT pseudonym FROM cases");
    ASSERT_EQ(case_id.size(), 32u);
  }
  RunResult daemon_tool(std::vector<std::string> args) {
    args.insert(args.begin(), bin("casewired"));
    // --config after the subcommand: where an operator types it.
    args.insert(args.end(), {"--config", inst.config_path()});
    return run(args);
  }
  std::string disclose_to(const Org& org, const std::string& out) {
    auto r = daemon_tool(
        {"disclose", case_id, "--org", key_id_hex(org.id), "--reason", "legal_aid", "--out", out});
    return r.status == 0 ? "" : r.err;
  }

  Instance inst;
  Contact alice;
  Org legal, press;
  std::string case_id;
};

TEST_F(SealedDetails, TheOperatorReadsACaseOnlyUnderAnAuditEntry) {
  auto bad_reason = daemon_tool({"read-case", case_id, "--reason", "curious"});
  EXPECT_EQ(bad_reason.status, 1);
  EXPECT_NE(bad_reason.err.find("bad_request"), std::string::npos) << bad_reason.err;
  auto unknown = daemon_tool({"read-case", std::string(32, 'a'), "--reason", "verification"});
  EXPECT_NE(unknown.err.find("not_found"), std::string::npos) << unknown.err;

  auto r = daemon_tool({"read-case", case_id, "--reason", "verification"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* canary : kAllCanaries)
    EXPECT_NE(r.out.find(canary), std::string::npos) << canary;
  EXPECT_NE(r.out.find("alice-church-worker"), std::string::npos)
      << "the operator sees who sent it";
  EXPECT_NE(r.out.find("audit entry 1"), std::string::npos) << r.out;

  auto audit = daemon_tool({"audit"});
  ASSERT_EQ(audit.status, 0) << audit.err;
  EXPECT_NE(
      audit.out.find(R"("action":"read","case":")" + case_id + R"(","reason":"verification")"),
      std::string::npos)
      << audit.out;
  EXPECT_NE(audit.out.find("1 entries"), std::string::npos)
      << "refusals add no entry: " << audit.out;
  // The running daemon exports the count: a trail cut short shows from outside.
  EXPECT_EQ(inst.metric("casewire_audit_entries"), 1u);
  // Nothing read reaches the daemon's log; the audit trail is sealed on disk.
  const std::string seized = seized_files(inst);
  for (const char* canary : kAllCanaries)
    EXPECT_EQ(seized.find(canary), std::string::npos) << canary;
  EXPECT_EQ(seized.find("verification"), std::string::npos) << "audit entries are sealed";
}

// OPERATIONS §7a: the operator types the 12 digits the feed shows; a prefix
// that names no case, or several, or is too short to be safe, is refused with
// nothing read and no audit entry.
TEST_F(SealedDetails, TheFeedsTwelveDigitsNameTheCaseAndNothingElseDoes) {
  auto r = daemon_tool({"read-case", case_id.substr(0, 12), "--reason", "verification"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("case " + case_id), std::string::npos) << r.out;
  for (const char* canary : kAllCanaries) EXPECT_NE(r.out.find(canary), std::string::npos);
  std::string upper = case_id.substr(0, 12);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(daemon_tool({"read-case", upper, "--reason", "verification"}).status, 0);

  auto short_prefix = daemon_tool({"read-case", case_id.substr(0, 7), "--reason", "verification"});
  EXPECT_EQ(short_prefix.status, 1);
  EXPECT_NE(short_prefix.err.find("bad_request"), std::string::npos) << short_prefix.err;
  auto not_hex =
      daemon_tool({"read-case", "zz" + case_id.substr(2, 10), "--reason", "verification"});
  EXPECT_NE(not_hex.err.find("bad_request"), std::string::npos) << not_hex.err;
  std::string other = case_id.substr(0, 12);
  other[11] = other[11] == '0' ? '1' : '0';
  auto none = daemon_tool({"read-case", other, "--reason", "verification"});
  EXPECT_NE(none.err.find("not_found"), std::string::npos) << none.err;

  // A second case whose id shares the first 8 digits: 8 no longer name one.
  ASSERT_EQ(post_alert(inst.port(), str(inst.seal(alice, sample_alert())))->status, 201);
  sql(inst.db_path(), "UPDATE cases SET pseudonym = '" + case_id.substr(0, 8) +
                          "' || substr(pseudonym, 9) WHERE pseudonym != '" + case_id + "'");
  auto both = daemon_tool({"read-case", case_id.substr(0, 8), "--reason", "verification"});
  EXPECT_EQ(both.status, 1);
  EXPECT_NE(both.err.find("several cases"), std::string::npos) << both.err;
  auto disclosed = daemon_tool({"disclose", case_id.substr(0, 8), "--org", key_id_hex(legal.id),
                                "--reason", "legal_aid", "--out", inst.dir() + "/x.disclosure"});
  EXPECT_NE(disclosed.err.find("several cases"), std::string::npos) << disclosed.err;
  EXPECT_FALSE(file_exists(inst.dir() + "/x.disclosure"));
  auto audit = daemon_tool({"audit"});
  EXPECT_NE(audit.out.find("2 entries"), std::string::npos)
      << "only the two readings that named one case: " << audit.out;
}

TEST_F(SealedDetails, ADisclosureReachesOnlyTheClearedOrganisationOnTheCase) {
  const std::string file = inst.dir() + "/case.disclosure";
  ASSERT_EQ(disclose_to(legal, file), "");
  const std::string sealed = str(*read_file(file));
  for (const char* canary : kAllCanaries) EXPECT_EQ(sealed.find(canary), std::string::npos);

  auto opened = inst.client(legal, {"open-disclosure", file});
  ASSERT_EQ(opened.status, 0) << opened.err;
  for (const char* canary : kAllCanaries)
    EXPECT_NE(opened.out.find(canary), std::string::npos) << canary;
  EXPECT_NE(opened.out.find("signature verified"), std::string::npos);
  EXPECT_EQ(opened.out.find("alice-church-worker"), std::string::npos)
      << "a disclosure never says who reported";

  auto other = inst.client(press, {"open-disclosure", file});
  EXPECT_NE(other.status, 0);
  EXPECT_NE(other.err.find("bad_key_file"), std::string::npos) << other.err;
  for (const char* canary : kAllCanaries) EXPECT_EQ(other.out.find(canary), std::string::npos);

  // Not cleared for private cases: refused, and no file.
  const std::string refused = inst.dir() + "/press.disclosure";
  EXPECT_NE(disclose_to(press, refused).find("forbidden"), std::string::npos);
  EXPECT_FALSE(read_file(refused).ok());
  // Cleared, but never told of this case: refused.
  Org stranger = inst.add_org("stranger", {.regions = {"CN-LN"}, .cleared_private = true});
  EXPECT_NE(disclose_to(stranger, inst.dir() + "/s.disclosure").find("forbidden"),
            std::string::npos);

  auto audit = daemon_tool({"audit"});
  ASSERT_EQ(audit.status, 0) << audit.err;
  EXPECT_NE(audit.out.find(R"("org":")" + key_id_hex(legal.id) + "\""), std::string::npos)
      << audit.out;
  EXPECT_NE(audit.out.find("1 entries"), std::string::npos) << audit.out;
}

TEST_F(SealedDetails, ARetractedCaseIsNotDisclosed) {
  auto sent = inst.client(alice, {"--json", "send", "--people", "2", "--arrest-place", "CN-JL",
                                  "--urgency", "high", "--consent", "private"});
  ASSERT_EQ(sent.status, 0) << sent.err;
  const auto at = sent.out.find("\"alert_id\":\"");
  ASSERT_NE(at, std::string::npos) << sent.out;
  const std::string ref = sent.out.substr(at + 12, 32);
  auto retracted = inst.client(alice, {"send", "--update", ref, "--kind", "retraction"});
  ASSERT_EQ(retracted.status, 0) << retracted.err;
  const std::string pseudonym =
      test::DbReader(inst.db_path()).text("SELECT pseudonym FROM cases WHERE state = 'retracted'");
  ASSERT_EQ(pseudonym.size(), 32u);
  auto r = daemon_tool({"disclose", pseudonym, "--org", key_id_hex(legal.id), "--reason",
                        "legal_aid", "--out", inst.dir() + "/r.disclosure"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("retracted"), std::string::npos) << r.err;
}

TEST_F(SealedDetails, AnEditedOrRemovedAuditEntryIsCaught) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(daemon_tool({"read-case", case_id, "--reason", "verification"}).status, 0);
  ASSERT_EQ(daemon_tool({"audit"}).status, 0);

  // An edit without the daemon's keys: the entry's time moved.
  sql(inst.db_path(), "UPDATE audit SET at = at - 86400 WHERE n = 2");
  auto edited = daemon_tool({"audit"});
  EXPECT_EQ(edited.status, 1);
  EXPECT_NE(edited.err.find("entry 2"), std::string::npos) << edited.err;
  sql(inst.db_path(), "UPDATE audit SET at = at + 86400 WHERE n = 2");
  ASSERT_EQ(daemon_tool({"audit"}).status, 0) << "restored, it verifies again";

  // A reading removed from the middle.
  sql(inst.db_path(), "DELETE FROM audit WHERE n = 2");
  auto removed = daemon_tool({"audit"});
  EXPECT_EQ(removed.status, 1);
  EXPECT_NE(removed.err.find("missing"), std::string::npos) << removed.err;
}

TEST_F(SealedDetails, RetentionDestroysTheCaseKeyAndKeepsTheAnonymisedRecord) {
  const std::vector<std::uint8_t> wrapped =
      test::DbReader(inst.db_path()).blob("SELECT wrapped FROM case_keys");
  ASSERT_FALSE(wrapped.empty());
  const std::vector<std::uint8_t> details =
      test::DbReader(inst.db_path()).blob("SELECT sealed FROM case_details");
  ASSERT_FALSE(details.empty());

  // A dry run counts without the daemon's keys (OPERATIONS §7b: no
  // passphrase): it works with daemon.key out of reach, a real purge does not.
  const std::string key = inst.keys_dir() + "/daemon.key";
  ASSERT_EQ(::rename(key.c_str(), (key + ".away").c_str()), 0);
  auto dry = daemon_tool({"purge", "--dry-run", "--older-than", "0"});
  auto keyless = daemon_tool({"purge", "--older-than", "0"});
  ASSERT_EQ(::rename((key + ".away").c_str(), key.c_str()), 0);
  ASSERT_EQ(dry.status, 0) << dry.err;
  EXPECT_NE(dry.out.find("would destroy the keys of 1 case(s)"), std::string::npos) << dry.out;
  EXPECT_EQ(keyless.status, 1) << "a real purge needs the keys: " << keyless.out;
  EXPECT_EQ(test::DbReader(inst.db_path()).scalar("SELECT count(*) FROM case_keys"), 1)
      << "a dry run changes nothing";
  // Not yet due under the configured 90 days.
  auto not_due = daemon_tool({"purge"});
  EXPECT_NE(not_due.out.find("destroyed the keys of 0 case(s)"), std::string::npos) << not_due.out;

  auto purge = daemon_tool({"purge", "--older-than", "0"});
  ASSERT_EQ(purge.status, 0) << purge.err;
  EXPECT_NE(purge.out.find("destroyed the keys of 1 case(s)"), std::string::npos) << purge.out;

  // What a seizure of the running server now finds: neither the wrapped key
  // nor the sealed records, in the database, its WAL or the log.
  const std::string seized = seized_files(inst);
  expect_absent(seized, wrapped, "the destroyed case key");
  expect_absent(seized, details, "the sealed record");

  auto r = daemon_tool({"read-case", case_id, "--reason", "verification"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("destroyed by the retention purge"), std::string::npos) << r.out;
  for (const char* canary : kAllCanaries) EXPECT_EQ(r.out.find(canary), std::string::npos);
  // The anonymised record stays: organisations still read the notification.
  auto feed = inst.client(legal, {"--json", "feed", "--pull", "--from-start"});
  ASSERT_EQ(feed.status, 0) << feed.err;
  EXPECT_NE(feed.out.find(case_id), std::string::npos) << feed.out;
  auto audit = daemon_tool({"audit"});
  EXPECT_NE(audit.out.find(R"("action":"purge","cases":1,"records":1)"), std::string::npos)
      << audit.out;
}

}  // namespace
}  // namespace cw::test

namespace cw::test {
namespace {

TEST(Retention, TheDaemonPurgesCasesQuietForTheConfiguredDaysOnItsOwn) {
  Instance inst("", "[retention]\ndays = 30\n");
  Contact alice = inst.add_contact("alice");
  inst.start();
  ASSERT_EQ(post_alert(inst.port(), str(inst.seal(alice, sample_alert())))->status, 201);
  ASSERT_EQ(post_alert(inst.port(), str(inst.seal(alice, sample_alert())))->status, 201);
  inst.stop();
  // One case last heard of 31 days ago, the other today.
  sql(inst.db_path(),
      "UPDATE case_keys SET last_event_at = last_event_at - 31 * 86400 "
      "WHERE case_tag = (SELECT min(case_tag) FROM case_keys)");
  inst.start();  // the daemon purges at start, then every hour
  ASSERT_TRUE(eventually([&] { return inst.metric("casewire_case_keys_purged_total") == 1; }))
      << inst.metrics();
  inst.stop();
  test::DbReader db(inst.db_path());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM case_keys"), 1) << "the recent case keeps its key";
  EXPECT_EQ(db.scalar("SELECT count(*) FROM case_details"), 1);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM cases"), 2) << "the anonymised records stay";
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit"), 1) << "the purge is in the audit trail";
}

// Issue 35: a program holding a read transaction (a backup, a report, the
// sqlite3 shell) while the purge runs keeps the WAL - with the pages that
// held the destroyed key - from being truncated. The purge must not wait
// for it (before: ~100 s on the writer thread, alerts held up), must say so,
// and the daemon must finish the job once the reader lets go, even though
// no more cases are due (before: never, until another case was purged).
TEST(Retention, APurgeWhileAReaderHoldsTheDatabaseLeavesNothingOnceItLetsGo) {
  Instance inst("", "[retention]\nresidual_retry_seconds = 1\n");
  Contact alice = inst.add_contact("alice");
  inst.start();
  ASSERT_EQ(post_alert(inst.port(), str(inst.seal(alice, sample_alert())))->status, 201);
  const auto wrapped = test::DbReader(inst.db_path()).blob("SELECT wrapped FROM case_keys");
  const auto details = test::DbReader(inst.db_path()).blob("SELECT sealed FROM case_details");
  ASSERT_FALSE(wrapped.empty());
  ASSERT_FALSE(details.empty());

  // Python's sqlite3, as any tool on the server would: a read transaction
  // held open until the process ends.
  Process reader({"/usr/bin/python3", "-c",
                  "import sqlite3, sys, time\n"
                  "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                  "c.execute('BEGIN')\n"
                  "c.execute('SELECT count(*) FROM case_keys').fetchall()\n"
                  "print('holding', flush=True)\n"
                  "time.sleep(600)\n",
                  inst.db_path()},
                 inst.dir() + "/reader");
  ASSERT_TRUE(reader.wait_for_output("holding", std::chrono::seconds(20))) << reader.err();

  auto purge = run({bin("casewired"), "purge", "--older-than", "0", "--config", inst.config_path()},
                   {}, std::chrono::seconds(30));
  ASSERT_EQ(purge.status, 0) << purge.err;
  EXPECT_NE(purge.out.find("destroyed the keys of 1 case(s)"), std::string::npos) << purge.out;
  EXPECT_NE(purge.out.find("holds a read transaction"), std::string::npos)
      << "the purge says what is true: " << purge.out;
  ASSERT_TRUE(eventually([&] { return inst.metric("casewire_purge_residual_pending") == 1; }))
      << inst.metrics();

  // Meanwhile alerts are recorded without waiting for the reader: each
  // commit (a round trip that ends with its receipt) well under a second,
  // while the daemon tries to clear the WAL every second.
  std::chrono::milliseconds slowest{0};
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto r = post_alert(inst.port(), str(inst.seal(alice, sample_alert())));
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_LT(slowest, std::chrono::milliseconds(1000)) << "ingest waited for the reader";
  EXPECT_EQ(inst.metric("casewire_purge_residual_pending"), 1u) << "still held";

  reader.signal(SIGTERM);
  ASSERT_TRUE(reader.wait(std::chrono::seconds(10)));
  ASSERT_TRUE(eventually([&] { return inst.metric("casewire_purge_residual_pending") == 0; }))
      << inst.metrics();
  EXPECT_NE(inst.log().find("event=purge_residual_pending"), std::string::npos) << inst.log();
  EXPECT_NE(inst.log().find("event=purge_residual_cleared"), std::string::npos) << inst.log();
  // What a seizure of the running server now finds: neither the wrapped key
  // nor the sealed record, in the database, its WAL, its shm or the log.
  const std::string seized = seized_files(inst);
  expect_absent(seized, wrapped, "the destroyed case key");
  expect_absent(seized, details, "the sealed record");
  EXPECT_FALSE(file_exists(inst.db_path() + ".purge-residual")) << "the mark is gone with them";
}

}  // namespace
}  // namespace cw::test
