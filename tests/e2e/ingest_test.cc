// End-to-end: the real casewired binary over real TLS sockets, driven by the
// real casewire client and by a raw client that misbehaves on purpose. Every
// bad input must get its documented code (or a closed connection), record
// nothing, and leave the daemon serving.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <boost/json.hpp>

#include <thread>

#include "protocol/envelope_format.h"
#include "protocol/envelope_testing.h"
#include "protocol/file_io.h"
#include "protocol/receipt.h"
#include "tests/support/eventually.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/raw_client.h"
#include "tests/support/seized.h"

namespace cw::test {
namespace {

std::string error_code_of(const HttpReply& r) {
  std::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().if_contains("error")) return "";
  return std::string(v.as_object().at("error").as_string());
}

std::string str(const Bytes& b) {
  return std::string(as_chars(b));
}

class Ingest : public ::testing::Test {
 protected:
  void SetUp() override {
    inst = std::make_unique<Instance>(limits);
    alice = inst->add_contact("alice");
    inst->start();
  }

  // The daemon still takes a valid alert, and exactly `expected` rows exist.
  void expect_serving_with_rows(std::uint64_t expected) {
    auto r = post_alert(inst->port(), str(inst->seal(alice, sample_alert())));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(inst->count_alerts(), expected + 1);
  }

  void expect_rejected(const Bytes& envelope, int status, const std::string& code) {
    auto before = inst->count_alerts();
    auto r = post_alert(inst->port(), str(envelope));
    ASSERT_TRUE(r) << "no answer for " << code;
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(error_code_of(*r), code) << r->body;
    EXPECT_EQ(inst->count_alerts(), before) << "a rejected alert was recorded";
    expect_serving_with_rows(before);
  }

  std::string limits = "header_timeout_ms = 1500\nbody_timeout_ms = 1500\n";
  std::unique_ptr<Instance> inst;
  Contact alice;
};

TEST_F(Ingest, ClientSendsAndHoldsAVerifiedReceiptAndOneRowExists) {
  auto r = inst->client(alice, {"--json", "send", "--alert",
                                std::string(CASEWIRE_SOURCE_DIR) + "/deploy/examples/alert.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto receipt = receipt_from_json(r.out.substr(0, r.out.find('\n')));
  ASSERT_TRUE(receipt.ok()) << r.out;
  EXPECT_TRUE(verify_receipt(*receipt, inst->invite().daemon_sign).ok());
  EXPECT_EQ(inst->count_alerts(), 1u);
  // --json prints exactly one object and nothing else on stdout.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  auto listed = inst->client(alice, {"outbox", "list"});
  EXPECT_EQ(listed.out, "") << "a receipted alert must leave the outbox";
}

TEST_F(Ingest, FlagsFormSendsTheCommonFields) {
  auto r = inst->client(
      alice, {"send", "--people", "3", "--children", "1", "--arrest-place", "CN-JL", "--held-place",
              "CN-JL-F01", "--urgency", "immediate", "--consent", "private"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("delivered"), std::string::npos);
  EXPECT_EQ(inst->count_alerts(), 1u);
}

TEST_F(Ingest, InvalidAlertIsRefusedLocallyAndNothingIsSent) {
  auto r = inst->client(alice, {"send", "--people", "0", "--arrest-place", "CN-JL", "--urgency",
                                "high", "--consent", "private"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("invalid_alert"), std::string::npos) << r.err;
  EXPECT_EQ(inst->metric("casewire_connections_total"), 0u)
      << "the client must not connect for a bad alert";
}

TEST_F(Ingest, ARepeatGetsTheByteIdenticalReceiptAndStillOneRow) {
  auto env = str(inst->seal(alice, sample_alert()));
  auto first = post_alert(inst->port(), env);
  auto second = post_alert(inst->port(), env);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 201);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(first->body, second->body);
  EXPECT_EQ(inst->count_alerts(), 1u);
}

TEST_F(Ingest, AReceiptSurvivesSigkillAndTheRepeatAfterRestartMatches) {
  auto env = str(inst->seal(alice, sample_alert()));
  auto first = post_alert(inst->port(), env);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201);
  inst->kill9();  // right after the receipt: no clean shutdown
  inst->start();
  EXPECT_EQ(inst->count_alerts(), 1u);
  auto again = post_alert(inst->port(), env);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(receipt_of(again->body), receipt_of(first->body))
      << "the receipt must be byte-identical after a restart";
}

TEST_F(Ingest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto c = RawClient::connect(inst->port(), true);
  ASSERT_TRUE(c->handshake_ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        c->send(http_request("POST", "/v1/alerts", str(inst->seal(alice, sample_alert())))));
    auto r = c->read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
  }
  EXPECT_EQ(inst->count_alerts(), 3u);
}

TEST_F(Ingest, NotTlsIsClosed) {
  auto c = RawClient::connect(inst->port(), false);
  c->send(http_request("POST", "/v1/alerts", "hello"));
  EXPECT_FALSE(c->read_reply()) << "plain HTTP on the TLS port must get no HTTP answer";
  expect_serving_with_rows(0);
  // Not silently dropped either: counted by stage (issue 16).
  EXPECT_GE(inst->metric("casewire_connection_errors_total{stage=\"handshake\"}"), 1u)
      << inst->metrics();
}

TEST_F(Ingest, WrongPinIsRefusedByTheClientAndTheAlertStaysQueued) {
  auto inv = inst->invite();
  inv.tls_pin = "sha256/" + to_base64(Bytes(32, 7));
  auto bad_invite = inst->dir() + "/bad-invite.json";
  ASSERT_TRUE(
      write_file_atomic(bad_invite, as_bytes(invite_to_json(inv)), 0644, Overwrite::yes).ok());
  Contact mallory_view = alice;
  mallory_view.home = inst->dir() + "/home-badpin";
  ASSERT_EQ(inst->client(mallory_view, {"init", "--insecure-no-passphrase", "--invite", bad_invite,
                                        "--key", alice.key_path})
                .status,
            0);
  auto r = inst->client(mallory_view, {"send", "--people", "1", "--arrest-place", "CN-JL",
                                       "--urgency", "high", "--consent", "private"});
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_NE(r.err.find("pin_mismatch"), std::string::npos) << r.err;
  EXPECT_EQ(inst->count_alerts(), 0u);
  auto listed = inst->client(mallory_view, {"outbox", "list"});
  EXPECT_NE(listed.out.find("pin_mismatch"), std::string::npos) << listed.out;
}

TEST_F(Ingest, OversizedBodyIsRefusedWithoutReadingIt) {
  auto c = RawClient::connect(inst->port(), true);
  // Announce a megabyte and send none of it: the answer must come anyway.
  c->send("POST /v1/alerts HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n");
  auto r = c->read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(error_code_of(*r), "body_too_large");
  expect_serving_with_rows(0);
}

TEST_F(Ingest, OversizedHeaderGets431) {
  auto c = RawClient::connect(inst->port(), true);
  c->send("POST /v1/alerts HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(20000, 'a') + "\r\n\r\n");
  auto r = c->read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  expect_serving_with_rows(0);
}

TEST_F(Ingest, TruncatedEnvelope) {
  auto env = inst->seal(alice, sample_alert());
  env.resize(env.size() - 1);
  expect_rejected(env, 400, "truncated");
}

TEST_F(Ingest, TrailingBytes) {
  auto env = inst->seal(alice, sample_alert());
  env.push_back(0);
  expect_rejected(env, 400, "trailing_bytes");
}

TEST_F(Ingest, FlippedByte) {
  auto env = inst->seal(alice, sample_alert());
  env[env.size() / 2] ^= 0x01;
  expect_rejected(env, 400, "decrypt_failed");
}

TEST_F(Ingest, BadMagicAndVersion) {
  auto env = inst->seal(alice, sample_alert());
  auto magic = env;
  magic[0] = 'X';
  expect_rejected(magic, 400, "bad_magic");
  env[4] = 9;
  expect_rejected(env, 400, "unsupported_version");
}

TEST_F(Ingest, WrongRecipient) {
  auto env = inst->seal(alice, sample_alert());
  env[6] ^= 0xff;
  expect_rejected(env, 400, "wrong_recipient");
}

TEST_F(Ingest, ResealedForAnotherDaemonIsRefused) {
  auto other = BoxKey::generate();
  auto p =
      *cw::testing::build_padded_plaintext(canonical_alert(sample_alert()), random_alert_id(),
                                           unix_now(), alice.identity->sign, other.public_key());
  expect_rejected(cw::testing::seal_raw(p, inst->invite().daemon_box), 400, "header_mismatch");
}

TEST_F(Ingest, UnenrolledSender) {
  Contact stranger = alice;
  auto id = Identity::generate(Role::contact);
  stranger.identity = std::make_shared<Identity>(std::move(id));
  expect_rejected(inst->seal(stranger, sample_alert()), 401, "unknown_sender");
}

TEST_F(Ingest, RevokedSenderAfterSighup) {
  auto bob = inst->add_contact("bob");
  auto ok = post_alert(inst->port(), str(inst->seal(bob, sample_alert())));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 401) << "bob enrolled after start: unknown until SIGHUP";
  inst->sighup();
  ok = post_alert(inst->port(), str(inst->seal(bob, sample_alert())));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 201);
  inst->revoke(bob.id);
  inst->sighup();
  expect_rejected(inst->seal(bob, sample_alert()), 403, "revoked_sender");
}

TEST_F(Ingest, MalformedAlert) {
  std::string spaced = canonical_alert(sample_alert());
  spaced.insert(1, " ");
  auto p = *cw::testing::build_padded_plaintext(spaced, random_alert_id(), unix_now(),
                                                alice.identity->sign, inst->invite().daemon_box);
  expect_rejected(cw::testing::seal_raw(p, inst->invite().daemon_box), 422, "malformed_alert");
}

TEST_F(Ingest, SchemaViolatingAlert) {
  auto a = sample_alert();
  a.people->children = 99;
  auto p = *cw::testing::build_padded_plaintext(canonical_alert(a), random_alert_id(), unix_now(),
                                                alice.identity->sign, inst->invite().daemon_box);
  expect_rejected(cw::testing::seal_raw(p, inst->invite().daemon_box), 422, "invalid_alert");
}

TEST_F(Ingest, FutureDatedEnvelope) {
  expect_rejected(inst->seal(alice, sample_alert(), random_alert_id(), unix_now() + 3600), 400,
                  "future_timestamp");
}

TEST_F(Ingest, SameAlertIdFromAnotherSenderIsAConflict) {
  auto bob = inst->add_contact("bob2");
  inst->sighup();
  auto id = random_alert_id();
  auto first = post_alert(inst->port(), str(inst->seal(alice, sample_alert(), id, unix_now())));
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201);
  expect_rejected(inst->seal(bob, sample_alert(), id, unix_now()), 409, "conflict");
}

TEST_F(Ingest, RegionScopeIsEnforced) {
  auto scoped = inst->add_contact("scoped", 100, {"CN-LN"});
  inst->sighup();
  expect_rejected(inst->seal(scoped, sample_alert()), 403, "forbidden");  // sample is in CN-JL
}

TEST_F(Ingest, PerContactRateLimitAnswers429WithRetryAfterAndSparesOthers) {
  auto eager = inst->add_contact("eager", 2);
  inst->sighup();
  for (int i = 0; i < 2; ++i) {
    auto r = post_alert(inst->port(), str(inst->seal(eager, sample_alert())));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
  }
  auto r = post_alert(inst->port(), str(inst->seal(eager, sample_alert())));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(error_code_of(*r), "rate_limited");
  EXPECT_FALSE(r->header("retry-after").empty());
  expect_serving_with_rows(2);  // alice is unaffected
}

TEST_F(Ingest, SlowLorisIsCutOffAtTheHeaderDeadlineWhileOthersAreServed) {
  auto slow = RawClient::connect(inst->port(), true, std::chrono::seconds(1));
  ASSERT_TRUE(slow->handshake_ok());
  // One thread owns the slow connection (an SSL object is not shared between
  // threads): it dribbles a byte every 250 ms until the daemon cuts it off.
  const auto started = std::chrono::steady_clock::now();
  std::atomic<bool> cut{false};
  std::chrono::steady_clock::duration cut_after{};
  std::thread dribble([&] {
    const std::string head =
        "POST /v1/alerts HTTP/1.1\r\nHost: t\r\nX-Slow: " + std::string(200, 'a');
    for (char ch : head) {
      if (!slow->send(std::string(1, ch))) {
        cut_after = std::chrono::steady_clock::now() - started;
        cut = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
  expect_serving_with_rows(0);  // a legitimate client is served meanwhile
  dribble.join();
  EXPECT_TRUE(cut) << "the slow client was never cut off";
  EXPECT_LT(cut_after, std::chrono::seconds(5)) << "header deadline is 1.5 s";
}

TEST_F(Ingest, ADribbledBodyIsCutOffAtTheBodyDeadlineWhileOthersAreServed) {
  auto slow = RawClient::connect(inst->port(), true, std::chrono::seconds(1));
  ASSERT_TRUE(slow->handshake_ok());
  // A complete head at once (the header deadline is met), then the body a
  // byte every 250 ms: only the body deadline (1.5 s here) can end it.
  ASSERT_TRUE(slow->send("POST /v1/alerts HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                         std::to_string(envelope::kWireSize) + "\r\n\r\n"));
  const auto started = std::chrono::steady_clock::now();
  std::atomic<bool> cut{false};
  std::chrono::steady_clock::duration cut_after{};
  std::thread dribble([&] {
    for (std::size_t i = 0; i < 200; ++i) {
      if (!slow->send("x")) {
        cut_after = std::chrono::steady_clock::now() - started;
        cut = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
  expect_serving_with_rows(0);
  dribble.join();
  EXPECT_TRUE(cut) << "the dribbling client was never cut off";
  EXPECT_LT(cut_after, std::chrono::seconds(8)) << "body deadline is 1.5 s";
  EXPECT_TRUE(eventually([&] {
    return inst->metric("casewire_connection_deadlines_total{stage=\"read\"}") >= 1;
  })) << "the connection ended some other way than the body deadline";
}

// A client that sends requests but never reads the answers: once the socket
// buffers are full the daemon's write cannot finish, and the write deadline
// (1.5 s here) must free the connection.
TEST(IngestLimits, AReaderThatNeverReadsIsCutOffAtTheWriteDeadline) {
  // No per-address request budget: its 429 would close the connection first.
  Instance inst("write_timeout_ms = 1500\nper_ip_per_minute = 0\n");
  auto alice = inst.add_contact("alice");
  inst.start();
  auto stuck = RawClient::connect(inst.port(), true, std::chrono::seconds(30), nullptr, 1024);
  ASSERT_TRUE(stuck->handshake_ok());
  // Right-sized junk: each is answered (1024 bytes, connection kept open).
  const std::string junk =
      http_request("POST", "/v1/alerts", std::string(envelope::kWireSize, 'x'));
  bool cut = false;
  for (int i = 0; i < 20000 && !cut; ++i) cut = !stuck->send(junk);
  EXPECT_TRUE(cut) << "the daemon kept a connection whose reader never reads";
  // The daemon counts the cut just after closing the socket.
  EXPECT_TRUE(eventually([&] {
    return inst.metric("casewire_connection_deadlines_total{stage=\"write\"}") >= 1;
  })) << "the connection ended some other way than the write deadline";
  auto r = post_alert(inst.port(), str(inst.seal(alice, sample_alert())));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
}

TEST_F(Ingest, SigtermDrainsAndExitsCleanly) {
  expect_serving_with_rows(0);
  inst->stop();
  EXPECT_NE(inst->log().find("event=stopped"), std::string::npos);
}

TEST_F(Ingest, HealthAndMetricsOnTheAdminListener) {
  auto h = admin_get(inst->admin_port(), "/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(inst->metric("casewire_store_healthy"), 1u);
  expect_serving_with_rows(0);
  auto bad = inst->seal(alice, sample_alert());
  bad[0] = 'Z';
  post_alert(inst->port(), str(bad));
  auto m = inst->metrics();
  EXPECT_NE(m.find("casewire_alerts_accepted_total 1"), std::string::npos) << m;
  EXPECT_NE(m.find("casewire_alerts_rejected_total{code=\"bad_magic\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("casewire_store_commit_seconds_count"), std::string::npos);
}

TEST_F(Ingest, CheapChecksCostNoSignatureVerification) {
  auto before = inst->metric("casewire_signature_verifications_total");
  for (int i = 0; i < 5; ++i) {
    auto bad = inst->seal(alice, sample_alert());
    bad[i % 2 == 0 ? 0 : 7] ^= 0x20;  // magic or recipient
    post_alert(inst->port(), str(bad));
    post_alert(inst->port(), str(Bytes(100, 'x')));  // wrong size
  }
  EXPECT_EQ(inst->metric("casewire_signature_verifications_total"), before);
  expect_serving_with_rows(0);
  EXPECT_EQ(inst->metric("casewire_signature_verifications_total"), before + 1);
}

TEST_F(Ingest, NoCanaryReachesLogsMetricsOrTheDatabaseFile) {
  std::vector<AlertId> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(random_alert_id());
    auto r =
        post_alert(inst->port(), str(inst->seal(alice, sample_alert(), ids.back(), unix_now())));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << "the canaries must be inside accepted alerts to prove anything";
  }
  auto bad = sample_alert();
  bad.people->children = 99;  // rejected alerts must not echo content either
  const auto bad_id = random_alert_id();
  auto rej = post_alert(inst->port(), str(inst->seal(alice, bad, bad_id, unix_now())));
  ASSERT_TRUE(rej);
  EXPECT_EQ(rej->status, 422);
  EXPECT_EQ(error_code_of(*rej), "invalid_alert");
  ASSERT_EQ(inst->count_alerts(), 3u);
  // The WAL as it is while the daemon runs (a clean stop empties it), then
  // the files after the stop's checkpoint.
  ASSERT_GT(read_text(inst->db_path() + "-wal").size(), 0u) << "the WAL holds the alerts now";
  std::string everything = seized_files(*inst) + inst->metrics() + rej->body;
  inst->stop();
  everything += seized_files(*inst);
  for (const char* canary : kAllCanaries)
    EXPECT_EQ(everything.find(canary), std::string::npos) << canary;
  expect_absent(everything, alice.id, "the sender's key id");
  expect_absent(everything, alice.identity->sign.public_key().bytes, "the sender's public key");
  for (const auto& id : ids) expect_absent(everything, id, "an accepted alert's id");
  expect_absent(everything, bad_id, "a rejected alert's id");
}

TEST(IngestLimits, ConnectionFloodPastTheCapIsClosedAndServiceResumes) {
  Instance inst("max_connections = 4\nheader_timeout_ms = 3000\nmax_connections_per_ip = 0\n");
  auto alice = inst.add_contact("alice");
  inst.start();
  // Four connections busy with a request (head sent, body pending): real
  // work, which is never shed to make room.
  std::vector<std::unique_ptr<RawClient>> held;
  const std::string junk =
      http_request("POST", "/v1/alerts", std::string(envelope::kWireSize, 'x'));
  for (int i = 0; i < 4; ++i) {
    held.push_back(RawClient::connect(inst.port(), true));
    ASSERT_TRUE(held.back()->handshake_ok());
    // One answered request first: when its answer is read, the daemon has
    // certainly seen a request on this connection (no sleep and hope).
    ASSERT_TRUE(held.back()->send(junk));
    ASSERT_TRUE(held.back()->read_reply().has_value());
    ASSERT_TRUE(
        held.back()->send("POST /v1/alerts HTTP/1.1\r\nHost: t\r\nContent-Length: 8253\r\n\r\n"));
  }
  auto extra = RawClient::connect(inst.port(), true, std::chrono::seconds(2));
  EXPECT_FALSE(extra->handshake_ok()) << "the connection past the cap must be closed";
  EXPECT_GE(inst.metric("casewire_connections_refused_total"), 1u);
  held.clear();
  ASSERT_TRUE(eventually([&] { return inst.metric("casewire_open_connections") == 0; }));
  auto r = post_alert(inst.port(), str(inst.seal(alice, sample_alert())));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
}

TEST(Daemon, CheckConfigValidatesEverythingAStartWouldLoad) {
  Instance inst;
  auto ok = run({bin("casewired"), "--config", inst.dir() + "/casewired.toml", "--check-config"});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("configuration ok"), std::string::npos);
  ASSERT_TRUE(write_file_atomic(inst.dir() + "/typo.toml",
                                as_bytes("[keys]\ndir = \"" + inst.keys_dir() +
                                         "\"\n[limts]\nmax_connections = 1\n"),
                                0644, Overwrite::yes)
                  .ok());
  auto typo = run({bin("casewired"), "--config", inst.dir() + "/typo.toml", "--check-config"});
  EXPECT_EQ(typo.status, 1);
  EXPECT_NE(typo.err.find("bad_config"), std::string::npos) << typo.err;
  ::chmod((inst.keys_dir() + "/daemon.key").c_str(), 0644);
  auto loose =
      run({bin("casewired"), "--config", inst.dir() + "/casewired.toml", "--check-config"});
  EXPECT_EQ(loose.status, 1) << "a world-readable daemon key is refused";
  EXPECT_NE(loose.err.find("readable by others"), std::string::npos) << loose.err;
}

TEST(IngestLimits, PerIpPreAuthLimit) {
  Instance inst("per_ip_per_minute = 3\n");
  auto alice = inst.add_contact("alice");
  inst.start();
  int limited = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = post_alert(inst.port(), str(inst.seal(alice, sample_alert())));
    ASSERT_TRUE(r);
    if (r->status == 429) ++limited;
  }
  EXPECT_EQ(limited, 2);
  EXPECT_EQ(inst.count_alerts(), 3u);
}

}  // namespace
}  // namespace cw::test
