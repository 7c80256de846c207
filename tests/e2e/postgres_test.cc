// Several daemons on PostgreSQL (docs/OPERATIONS.md, "Several daemons on
// PostgreSQL"), end to end with real daemons, a real PostgreSQL 15 and a real
// webhook receiver:
//  - the quickstart's flow on a postgresql:// database;
//  - two daemons on one database, alerts to both at once, one SIGKILLed while
//    it holds deliveries: every receipted alert is there once, the same alert
//    at the other daemon gets the byte-identical receipt, and every
//    notification reaches the receiver (each delivery id at least once);
//  - the failover drill: a primary with a synchronous standby, the primary
//    SIGKILLed during ingest, the standby promoted, the daemons reconnect:
//    nothing receipted is lost.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <thread>

#include "protocol/alert.h"
#include "protocol/file_io.h"
#include "protocol/signed_request.h"
#include "tests/support/eventually.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/postgres.h"
#include "tests/support/raw_client.h"
#include "tests/support/temp_dir.h"

namespace cw::test {
namespace {

namespace json = boost::json;

// Quick retries and a short webhook timeout, so a dead daemon's claimed
// deliveries (lease: twice the timeout and 5 s) come back within the test.
const char* const kDelivery =
    "[delivery]\nwebhook_timeout_ms = 1000\npoll_interval_ms = 100\n"
    "retry_schedule_ms = [200, 400, 800]\n";

// A second casewired: the same keys, trust store and configuration as
// `inst` (what an operator copies to the second machine), its own ports,
// on database `db`.
struct Peer {
  Peer(const Instance& inst, const std::string& db, const std::string& name,
       const std::map<std::string, std::string>& env = {}) {
    auto l = launch_casewired({"--config", inst.config_path(), "--db", db, "--listen",
                               "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"},
                              inst.dir() + "/" + name, env);
    proc = std::move(l.proc);
    port = l.port;
    admin_port = l.admin_port;
  }
  // A counter or gauge from its /metrics (0 if absent).
  std::uint64_t metric(const std::string& name) const {
    auto r = admin_get(admin_port, "/metrics");
    if (!r) return 0;
    auto at = r->body.find("\n" + name + " ");
    return at == std::string::npos ? 0 : std::stoull(r->body.substr(at + name.size() + 2));
  }
  ~Peer() {
    if (proc && proc->running()) {
      proc->signal(SIGTERM);
      proc->wait(std::chrono::seconds(20));
    }
  }
  std::unique_ptr<Process> proc;
  std::uint16_t port = 0, admin_port = 0;
};

// An alert to send, and what became of it.
struct Sent {
  std::string envelope;
  std::string receipt;  // empty until a daemon answered 200
  std::string answer;   // otherwise, what it said
};

std::string str(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

std::string pg_value(const PgServer& s, const std::string& db, const std::string& sql) {
  return s.query(sql, db);
}

std::string database_of(const std::string& uri) {
  const auto start = uri.find(":///") + 4;
  return uri.substr(start, uri.find('?') - start);
}

std::string all_logs(const Instance& inst, const std::vector<std::string>& names) {
  std::string out = inst.log();
  for (const auto& n : names) out += read_text(inst.dir() + "/" + n + ".err");
  return out;
}

TEST(Postgres, TheQuickstartFlowRunsOnAPostgresqlDatabase) {
  const std::string uri = fresh_pg_database("quickstart");
  Instance inst("", kDelivery);
  inst.daemon_args = {"--db", uri};
  Receiver hook(inst.dir(), "ngo", "");
  hook.start();
  Contact alice = inst.add_contact("alice");
  Org ngo = inst.add_org("ngo", OrgOptions{.webhook_url = hook.url()});
  hook.set_secret(ngo.webhook_secret);
  inst.start();

  auto sent = inst.client(alice, {"--json", "send", "--people", "3", "--arrest-place", "CN-JL",
                                  "--urgency", "immediate", "--consent", "advocacy"});
  ASSERT_EQ(sent.status, 0) << sent.err << inst.log();
  EXPECT_NE(sent.out.find("log_include_by"), std::string::npos) << sent.out;
  // The organisation hears of it: the webhook, signed, anonymised.
  ASSERT_TRUE(eventually([&] { return !hook.lines().empty(); }, std::chrono::seconds(20)))
      << inst.log();
  const auto line = hook.lines().front();
  EXPECT_NE(line.find("\"hmac_ok\": true"), std::string::npos) << line;
  // ...and on its feed, and both sides can check the case log.
  auto feed = inst.client(ngo, {"--json", "feed", "--pull", "--from-start"});
  EXPECT_EQ(feed.status, 0) << feed.err;
  EXPECT_NE(feed.out.find("CN-JL"), std::string::npos) << feed.out;
  ASSERT_TRUE(inst.wait_for_log());
  auto check = inst.client(alice, {"verify-log"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("(1 checked)"), std::string::npos) << check.out;
  auto org_check = inst.client(ngo, {"verify-log"});
  EXPECT_EQ(org_check.status, 0) << org_check.out << org_check.err;
  EXPECT_EQ(pg_value(shared_pg(), database_of(uri), "SELECT count(*) FROM alerts"), "1");
  // The operator's check reads the same database.
  auto check_config =
      run({bin("casewired"), "--config", inst.config_path(), "--db", uri, "--check-config"});
  EXPECT_EQ(check_config.status, 0) << check_config.err;
}

TEST(Postgres, TwoDaemonsShareOneDatabaseAndSurviveOneBeingKilledMidDelivery) {
  const std::string uri = fresh_pg_database("two_daemons");
  const auto db = database_of(uri);
  Instance inst("", kDelivery);
  inst.daemon_args = {"--db", uri};
  Receiver hook(inst.dir(), "ngo", "");
  hook.start();
  Contact alice = inst.add_contact("alice", 100000);
  Org ngo = inst.add_org("ngo", OrgOptions{.webhook_url = hook.url()});
  hook.set_secret(ngo.webhook_secret);
  inst.start();
  Peer b(inst, uri, "daemon-b");
  ASSERT_NE(b.port, 0);
  // Slow answers: each daemon has deliveries in flight when one dies.
  hook.answer(200, std::chrono::milliseconds(300));

  std::vector<Sent> to_a(20), to_b(20);
  auto send_all = [&](std::vector<Sent>& list, std::uint16_t port) {
    for (auto& s : list) {
      s.envelope = str(inst.seal(alice, sample_alert()));
      auto r = post_alert(port, s.envelope);
      if (r && (r->status == 200 || r->status == 201))
        s.receipt = receipt_of(r->body);
      else
        s.receipt.clear(), s.answer = r ? std::to_string(r->status) + " " + r->body : "no answer";
    }
  };
  std::thread ta([&] { send_all(to_a, inst.port()); });
  std::thread tb([&] { send_all(to_b, b.port); });
  ta.join();
  tb.join();
  for (const auto& s : to_a) ASSERT_FALSE(s.receipt.empty()) << s.answer;
  for (const auto& s : to_b) ASSERT_FALSE(s.receipt.empty()) << s.answer;

  // Daemon A dies holding claimed deliveries (the receiver holds each 300 ms).
  ASSERT_TRUE(eventually([&] { return hook.lines().size() >= 4; }, std::chrono::seconds(20)));
  inst.kill9();
  hook.answer(200);
  // What makes this the case under test: a second after A died, B has
  // finished its own attempts, and rows A claimed are still leased to it.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto orphaned =
      pg_value(shared_pg(), db,
               "SELECT count(*) FROM deliveries WHERE state = 'pending' AND next_attempt_at > "
               "(extract(epoch from clock_timestamp()) * 1000)::bigint + 2000");
  EXPECT_NE(orphaned, "0") << "A held no deliveries when it died";

  // A contact whose invite names both daemons (casewire-keys invite --url A
  // --url B) is not stopped by A's death: the client tries B.
  const std::string both = inst.dir() + "/invite-both.json";
  auto inv = run({bin("casewire-keys"), "invite", "--dir", inst.keys_dir(), "--url", inst.url(),
                  "--url", "https://127.0.0.1:" + std::to_string(b.port), "--out", both});
  ASSERT_EQ(inv.status, 0) << inv.err;
  auto init = run({bin("casewire"), "--home", alice.home, "init", "--force",
                   "--insecure-no-passphrase", "--invite", both, "--key", alice.key_path});
  ASSERT_EQ(init.status, 0) << init.err;
  auto via_b = inst.client(alice, {"send", "--people", "1", "--arrest-place", "CN-JL", "--urgency",
                                   "high", "--consent", "advocacy"});
  EXPECT_EQ(via_b.status, 0) << via_b.out << via_b.err;

  // B goes on: new alerts, and the same alerts A receipted get A's receipt.
  std::vector<Sent> more(10);
  send_all(more, b.port);
  for (const auto& s : more) EXPECT_FALSE(s.receipt.empty());
  for (std::size_t i = 0; i < to_a.size(); i += 4) {
    auto again = post_alert(b.port, to_a[i].envelope);
    ASSERT_TRUE(again && again->status == 200) << (again ? again->body : "no answer");
    EXPECT_EQ(receipt_of(again->body), to_a[i].receipt)
        << "a repeat at another daemon must get the stored receipt, byte for byte";
  }

  // Every receipted alert is there once; every notification reaches the
  // receiver - A's claims too, once their lease ran out.
  EXPECT_EQ(pg_value(shared_pg(), db, "SELECT count(*) FROM alerts"), "51");
  EXPECT_TRUE(eventually(
      [&] {
        return pg_value(shared_pg(), db,
                        "SELECT count(*) FROM deliveries WHERE state <> 'delivered'") == "0";
      },
      std::chrono::seconds(60)))
      << pg_value(shared_pg(), db, "SELECT state, count(*) FROM deliveries GROUP BY state");
  std::set<std::string> ids;
  for (const auto& line : hook.lines()) {
    auto o = json::parse(line).as_object();
    EXPECT_TRUE(o.at("hmac_ok").as_bool());
    ids.insert(std::string(o.at("id").as_string()));
  }
  const auto expected = pg_value(
      shared_pg(), db, "SELECT string_agg('msg_' || seq, ',' ORDER BY seq) FROM deliveries");
  std::set<std::string> want;
  for (std::size_t at = 0, next; at < expected.size(); at = next + 1) {
    next = expected.find(',', at);
    if (next == std::string::npos) next = expected.size();
    want.insert(expected.substr(at, next - at));
  }
  EXPECT_EQ(want.size(), 51u);
  EXPECT_EQ(ids, want) << "each delivery id reaches the receiver (at least once)";
  // Names, phone numbers, notes and exact places: sealed in the database,
  // absent from every log line and every webhook.
  const auto dump = shared_pg().dump(db);
  ASSERT_NE(dump.find("case_details"), std::string::npos);
  for (const char* canary : kAllCanaries) {
    EXPECT_EQ(dump.find(canary), std::string::npos) << canary;
    EXPECT_EQ(all_logs(inst, {"daemon-b"}).find(canary), std::string::npos) << canary;
    for (const auto& line : hook.lines()) EXPECT_EQ(line.find(canary), std::string::npos);
  }
}

// LISTEN/NOTIFY: an organisation streaming its feed from daemon B hears of an
// alert that arrived at daemon A at once - not at B's next heartbeat (set to
// a minute here, so only the notification can wake B's stream in time).
TEST(Postgres, AFeedStreamingFromOneDaemonHearsOfAnAlertSentToTheOther) {
  const std::string uri = fresh_pg_database("listen");
  Instance inst("", std::string(kDelivery) + "feed_heartbeat_ms = 60000\n");
  inst.daemon_args = {"--db", uri};
  Contact alice = inst.add_contact("alice");
  Org ngo = inst.add_org("ngo", OrgOptions{});
  inst.start();
  Peer b(inst, uri, "daemon-b");
  ASSERT_NE(b.port, 0);
  // The organisation's client talks to B only.
  const std::string only_b = inst.dir() + "/invite-b.json";
  ASSERT_EQ(run({bin("casewire-keys"), "invite", "--dir", inst.keys_dir(), "--url",
                 "https://127.0.0.1:" + std::to_string(b.port), "--out", only_b})
                .status,
            0);
  ASSERT_EQ(run({bin("casewire"), "--home", ngo.home, "init", "--force", "--insecure-no-passphrase",
                 "--invite", only_b, "--key", ngo.key_path})
                .status,
            0);
  Process live({bin("casewire"), "--home", ngo.home, "--json", "feed", "--count", "1"},
               inst.dir() + "/live");
  ASSERT_TRUE(eventually([&] { return b.metric("casewire_feed_streams") >= 1; }))
      << "the reader never connected to B: " << live.err();
  auto sent = post_alert(inst.port(), str(inst.seal(alice, sample_alert())));
  ASSERT_TRUE(sent && sent->status == 201);
  ASSERT_TRUE(live.wait(std::chrono::seconds(10)).has_value())
      << "B's stream did not hear of A's alert (LISTEN/NOTIFY)";
  EXPECT_NE(live.out().find("CN-JL"), std::string::npos) << live.out();
}

// Nonces are shared through the database: a signed request (here an
// organisation's ack, which a replay could turn into a false "acting" after
// the organisation stood down) used at daemon A is refused at daemon B, where
// B's own nonce cache has never seen it. The daemons share the key a request
// is signed for, so without this B would take it.
TEST(Postgres, ASignedRequestUsedAtOneDaemonCannotBeReplayedAtTheOther) {
  const std::string uri = fresh_pg_database("nonces");
  Instance inst("", kDelivery);
  inst.daemon_args = {"--db", uri};
  Contact alice = inst.add_contact("alice");
  Org ngo = inst.add_org("ngo", OrgOptions{});
  inst.start();
  Peer b(inst, uri, "daemon-b");
  ASSERT_NE(b.port, 0);
  auto sent = post_alert(inst.port(), str(inst.seal(alice, sample_alert())));
  ASSERT_TRUE(sent && sent->status == 201);
  auto call = [](std::uint16_t port, const std::string& target, const std::string& auth) {
    auto c = RawClient::connect(port, true);
    c->send("POST " + target +
            " HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nAuthorization: " + auth + "\r\n\r\n");
    return c->read_reply();
  };
  const std::string target = "/v1/notifications/1/ack";
  const auto auth = sign_request(ngo.identity->sign, inst.invite().daemon_sign.id(), "POST", target,
                                 "", unix_now());
  auto at_a = call(inst.port(), target, auth);
  ASSERT_TRUE(at_a);
  EXPECT_EQ(at_a->status, 200) << at_a->body;
  auto at_b = call(b.port, target, auth);
  ASSERT_TRUE(at_b);
  EXPECT_NE(at_b->status, 200);
  EXPECT_NE(at_b->body.find("replayed_request"), std::string::npos) << at_b->body;
  // B itself is not refusing: a request signed afresh is heard there.
  const auto fresh = sign_request(ngo.identity->sign, inst.invite().daemon_sign.id(), "POST",
                                  target, "", unix_now());
  auto again = call(b.port, target, fresh);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
  // What the database keeps of it: keyed tags, not the organisation's key id.
  const auto dump = shared_pg().dump(database_of(uri));
  EXPECT_NE(dump.find("request_nonces"), std::string::npos);
  EXPECT_EQ(dump.find(key_id_hex(ngo.id)), std::string::npos);
  EXPECT_EQ(pg_value(shared_pg(), database_of(uri),
                     "SELECT count(*) FROM request_nonces WHERE expires_at % 3600 <> 0"),
            "0")
      << "a nonce's row dates its request no finer than the hour";
}

// Nonces are kept and cleared by the database's clock. One daemon's clock
// an hour and more fast (libfaketime) must not clear a tag the others still
// need: a request used at A stays a replay at C after the fast daemon F
// served a request of its own.
TEST(Postgres, ADaemonWhoseClockRunsFastDoesNotMakeARequestReplayableElsewhere) {
  const std::string uri = fresh_pg_database("nonce_clock");
  Instance inst("", kDelivery);
  inst.daemon_args = {"--db", uri};
  Contact alice = inst.add_contact("alice");
  Org ngo = inst.add_org("ngo", OrgOptions{});
  inst.start();
  const std::string faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  ASSERT_TRUE(file_exists(faketime)) << "deploy/install-deps.sh installs faketime";
  const std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  Peer fast(inst, uri, "daemon-fast",
            {{"LD_PRELOAD", faketime},
             {"FAKETIME", "+2h"},
             {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
             {"ASAN_OPTIONS", asan + (asan.empty() ? "" : ":") + "verify_asan_link_order=0"}});
  Peer c(inst, uri, "daemon-c");
  ASSERT_NE(fast.port, 0);
  ASSERT_NE(c.port, 0);
  auto sent = post_alert(inst.port(), str(inst.seal(alice, sample_alert())));
  ASSERT_TRUE(sent && sent->status == 201);
  auto call = [](std::uint16_t port, const char* method, const std::string& target,
                 const std::string& auth) {
    auto cl = RawClient::connect(port, true);
    cl->send(std::string(method) + " " + target +
             " HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nAuthorization: " + auth + "\r\n\r\n");
    return cl->read_reply();
  };
  const KeyId daemon_id = inst.invite().daemon_sign.id();
  const std::string ack = "/v1/notifications/1/ack";
  const auto captured = sign_request(ngo.identity->sign, daemon_id, "POST", ack, "", unix_now());
  auto at_a = call(inst.port(), "POST", ack, captured);
  ASSERT_TRUE(at_a);
  ASSERT_EQ(at_a->status, 200) << at_a->body;
  // The fast daemon serves a request signed by its clock (two hours ahead).
  const auto at_its_time = sign_request(ngo.identity->sign, daemon_id, "GET", "/v1/log/tree-head",
                                        "", unix_now() + 7200);
  auto at_fast = call(fast.port, "GET", "/v1/log/tree-head", at_its_time);
  ASSERT_TRUE(at_fast);
  ASSERT_EQ(at_fast->status, 200) << "the fast daemon accepts a request of its time: "
                                  << at_fast->body;
  auto replayed = call(c.port, "POST", ack, captured);
  ASSERT_TRUE(replayed);
  EXPECT_NE(replayed->status, 200) << "replayed at a third daemon: " << replayed->body;
  EXPECT_NE(replayed->body.find("replayed_request"), std::string::npos) << replayed->body;
}

// The drill of docs/OPERATIONS.md, on one machine: a primary and a
// synchronous standby (two servers, two ports), two daemons whose URI names
// both, alerts arriving at both daemons all the time; the primary is killed
// outright and the standby promoted. Contacts retry what was not receipted
// (as the client does); afterwards every alert that was ever receipted is in
// the promoted database, once, and a repeat at either daemon gets the
// byte-identical receipt.
TEST(Postgres, FailoverDrillLosesNoReceiptedAlert) {
  TempDir d;
  auto primary = PgServer::start(d / "primary");
  primary->create_database("casewire");
  auto standby = PgServer::start_standby(*primary, d / "standby", "standby1");
  // Synchronous from here on: a commit returns once the standby has it.
  ASSERT_TRUE(primary->sql("ALTER SYSTEM SET synchronous_standby_names = 'standby1'"));
  ASSERT_TRUE(primary->sql("SELECT pg_reload_conf()"));
  ASSERT_TRUE(eventually([&] {
    return primary->query("SELECT sync_state FROM pg_stat_replication") == "sync";
  })) << "the standby never became synchronous";
  const std::string uri = "postgresql:///casewire?host=" + primary->socket_dir() + "," +
                          standby->socket_dir() + "&port=" + std::to_string(primary->port()) + "," +
                          std::to_string(standby->port()) +
                          "&user=postgres&target_session_attrs=read-write&connect_timeout=2";

  Instance inst("", kDelivery);
  inst.daemon_args = {"--db", uri};
  Contact alice = inst.add_contact("alice", 100000);
  inst.add_org("ngo", OrgOptions{});
  inst.start();
  Peer b(inst, uri, "daemon-b");
  ASSERT_NE(b.port, 0);

  std::atomic<bool> stop{false}, killed{false};
  std::atomic<int> receipted{0}, after_kill{0}, refused{0};
  std::mutex mu;
  std::vector<Sent> sent;
  auto ingest = [&](std::uint16_t port) {
    while (!stop) {
      Sent s;
      s.envelope = str(inst.seal(alice, sample_alert()));
      // Retried until receipted, as the client's outbox does.
      for (int tries = 0; s.receipt.empty() && tries < 600; ++tries) {
        auto r = post_alert(port, s.envelope);
        if (r && (r->status == 200 || r->status == 201)) {
          s.receipt = receipt_of(r->body);
        } else {
          ++refused;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
      if (!s.receipt.empty()) {
        ++receipted;
        if (killed) ++after_kill;
      }
      std::lock_guard lock(mu);
      sent.push_back(std::move(s));
    }
  };
  std::thread ta([&] { ingest(inst.port()); });
  std::thread tb([&] { ingest(b.port); });
  ASSERT_TRUE(eventually([&] { return receipted >= 20; }));
  primary->kill9();  // during ingest: batches are committing on both daemons
  killed = true;
  ASSERT_TRUE(standby->promote());
  const bool recovered = eventually([&] { return after_kill >= 20; }, std::chrono::seconds(60));
  stop = true;
  ta.join();
  tb.join();
  ASSERT_TRUE(recovered) << "the daemons did not come back after the failover\n" << inst.log();

  // Every alert was receipted in the end, and each receipted alert is in the
  // promoted database once: a repeat, at either daemon, is answered with the
  // stored receipt byte for byte and adds nothing.
  for (const auto& s : sent) ASSERT_FALSE(s.receipt.empty());
  EXPECT_EQ(standby->query("SELECT count(*) FROM alerts", "casewire"), std::to_string(sent.size()));
  for (std::size_t i = 0; i < sent.size(); ++i) {
    auto again = post_alert(i % 2 ? inst.port() : b.port, sent[i].envelope);
    ASSERT_TRUE(again && again->status == 200) << (again ? again->body : "no answer");
    EXPECT_EQ(receipt_of(again->body), sent[i].receipt) << "alert " << i;
  }
  EXPECT_EQ(standby->query("SELECT count(*) FROM alerts", "casewire"), std::to_string(sent.size()));
  // The case log went on from where it was, on both daemons.
  ASSERT_TRUE(inst.wait_for_log());
  auto check = inst.client(alice, {"verify-log"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  std::cout << "failover drill: " << sent.size() << " alerts, " << refused
            << " attempts refused or unanswered during the failover\n";
}

}  // namespace
}  // namespace cw::test
