// Durability under fire: SIGKILL the daemon at random moments while 32
// clients send, many times over; after every restart each acknowledged alert
// is there exactly once, with its notification rows, and the file is sound.
//
// A SIGKILL leaves the page cache intact, so the kill loop alone proves
// process-crash durability only. The power-cut loop runs the same load over a
// VFS that keeps unsynced writes in the daemon's memory
// (daemon/store/power_loss_vfs.h): each kill then drops (or tears) everything
// not yet fsync'd. Two negative controls prove the power-cut harness can
// fail: acknowledging before COMMIT, and synchronous=OFF. An I/O-fault VFS
// shows that a failed write or fsync never produces a receipt and that the
// store recovers when the fault clears.
//
// Fault tests need the fault-injection build: deploy/test.sh's sanitizer pass
// (where they FAIL, not skip, if the hooks are missing) and
// tests/stress/power_loss.sh.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "daemon/keyring.h"
#include "protocol/file_io.h"
#include "protocol/receipt.h"
#include "tests/support/db_reader.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/raw_client.h"

namespace cw::test {
namespace {

using namespace std::chrono_literals;

bool fault_build() {
  return run({bin("casewired"), "--version"}).out.find("FAULT-INJECTION") != std::string::npos;
}

// In a build configured with fault injection these tests are meant to run:
// a daemon without the hooks there is a failure, not a reason to skip.
#ifdef CASEWIRE_EXPECT_FAULT_BUILD
#define REQUIRE_FAULT_BUILD() \
  ASSERT_TRUE(fault_build()) << "this build enables fault injection but casewired lacks it"
#else
#define REQUIRE_FAULT_BUILD()                                                        \
  if (!fault_build())                                                                \
  GTEST_SKIP() << "needs the fault-injection build (deploy/test.sh sanitizer pass, " \
                  "tests/stress/power_loss.sh)"
#endif

int env_int(const char* name, int def) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : def;
}

using Db = DbReader;

// Concurrent senders on keep-alive TLS connections; remembers every alert
// the daemon acknowledged (201 or 200) with its receipt.
class Load {
 public:
  Load(Instance& inst, const Contact& c, int clients) {
    for (int i = 0; i < clients; ++i)
      threads_.emplace_back([this, &inst, &c] {
        std::unique_ptr<RawClient> conn;
        while (!stop_) {
          if (!conn) {
            conn = RawClient::connect(inst.port(), true, 2s);
            if (!conn->handshake_ok()) {
              conn.reset();
              std::this_thread::sleep_for(20ms);
              continue;
            }
          }
          auto id = random_alert_id();
          auto env = inst.seal(c, sample_alert(), id, unix_now());
          if (!conn->send(http_request("POST", "/v1/alerts", std::string(as_chars(env))))) {
            conn.reset();
            continue;
          }
          auto r = conn->read_reply();
          if (!r) {
            conn.reset();
            continue;
          }
          if (r->status == 201 || r->status == 200) {
            std::lock_guard lock(mu_);
            acked_[id] = r->body;
          }
        }
      });
  }
  std::map<AlertId, std::string> finish() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    return acked_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<AlertId, std::string> acked_;
  std::vector<std::thread> threads_;
};

struct LoopResult {
  int rounds = 0;  // kills done (fewer than asked when stopped at a failure)
  std::size_t acked = 0, lost = 0, duplicated = 0, rows = 0;
  std::size_t sql_errors = 0;    // a failed query is a failure, never "present"
  std::size_t bad_receipts = 0;  // every acknowledgement must be a receipt that verifies
  std::size_t kills_in_batch = 0, kills_in_commit = 0;  // where the kills landed (fault builds)
  bool consistent = true, integrity_ok = true;
  std::string first_failure;  // "" while every check holds
  std::string sql_error;      // the first query error

  bool damaged() const { return lost || duplicated || sql_errors || !consistent || !integrity_ok; }
};

struct LoopOptions {
  int kills = 50;
  bool stop_at_first_failure = false;
  // Check the files as the cut left them, before the daemon restarts (the
  // test's reader recovers the WAL): what a power cut leaves is what counts.
  bool check_before_restart = false;
};

// The crash loop: `kills` times, load for a random while, SIGKILL, check,
// restart. Returns what it saw; the caller decides what must hold.
LoopResult crash_loop(Instance& inst, const Contact& alice, const LoopOptions& opt) {
  auto keys = daemon::Keyring::load(inst.keys_dir(), PassphraseSource{"", true});
  EXPECT_TRUE(keys.ok());
  const std::string phase_file = inst.dir() + "/writer-phase";
  std::mt19937 rng(std::random_device{}());
  std::map<AlertId, std::string> acked;
  LoopResult res;
  auto check = [&] {
    Db db(inst.db_path());
    res.lost = res.duplicated = res.sql_errors = 0;
    for (const auto& [id, body] : acked) {
      auto tag = keys->alert_tag(id);
      auto n = db.scalar("SELECT count(*) FROM alerts WHERE alert_tag = ?", tag);
      if (n < 0 && ++res.sql_errors == 1)
        res.sql_error = db.last_error();
      else if (n == 0)
        ++res.lost;
      else if (n > 1)
        ++res.duplicated;
    }
    res.acked = acked.size();
    res.rows = static_cast<std::size_t>(
        std::max<std::int64_t>(0, db.scalar("SELECT count(*) FROM alerts")));
    // Transactional outbox: every recorded new case has its case, its
    // notification and its delivery row (one subscribed organisation).
    const auto alerts = db.scalar("SELECT count(*) FROM alerts WHERE kind = 'new_case'");
    res.consistent =
        alerts >= 0 && alerts == db.scalar("SELECT count(*) FROM cases") &&
        alerts == db.scalar("SELECT count(*) FROM notifications WHERE event = 'new_case'") &&
        alerts == db.scalar("SELECT count(*) FROM deliveries");
    res.integrity_ok = db.text("PRAGMA integrity_check") == "ok";
  };
  for (int k = 0; k < opt.kills; ++k) {
    Load load(inst, alice, 32);
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 250));
    inst.kill9();
    res.rounds = k + 1;
    if (auto phase = read_file(phase_file); phase && phase->size() == 1) {
      if ((*phase)[0] == 1) ++res.kills_in_batch;
      if ((*phase)[0] == 2) ++res.kills_in_commit;
    }
    for (auto& [id, body] : load.finish()) {
      // An acknowledgement counts only as a verified receipt for this alert.
      auto r = receipt_from_json(body);
      if (!r || !verify_receipt(*r, inst.invite().daemon_sign).ok() || r->alert_id != id)
        ++res.bad_receipts;
      acked.emplace(id, body);
    }
    // Records the first failure; true when the loop should end here.
    auto failed = [&] {
      if (!res.damaged() && !res.bad_receipts) return false;
      std::ostringstream why;
      why << "after kill " << k + 1 << ": lost " << res.lost << " duplicated " << res.duplicated
          << " sql errors " << res.sql_errors << " unverifiable receipts " << res.bad_receipts
          << " (" << res.sql_error << ") consistent " << res.consistent << " integrity "
          << res.integrity_ok;
      if (res.first_failure.empty()) res.first_failure = why.str();
      return opt.stop_at_first_failure;
    };
    if (opt.check_before_restart) {
      check();
      // A destroyed file may keep the daemon from starting: stop before that.
      if (failed()) return res;
    }
    inst.start();
    if (!opt.check_before_restart) {
      check();
      if (failed()) return res;
    }
  }
  return res;
}

// Everything a sound loop must show.
void expect_sound(const LoopResult& r, int kills) {
  EXPECT_EQ(r.first_failure, "");
  EXPECT_GE(r.acked, static_cast<std::size_t>(kills))
      << "too little load to prove anything: fewer receipts than kills";
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.duplicated, 0u);
  EXPECT_EQ(r.sql_errors, 0u);
  EXPECT_EQ(r.bad_receipts, 0u);
  EXPECT_TRUE(r.consistent);
  EXPECT_TRUE(r.integrity_ok);
  EXPECT_GE(r.rows, r.acked) << "rows the daemon recorded but could not acknowledge are fine";
}

TEST(Durability, CrashLoopLosesNoAcknowledgedAlert) {
  const int kills = env_int("CASEWIRE_CRASH_KILLS", 50);
  Instance inst;
  auto alice = inst.add_contact("alice", 1000000);
  inst.add_org("ngo", OrgOptions{});
  inst.set_env("CASEWIRE_FAULT_PHASE_FILE", inst.dir() + "/writer-phase");
  inst.start();
  auto r = crash_loop(inst, alice, LoopOptions{.kills = kills});
  expect_sound(r, kills);
  if (fault_build()) {
    // Only a kill inside a transaction or its COMMIT tests atomicity.
    EXPECT_GT(r.kills_in_batch + r.kills_in_commit, 0u)
        << "no kill landed between the first write and the commit";
  }
  std::cout << "[ crash loop ] kills=" << kills << " acknowledged=" << r.acked << " rows=" << r.rows
            << " kills in a batch=" << r.kills_in_batch << " in COMMIT=" << r.kills_in_commit
            << "\n";
}

// An instance under load-test conditions whose store runs over the power-cut
// VFS (a quarter of unsynced writes leak early, some torn).
Contact power_cut_instance(Instance& inst) {
  auto alice = inst.add_contact("alice", 1000000);
  inst.add_org("ngo", OrgOptions{});
  inst.set_env("CASEWIRE_POWER_LOSS_VFS", "25");
  return alice;
}

// synchronous=OFF from the first start would never make even the schema
// durable, and the control would be caught for that alone: create the schema
// with a sound daemon and stop it cleanly, then weaken it.
void weaken_after_schema(Instance& inst) {
  inst.start();
  inst.stop();
  inst.set_env("CASEWIRE_FAULT_SYNCHRONOUS_OFF", "1");
}

// The power-cut loop. CASEWIRE_POWER_CUTS sets the rounds (deploy/test.sh:
// the default; tests/stress/power_loss.sh: more), and
// CASEWIRE_POWER_LOSS_NEGATIVE_CONTROL=1 weakens the daemon (synchronous=OFF)
// so this very test must fail: that is power_loss.sh --negative-control.
TEST(Durability, PowerCutsLoseNoReceiptedAlert) {
  REQUIRE_FAULT_BUILD();
  const int cuts = env_int("CASEWIRE_POWER_CUTS", 15);
  Instance inst;
  auto alice = power_cut_instance(inst);
  inst.set_env("CASEWIRE_FAULT_PHASE_FILE", inst.dir() + "/writer-phase");
  if (env_int("CASEWIRE_POWER_LOSS_NEGATIVE_CONTROL", 0) == 1) weaken_after_schema(inst);
  inst.start();
  // A damaged file may not even let the daemon start: report the first failure.
  auto r = crash_loop(
      inst, alice,
      LoopOptions{.kills = cuts, .stop_at_first_failure = true, .check_before_restart = true});
  // An alert in a file SQLite calls malformed is as lost as a missing one.
  std::cout << "[ power loss ] " << r.rounds << " rounds, " << r.acked << " receipted, "
            << r.lost + r.sql_errors << " lost";
  if (r.sql_errors) std::cout << " (" << r.sql_errors << " unreadable: " << r.sql_error << ")";
  std::cout << "; cuts in a batch " << r.kills_in_batch << ", in COMMIT " << r.kills_in_commit
            << "\n";
  expect_sound(r, cuts);
  EXPECT_GT(r.kills_in_batch + r.kills_in_commit, 0u)
      << "no cut landed between the first write and the commit";
}

// The power-cut harness must catch a daemon that does not fsync...
TEST(Durability, NegativeControlSynchronousOffIsCaughtByPowerCuts) {
  REQUIRE_FAULT_BUILD();
  Instance inst;
  auto alice = power_cut_instance(inst);
  weaken_after_schema(inst);
  inst.start();
  auto r = crash_loop(
      inst, alice,
      LoopOptions{.kills = 30, .stop_at_first_failure = true, .check_before_restart = true});
  EXPECT_TRUE(r.damaged()) << "synchronous=OFF must lose receipted alerts at a power cut";
  std::cout << "[ negative control: synchronous=OFF ] receipted=" << r.acked << " lost=" << r.lost
            << " " << r.first_failure << "\n";
}

// ...and one that acknowledges before its COMMIT is durable. The window is
// the commit's own fsync; with the VFS's default 2 ms fsync a kill landed in
// it too rarely to count on (CI once saw 397 receipts and no loss in 40
// cuts), so this control runs on a slow disk, a 30 ms fsync as on an SD
// card or a busy virtual disk: a real daemon with this bug on such a disk
// would lose alerts the same way, and the harness must see it.
TEST(Durability, NegativeControlAcknowledgingBeforeCommitIsCaught) {
  REQUIRE_FAULT_BUILD();
  Instance inst;
  auto alice = power_cut_instance(inst);
  inst.set_env("CASEWIRE_POWER_LOSS_VFS", "25:30000");
  inst.set_env("CASEWIRE_FAULT_ACK_BEFORE_COMMIT", "1");
  inst.start();
  auto r = crash_loop(
      inst, alice,
      LoopOptions{.kills = 40, .stop_at_first_failure = true, .check_before_restart = true});
  EXPECT_GT(r.lost, 0u) << "the harness must detect alerts acknowledged before they were durable";
  std::cout << "[ negative control: ack before commit ] acknowledged=" << r.acked
            << " lost=" << r.lost << "\n";
}

class StoreFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(StoreFaults, NoReceiptForAFaultedCommitAndRecoveryWhenItClears) {
  REQUIRE_FAULT_BUILD();
  Instance inst;
  auto alice = inst.add_contact("alice", 1000000);
  const std::string clear = inst.dir() + "/fault-clear";
  ASSERT_TRUE(write_file_atomic(clear, as_bytes("x"), 0600, Overwrite::yes).ok());
  inst.set_env("CASEWIRE_FAULT_VFS", GetParam());
  inst.set_env("CASEWIRE_FAULT_CLEAR_FILE", clear);
  inst.start();
  auto keys = daemon::Keyring::load(inst.keys_dir(), PassphraseSource{"", true});
  auto post = [&](const AlertId& id) {
    auto r = post_alert(inst.port(),
                        std::string(as_chars(inst.seal(alice, sample_alert(), id, unix_now()))));
    return r ? r->status : 0;
  };
  std::vector<AlertId> acked, refused;
  for (int i = 0; i < 3; ++i) {
    auto id = random_alert_id();
    ASSERT_EQ(post(id), 201);
    acked.push_back(id);
  }
  ::unlink(clear.c_str());  // arm the fault
  const bool once = std::string(GetParam()).find(":once") != std::string::npos;
  for (int i = 0; i < 3; ++i) {
    auto id = random_alert_id();
    auto st = post(id);
    // The commit that hit the fault is never acknowledged. A one-off fault
    // lets the store recover for the next batch; a persistent one does not.
    EXPECT_TRUE(st == 503 || (once && st == 201)) << "status " << st;
    if (st == 503) refused.push_back(id);
    if (st == 201) acked.push_back(id);
  }
  if (!once) {
    EXPECT_EQ(refused.size(), 3u);
  }
  EXPECT_FALSE(refused.empty());
  EXPECT_NE(inst.log().find("event=store_commit_failed"), std::string::npos);
  EXPECT_TRUE(inst.running()) << "the daemon refuses, it does not crash";
  if (!once) {
    auto health = admin_get(inst.admin_port(), "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 503) << "a store refusing writes is not healthy";
    EXPECT_EQ(inst.metric("casewire_store_healthy"), 0u) << "the alerting rules' signal";
  }
  ASSERT_TRUE(write_file_atomic(clear, as_bytes("x"), 0600, Overwrite::yes).ok());  // fault clears
  int status = 0;
  for (int i = 0; i < 50 && status != 201; ++i) {
    std::this_thread::sleep_for(100ms);
    auto id = random_alert_id();
    status = post(id);
    if (status == 201) acked.push_back(id);
  }
  EXPECT_EQ(status, 201) << "the store must recover once the fault clears";
  // A refused alert, resent, is recorded now (once).
  for (const auto& id : refused) EXPECT_TRUE(post(id) == 201 || post(id) == 200);
  inst.stop();
  Db db(inst.db_path());
  EXPECT_EQ(db.text("PRAGMA integrity_check"), "ok");
  for (const auto& id : acked)
    EXPECT_EQ(db.scalar("SELECT count(*) FROM alerts WHERE alert_tag = ?", keys->alert_tag(id)), 1);
}

INSTANTIATE_TEST_SUITE_P(Faults, StoreFaults,
                         ::testing::Values("sync:0:once", "sync:0:persistent", "write:0:persistent",
                                           "write:0:enospc"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (auto& c : n)
                             if (c == ':') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace cw::test
