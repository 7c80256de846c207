// Attacks from docs/THREAT_MODEL.md's claims table, each performed for real
// against a running daemon: an enrolled contact turned hostile (a seized
// phone), one host holding sockets, a hostile operator of another daemon.
// Each test is named after the claim it would break.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>
#include <filesystem>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <functional>
#include <map>
#include <thread>

#include "keys/commands.h"
#include "protocol/case_log.h"
#include "protocol/file_io.h"
#include "protocol/merkle.h"
#include "protocol/signed_payload.h"
#include "protocol/signed_request.h"
#include "tests/support/db_reader.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"

namespace json = boost::json;

namespace cw::test {
namespace {

using namespace std::chrono_literals;

// Polls a daemon metric until it reaches `at_least` (or 2 s pass).
void wait_metric(const Instance& inst, const std::string& name, std::uint64_t at_least) {
  for (int i = 0; i < 200 && inst.metric(name) < at_least; ++i) std::this_thread::sleep_for(10ms);
}

std::string str(const Bytes& b) {
  return std::string(as_chars(b));
}

Alert follow_up(AlertKind kind, const AlertId& case_ref) {
  Alert a;
  a.kind = kind;
  a.case_ref = case_ref;
  if (kind != AlertKind::retraction) a.status = CaseStatus::released;
  return a;
}

class Adversary : public ::testing::Test {
 protected:
  void SetUp() override {
    inst = std::make_unique<Instance>("", "[delivery]\npoll_interval_ms = 100\n");
    inst->start();
    alice = inst->add_contact("alice");
    mallory = inst->add_contact("mallory");  // enrolled, but a seized or turned phone
    org = inst->add_org("ngo", OrgOptions{.regions = {"CN-JL"}});
    inst->sighup();
    wait_reloaded(1);
  }
  void wait_reloaded(std::uint64_t n) {
    for (int i = 0; i < 200 && inst->metric("casewire_trust_reloads_total") < n; ++i)
      std::this_thread::sleep_for(10ms);
    ASSERT_GE(inst->metric("casewire_trust_reloads_total"), n);
  }
  std::optional<HttpReply> post(const Contact& c, const Alert& a,
                                const AlertId& id = random_alert_id()) {
    return post_alert(inst->port(), str(inst->seal(c, a, id, unix_now())));
  }
  // The operator changes an organisation's subscription, and reloads.
  void change_org(const Org& o, const std::function<void(keys::SetOrgOptions&)>& edit) {
    keys::SetOrgOptions so;
    so.dir = inst->keys_dir();
    so.key_id = key_id_hex(o.id);
    edit(so);
    std::ostringstream sink;
    ASSERT_TRUE(keys::set_org(so, sink).ok());
    inst->sighup();  // returns once the daemon has reloaded
  }
  std::size_t notifications() {
    auto r = inst->client(org, {"--json", "feed", "--pull", "--from-start"});
    EXPECT_EQ(r.status, 0) << r.err;
    return static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
  }

  std::unique_ptr<Instance> inst;
  Contact alice, mallory;
  Org org;
};

// Claim: only the contact that reported a case can follow it up; anyone else
// gets exactly the answer for a case that does not exist.
TEST_F(Adversary, AnotherEnrolledContactCannotRetractResolveOrRewriteACase) {
  const auto case_ref = random_alert_id();
  auto first = post(alice, sample_alert(), case_ref);
  ASSERT_TRUE(first && first->status == 201);
  ASSERT_EQ(notifications(), 1u);

  // Mallory knows the reference (from a receipt, an outbox file name...).
  const auto nonexistent = post(mallory, follow_up(AlertKind::retraction, random_alert_id()));
  ASSERT_TRUE(nonexistent);
  EXPECT_EQ(nonexistent->status, 422);
  for (auto kind : {AlertKind::retraction, AlertKind::resolved, AlertKind::update}) {
    auto r = post(mallory, follow_up(kind, case_ref));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, nonexistent->status) << to_string(kind);
    EXPECT_EQ(r->body, nonexistent->body) << "no oracle: someone else's case looks like no case";
  }
  EXPECT_EQ(notifications(), 1u) << "nothing reached the organisations";

  // The reporter can; and a retraction is final.
  auto upd = post(alice, follow_up(AlertKind::update, case_ref));
  ASSERT_TRUE(upd);
  EXPECT_EQ(upd->status, 201) << upd->body;
  auto retract = post(alice, follow_up(AlertKind::retraction, case_ref));
  ASSERT_TRUE(retract);
  EXPECT_EQ(retract->status, 201) << retract->body;
  auto reopen = post(alice, follow_up(AlertKind::update, case_ref));
  ASSERT_TRUE(reopen);
  EXPECT_EQ(reopen->status, 409);
  EXPECT_NE(reopen->body.find("case_retracted"), std::string::npos) << reopen->body;
  EXPECT_EQ(notifications(), 3u);

  // The status endpoint draws the same line.
  auto nosy = inst->client(mallory, {"status", to_hex(case_ref)});
  EXPECT_NE(nosy.status, 0);
  EXPECT_NE(nosy.err.find("unknown_case"), std::string::npos) << nosy.err;
}

// Claim: a contact's cases pass to a new key only when the operator says so
// (casewire-keys enroll --replaces), and the old key stops working.
TEST_F(Adversary, ANewKeyTakesOverCasesOnlyThroughEnrollReplaces) {
  const auto case_ref = random_alert_id();
  ASSERT_EQ(post(alice, sample_alert(), case_ref)->status, 201);
  // A new key the operator did not link to Alice's is just another contact.
  auto stranger = inst->add_contact("alice-new-phone-unlinked");
  inst->sighup();
  wait_reloaded(2);
  EXPECT_EQ(post(stranger, follow_up(AlertKind::update, case_ref))->status, 422);

  auto alice2 = inst->add_contact("alice-new-phone", 1000, {}, key_id_hex(alice.id));
  inst->sighup();
  wait_reloaded(3);
  auto r = post(alice2, follow_up(AlertKind::update, case_ref));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  auto status = inst->client(alice2, {"status", to_hex(case_ref)});
  EXPECT_EQ(status.status, 0) << status.err;
  auto old = post(alice, follow_up(AlertKind::update, case_ref));
  EXPECT_EQ(old->status, 403) << "the replaced key is revoked";
  // One successor only: a second key cannot also claim Alice's old key.
  std::ostringstream sink;
  keys::SecretFileOptions o;
  o.insecure_no_passphrase = true;
  ASSERT_TRUE(keys::new_identity(Role::contact, inst->dir() + "/thief.key", o, sink).ok());
  auto st = keys::enroll(
      {inst->keys_dir(), inst->dir() + "/thief.key.pub", "thief", {}, 60, key_id_hex(alice.id)},
      sink);
  EXPECT_EQ(st.code(), Errc::already_exists);
}

// Claim: replaying a contact's envelope (a courier's .cwe, a seized outbox)
// returns its receipt and does not use up the contact's budget for new alerts.
TEST_F(Adversary, ReplayingAnEnvelopeDoesNotLockTheContactOut) {
  auto carol = inst->add_contact("carol", 3);  // three new alerts an hour
  inst->sighup();
  wait_reloaded(2);
  const auto wire = str(inst->seal(carol, sample_alert(), random_alert_id(), unix_now()));
  auto first = post_alert(inst->port(), wire);
  ASSERT_TRUE(first && first->status == 201);
  for (int i = 0; i < 20; ++i) {
    auto r = post_alert(inst->port(), wire);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << "replay " << i << ": " << r->body;
    EXPECT_EQ(receipt_of(r->body), receipt_of(first->body)) << "the same receipt, byte for byte";
  }
  // Carol's own budget is intact: two more new alerts, then the limit.
  EXPECT_EQ(post(carol, sample_alert())->status, 201);
  EXPECT_EQ(post(carol, sample_alert())->status, 201);
  EXPECT_EQ(post(carol, sample_alert())->status, 429) << "the budget for new alerts still holds";
}

// Sends a signed GET or POST on a fresh TLS connection.
std::optional<HttpReply> signed_call(std::uint16_t port, const std::string& method,
                                     const std::string& target, const std::string& auth,
                                     const std::string& body = "") {
  auto c = RawClient::connect(port, true);
  c->send(method + " " + target + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
          "Content-Length: " + std::to_string(body.size()) + "\r\nAuthorization: " + auth +
          "\r\n\r\n" + body);
  return c->read_reply();
}

// Claim: a request an organisation signed for one daemon (whose operator may
// be hostile and keep it) is refused by every other daemon: a replayed ack
// there would record a false acknowledgement and suppress escalation.
TEST_F(Adversary, ARequestSignedForAnotherDaemonIsRefused) {
  const auto case_ref = random_alert_id();
  ASSERT_EQ(post(alice, sample_alert(), case_ref)->status, 201);
  Instance hostile;  // daemon A, run by someone else; `inst` is daemon B
  hostile.start();
  const std::string target = "/v1/notifications/1/ack";
  const auto for_a = sign_request(org.identity->sign, hostile.invite().daemon_sign.id(), "POST",
                                  target, "", unix_now());
  auto r = signed_call(inst->port(), "POST", target, for_a);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("bad_request_signature"), std::string::npos) << r->body;
  EXPECT_EQ(inst->metric("casewire_acks_total"), 0u) << "no false acknowledgement";
  // The same organisation, signing for this daemon, is heard.
  const auto for_b = sign_request(org.identity->sign, inst->invite().daemon_sign.id(), "POST",
                                  target, "", unix_now());
  auto ok = signed_call(inst->port(), "POST", target, for_b);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(inst->metric("casewire_acks_total"), 1u);
}

// Claim: a revoked organisation's key is refused on every route once the
// daemon has reloaded - pulling, the feed, acknowledging, answering, its own
// cases, the case log - and nothing it sends is counted (a stolen
// organisation key must not keep reading cases or forge "acting").
TEST_F(Adversary, ARevokedOrganisationIsRefusedOnEveryRouteAfterAReload) {
  ASSERT_EQ(post(alice, sample_alert())->status, 201);
  ASSERT_TRUE(inst->wait_for_log());
  const KeyId ours = inst->invite().daemon_sign.id();
  auto call = [&](const char* method, const std::string& target, const std::string& body) {
    return signed_call(inst->port(), method, target,
                       sign_request(org.identity->sign, ours, method, target, body, unix_now()),
                       body);
  };
  auto before = call("GET", "/v1/notifications?after=0", "");
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200) << "heard while enrolled: " << before->body;
  inst->revoke(org.id);
  inst->sighup();
  const std::string answer = R"({"answer":"cannot_act","reason":"no_capacity"})";
  struct Route {
    const char* method;
    std::string target, body;
  };
  for (const Route& r : std::vector<Route>{{"GET", "/v1/notifications?after=0", ""},
                                           {"GET", "/v1/feed", ""},
                                           {"POST", "/v1/notifications/1/ack", ""},
                                           {"POST", "/v1/notifications/1/answer", answer},
                                           {"GET", "/v1/org/cases", ""},
                                           {"GET", "/v1/log/tree-head", ""},
                                           {"GET", "/v1/log/proof?size=1&index=0", ""}}) {
    auto reply = call(r.method, r.target, r.body);
    ASSERT_TRUE(reply) << r.target;
    EXPECT_EQ(reply->status, 403) << r.method << " " << r.target << ": " << reply->body;
    EXPECT_NE(reply->body.find("forbidden"), std::string::npos) << r.target << ": " << reply->body;
  }
  EXPECT_EQ(inst->metric("casewire_acks_total"), 0u) << "no acknowledgement counted";
  // The daemon goes on serving everyone else.
  EXPECT_EQ(post(alice, sample_alert())->status, 201);
}

// Claim (the case log's endpoints): heads and proofs only for a signed
// request from an enrolled key of this daemon (a scanner gets the generic
// 404); a proof beyond the log, or an ill-formed request, is a clear
// bad_request that changes nothing.
TEST_F(Adversary, TheCaseLogEndpointsAnswerOnlySignedWellFormedRequests) {
  ASSERT_EQ(post(alice, sample_alert(), random_alert_id())->status, 201);
  ASSERT_TRUE(inst->wait_for_log());
  auto unsigned_head = RawClient::connect(inst->port(), true);
  unsigned_head->send("GET /v1/log/tree-head HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r = unsigned_head->read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "404 page not found\n");
  auto call = [&](const std::string& target, const KeyId& daemon) {
    return signed_call(inst->port(), "GET", target,
                       sign_request(alice.identity->sign, daemon, "GET", target, "", unix_now()));
  };
  const KeyId ours = inst->invite().daemon_sign.id();
  auto head = call("/v1/log/tree-head", ours);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200) << head->body;
  EXPECT_NE(head->body.find("\"size\":1"), std::string::npos) << head->body;
  for (const char* bad :
       {"/v1/log/proof?size=2&index=0", "/v1/log/proof?size=1&index=1",
        "/v1/log/proof?size=1&index=0&from=1", "/v1/log/proof?size=0&from=0",
        "/v1/log/proof?size=x&index=0", "/v1/log/proof", "/v1/log/proof?size=1&leaf=zz",
        "/v1/log/proof?size=1&leaf=00", "/v1/log/proof?size=1&index=0&leaf=00"}) {
    auto refused = call(bad, ours);
    ASSERT_TRUE(refused) << bad;
    EXPECT_EQ(refused->status, 400) << bad;
    EXPECT_NE(refused->body.find("bad_request"), std::string::npos) << bad;
  }
  auto ok = call("/v1/log/proof?size=1&index=0", ours);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  // A leaf it does not hold: one answer for "not yet" and "never".
  auto absent = call("/v1/log/proof?size=1&leaf=" + std::string(64, 'a'), ours);
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->status, 404) << absent->body;
  EXPECT_NE(absent->body.find("not_found"), std::string::npos) << absent->body;
  KeyId elsewhere = ours;
  elsewhere[0] ^= 1;
  auto foreign = call("/v1/log/tree-head", elsewhere);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 401);
  EXPECT_EQ(inst->count_alerts(), 1u);
}

// GET /v1/org/cases (what an organisation's dashboard rebuilds from) answers
// only a signed request by an enrolled, unrevoked organisation, for this
// daemon, and only about cases that organisation is on.
TEST_F(Adversary, AnOrganisationsOwnPartInCasesIsReadOnlyByThatOrganisation) {
  auto on_case =
      inst->add_org("on-case", OrgOptions{.regions = {"CN-JL"}, .cleared_private = true});
  auto off_case = inst->add_org("off-case", OrgOptions{.regions = {"CN-YN"}});
  inst->sighup();
  ASSERT_EQ(post(alice, sample_alert())->status, 201);
  const KeyId ours = inst->invite().daemon_sign.id();
  auto call = [&](const Identity& who, const std::string& target, const KeyId& daemon) {
    return signed_call(inst->port(), "GET", target,
                       sign_request(who.sign, daemon, "GET", target, "", unix_now()));
  };
  auto raw = RawClient::connect(inst->port(), true);
  raw->send("GET /v1/org/cases HTTP/1.1\r\nHost: t\r\n\r\n");
  auto unsigned_reply = raw->read_reply();
  ASSERT_TRUE(unsigned_reply);
  EXPECT_EQ(unsigned_reply->status, 404) << "unsigned: the generic 404";
  auto mine = call(*on_case.identity, "/v1/org/cases", ours);
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->status, 200) << mine->body;
  auto payload = open_payload(mine->body, kStatusDomain, inst->invite().daemon_sign);
  ASSERT_TRUE(payload.ok()) << "signed by the daemon";
  EXPECT_NE(payload->find("\"acting\":false"), std::string::npos) << *payload;
  auto other = call(*off_case.identity, "/v1/org/cases", ours);
  ASSERT_TRUE(other && other->status == 200);
  EXPECT_NE(
      open_payload(other->body, kStatusDomain, inst->invite().daemon_sign)->find("\"cases\":[]"),
      std::string::npos)
      << "an organisation not on the case reads nothing of it";
  // A contact (a seized phone), a request signed for another daemon, a
  // malformed cursor, a revoked organisation: refused.
  auto contact = call(*mallory.identity, "/v1/org/cases", ours);
  ASSERT_TRUE(contact);
  EXPECT_EQ(contact->status, 401) << contact->body;
  KeyId elsewhere = ours;
  elsewhere[0] ^= 1;
  EXPECT_EQ(call(*on_case.identity, "/v1/org/cases", elsewhere)->status, 401);
  auto bad = call(*on_case.identity, "/v1/org/cases?after=../x", ours);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("bad_request"), std::string::npos) << bad->body;
  inst->revoke(on_case.id);
  inst->sighup();
  auto revoked = call(*on_case.identity, "/v1/org/cases", ours);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, 403) << revoked->body;
}

// Claim: a signed request captured before a restart is not accepted after it
// (the nonce memory is empty after a start; requests signed earlier are refused).
TEST_F(Adversary, ARequestCapturedBeforeARestartCannotBeReplayedAfterIt) {
  const std::string target = "/v1/notifications?after=0";
  const auto signed_at = unix_now();
  const auto auth = sign_request(org.identity->sign, inst->invite().daemon_sign.id(), "GET", target,
                                 "", signed_at);
  auto first = signed_call(inst->port(), "GET", target, auth);
  ASSERT_TRUE(first && first->status == 200) << (first ? first->body : "");
  EXPECT_EQ(signed_call(inst->port(), "GET", target, auth)->status, 401)
      << "replay before the restart";
  inst->stop();
  while (unix_now() <= signed_at)
    std::this_thread::sleep_for(50ms);  // the restart is in a later second
  inst->start();
  auto replay = signed_call(inst->port(), "GET", target, auth);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 401);
  EXPECT_NE(replay->body.find("stale_request"), std::string::npos) << replay->body;
}

// Claim: one host holding idle sockets cannot shut out contacts on other
// addresses: a per-address cap at accept.
TEST(Intake, OneHostHoldingIdleSocketsDoesNotBlockOtherContacts) {
  Instance inst("max_connections = 64\nmax_connections_per_ip = 8\n");
  inst.start();
  auto alice = inst.add_contact("alice");
  inst.sighup();  // returns once the daemon has reloaded
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 300; ++i) held.push_back(RawClient::idle(inst.port(), "127.0.0.1"));
  wait_metric(inst, "casewire_connections_refused_total", 292);
  EXPECT_GE(inst.metric("casewire_connections_refused_total"), 292u)
      << "all but 8 refused at accept";
  EXPECT_LE(inst.metric("casewire_open_connections"), 8u);
  // A contact from another address gets through at once.
  auto r = post_alert(inst.port(), str(inst.seal(alice, sample_alert())), "127.0.0.2");
  ASSERT_TRUE(r) << "no answer while one host holds sockets";
  EXPECT_EQ(r->status, 201) << r->body;
}

// Claim: when the daemon is full (behind Tor every client is one address, so
// the per-address cap is off), connections that have not sent a request are
// shed oldest first, so a contact still gets through.
TEST(Intake, WhenFullIdleConnectionsAreShedOldestFirst) {
  Instance inst("max_connections = 16\nmax_connections_per_ip = 0\n");
  inst.start();
  auto alice = inst.add_contact("alice");
  inst.sighup();  // returns once the daemon has reloaded
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 64; ++i) held.push_back(RawClient::idle(inst.port()));
  wait_metric(inst, "casewire_connections_shed_total", 48);
  EXPECT_GE(inst.metric("casewire_connections_shed_total"), 48u);
  EXPECT_TRUE(held.front()->closed_within(2s)) << "the oldest idle connection was shed";
  auto r = post_alert(inst.port(), str(inst.seal(alice, sample_alert())));
  ASSERT_TRUE(r) << "no answer while the daemon was full of idle sockets";
  EXPECT_EQ(r->status, 201) << r->body;
}

// Claim: one organisation's key cannot hold more than max_feeds_per_org feed
// streams; and a stream ends when feed access is withdrawn.
TEST_F(Adversary, FeedStreamsAreCappedPerOrganisation) {
  const std::string target = "/v1/feed";
  std::vector<std::unique_ptr<RawClient>> streams;
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    auto c = RawClient::connect(inst->port(), true);
    c->send("GET " + target + " HTTP/1.1\r\nHost: t\r\nAuthorization: " +
            sign_request(org.identity->sign, inst->invite().daemon_sign.id(), "GET", target, "",
                         unix_now()) +
            "\r\n\r\n");
    auto r = c->read_reply();
    if (r && r->status == 429) ++refused;
    streams.push_back(std::move(c));
  }
  EXPECT_EQ(refused, 2) << "4 streams per organisation by default";
  EXPECT_EQ(inst->metric("casewire_feed_streams"), 4u);

  // Withdrawing feed access ends the open streams (not only revocation).
  change_org(org, [](keys::SetOrgOptions& so) { so.feed = false; });
  EXPECT_TRUE(streams.front()->closed_within(5s))
      << "the stream outlived the withdrawal of feed access";
  for (int i = 0; i < 200 && inst->metric("casewire_feed_streams") > 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(inst->metric("casewire_feed_streams"), 0u);
}

// Claim (issue 9 §9): a state scanning addresses cannot recognise a casewire
// daemon from its certificate, a Server header, or how it answers probes.
TEST_F(Adversary, AProbingScannerSeesAGenericWebServer) {
  struct Probe {
    const char* method;
    const char* target;
    std::string extra;
  };
  const std::vector<Probe> probes = {{"GET", "/", ""},
                                     {"GET", "/robots.txt", ""},
                                     {"GET", "/v1/alerts", ""},
                                     {"POST", "/admin", ""},
                                     {"GET", "/v1/feed", ""},
                                     {"GET", "/v1/notifications?after=0", ""},
                                     {"POST", "/v1/notifications/1/ack", ""},
                                     {"GET", "/v1/gazetteer", ""},
                                     {"GET", "/v1/invite-update", ""}};
  std::optional<std::string> first_body;
  for (const auto& p : probes) {
    auto c = RawClient::connect(inst->port(), true);
    ASSERT_TRUE(c->send(http_request(p.method, p.target, "")));
    auto r = c->read_reply();
    ASSERT_TRUE(r) << p.target;
    EXPECT_EQ(r->status, 404) << p.method << " " << p.target;
    EXPECT_EQ(r->body, "404 page not found\n") << p.target;
    EXPECT_EQ(r->header("Server"), "") << "no Server header";
    std::string all = r->head + r->body;
    std::transform(all.begin(), all.end(), all.begin(), ::tolower);
    EXPECT_EQ(all.find("casewire"), std::string::npos) << all;
    EXPECT_EQ(all.find("json"), std::string::npos) << all;
  }
  // The certificate, seen by an independent TLS client.
  auto s = run({"/bin/sh", "-c",
                "openssl s_client -connect 127.0.0.1:" + std::to_string(inst->port()) +
                    " -showcerts </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer"});
  ASSERT_EQ(s.status, 0) << s.err;
  ASSERT_NE(s.out.find("subject"), std::string::npos) << s.out;
  std::string cert = s.out;
  std::transform(cert.begin(), cert.end(), cert.begin(), ::tolower);
  EXPECT_EQ(cert.find("casewire"), std::string::npos) << s.out;
}

// Claim (issue 9 §11): a key file left without a passphrase is refused by the
// daemon and the client unless the operator or contact explicitly said so.
TEST(KeyFiles, AnUnprotectedKeyIsRefusedUnlessExplicitlyAllowed) {
  Instance inst;
  // The daemon: the same instance without the insecure setting.
  std::string config = read_text(inst.dir() + "/casewired.toml");
  const std::string allow = "insecure_unencrypted_key = true\n";
  ASSERT_NE(config.find(allow), std::string::npos);
  config.erase(config.find(allow), allow.size());
  ASSERT_TRUE(
      write_file_atomic(inst.dir() + "/strict.toml", as_bytes(config), 0600, Overwrite::yes).ok());
  auto strict = run({bin("casewired"), "--config", inst.dir() + "/strict.toml", "--check-config"});
  EXPECT_EQ(strict.status, 1);
  EXPECT_NE(strict.err.find("WITHOUT a passphrase"), std::string::npos) << strict.err;
  auto allowed =
      run({bin("casewired"), "--config", inst.dir() + "/casewired.toml", "--check-config"});
  EXPECT_EQ(allowed.status, 0) << allowed.err;

  // The client: init refuses the file; a home whose key was swapped for an
  // unprotected one (no client.toml setting) refuses to use it.
  inst.start();
  auto c = inst.add_contact("c");
  const std::string home = inst.dir() + "/strict-home";
  auto init = run({bin("casewire"), "--home", home, "init", "--invite", inst.invite_path(), "--key",
                   c.key_path});
  EXPECT_EQ(init.status, 1);
  EXPECT_NE(init.err.find("no passphrase"), std::string::npos) << init.err;
  auto ok = run({bin("casewire"), "--home", home, "init", "--insecure-no-passphrase", "--invite",
                 inst.invite_path(), "--key", c.key_path});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.err.find("warning"), std::string::npos) << "says so";
  EXPECT_NE(read_text(home + "/client.toml").find("insecure_unencrypted_key = true"),
            std::string::npos);
  ASSERT_EQ(::unlink((home + "/client.toml").c_str()), 0);
  auto send = run({bin("casewire"), "--home", home, "send", "--people", "1", "--arrest-place",
                   "CN-JL", "--urgency", "high", "--consent", "private"});
  EXPECT_EQ(send.status, 1);
  EXPECT_NE(send.err.find("WITHOUT a passphrase"), std::string::npos) << send.err;
}

// Claim (issue 9 §12): the size of an answer to POST /v1/alerts does not tell
// an observer whether the submission was new, a repeat, or refused (and why).
TEST(SideChannels, EveryAnswerToAnAlertHasTheSameSize) {
  Instance inst("per_ip_per_minute = 1000\n");
  inst.start();
  auto alice = inst.add_contact("alice", 2);
  inst.sighup();  // returns once the daemon has reloaded
  std::map<std::string, std::size_t> sizes;
  auto record = [&](const std::string& what, const std::optional<HttpReply>& r, int status) {
    ASSERT_TRUE(r) << what;
    EXPECT_EQ(r->status, status) << what << ": " << r->body;
    sizes[what] = r->head.size() + 2 + r->body.size();  // + the blank line
  };
  const auto wire = str(inst.seal(alice, sample_alert()));
  record("new", post_alert(inst.port(), wire), 201);
  record("repeat", post_alert(inst.port(), wire), 200);
  record("unknown case",
         post_alert(inst.port(),
                    str(inst.seal(alice, follow_up(AlertKind::update, random_alert_id())))),
         422);
  record("rate limited", post_alert(inst.port(), str(inst.seal(alice, sample_alert()))), 429);
  std::string junk = wire;
  junk[0] ^= 0x55;
  record("bad magic", post_alert(inst.port(), junk), 400);
  std::string forged = wire;
  forged[forged.size() - 1] ^= 0x01;
  record("forged", post_alert(inst.port(), forged), 400);
  {
    auto c = RawClient::connect(inst.port(), true);
    c->send("POST /v1/alerts HTTP/1.1\r\nHost: t\r\nContent-Length: 999999\r\n\r\n");
    record("too large", c->read_reply(), 413);
  }
  for (const auto& [what, n] : sizes) EXPECT_EQ(n, 4096u) << what;
  EXPECT_EQ(sizes.size(), 7u);
}

// Claim (issue 9 §7): a follow-up reaches only organisations that may hear
// about the case now - current consent, clearance and subscription - not
// every organisation that was once on it.
TEST_F(Adversary, FollowUpsHonourTheCurrentConsentAndClearance) {
  auto cleared =
      inst->add_org("cleared", OrgOptions{.regions = {"CN-JL"}, .cleared_private = true});
  inst->sighup();
  wait_reloaded(2);
  auto count = [&](const Org& o) {
    auto r = inst->client(o, {"--json", "feed", "--pull", "--from-start"});
    EXPECT_EQ(r.status, 0) << r.err;
    return std::count(r.out.begin(), r.out.end(), '\n');
  };
  const auto case_ref = random_alert_id();
  ASSERT_EQ(post(alice, sample_alert(), case_ref)->status, 201);  // advocacy: both organisations
  ASSERT_EQ(count(org), 1);
  ASSERT_EQ(count(cleared), 1);
  auto go_private = follow_up(AlertKind::update, case_ref);
  go_private.consent = Consent::private_only;
  ASSERT_EQ(post(alice, go_private)->status, 201);
  EXPECT_EQ(count(org), 1) << "an uncleared organisation must not hear about a case made private";
  EXPECT_EQ(count(cleared), 2);
  // The cleared organisation loses its clearance: the next follow-up skips it.
  change_org(cleared, [](keys::SetOrgOptions& so) { so.cleared_private = false; });
  ASSERT_EQ(post(alice, follow_up(AlertKind::resolved, case_ref))->status, 201);
  EXPECT_EQ(count(cleared), 2) << "clearance withdrawn: no more events of a private case";
  EXPECT_EQ(count(org), 1);
}

// Claim (issue 9 §8): the daemon does not deliver webhooks to loopback,
// private or link-local addresses (its own services, cloud metadata) unless
// the operator opted in - also when a public-looking name resolves there.
TEST(WebhookTargets, InternalAddressesAreRefusedAtDeliveryUnlessAllowed) {
  Instance inst("",
                "[delivery]\nallow_private_webhooks = false\npoll_interval_ms = 100\n"
                "retry_schedule_ms = [100, 100]\n");
  Receiver rx(inst.dir(), "rx", "");
  rx.start();
  auto by_ip = inst.add_org("by-ip", OrgOptions{.webhook_url = rx.url(), .regions = {"CN-JL"}});
  rx.set_secret(by_ip.webhook_secret);
  // The same receiver by a name that resolves to loopback (https: plain
  // http is only ever allowed to a loopback literal).
  std::string by_name_url = rx.url();
  by_name_url.replace(by_name_url.find("http://127.0.0.1"), 16, "https://localhost");
  auto by_name =
      inst.add_org("by-name", OrgOptions{.webhook_url = by_name_url, .regions = {"CN-JL"}});
  inst.start();
  auto alice = inst.add_contact("alice");
  inst.sighup();  // returns once the daemon has reloaded
  ASSERT_EQ(post_alert(inst.port(), str(inst.seal(alice, sample_alert())))->status, 201);
  for (int i = 0; i < 300 && inst.metric("casewire_webhook_targets_refused_total") < 2; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(inst.metric("casewire_webhook_targets_refused_total"), 2u) << inst.metrics();
  EXPECT_TRUE(rx.lines().empty()) << "a request reached the internal receiver";
  EXPECT_EQ(inst.metric("casewire_webhook_delivered_total"), 0u);
  rx.stop();
}

// Claim (issue 9 §5): a seized server (database, WAL, logs) and a seized
// phone (its receipts), without the daemon's passphrase, cannot be joined:
// no receipt points at a row, the alerts and cases tables do not join, the
// case tables do not name organisations, and times are coarse.
TEST_F(Adversary, ASeizedServerAndASeizedPhoneDoNotJoin) {
  auto cleared = inst->add_org("acting", OrgOptions{.regions = {"CN-JL"}, .cleared_private = true});
  inst->sighup();
  wait_reloaded(2);
  std::vector<std::string> receipts;
  for (int i = 0; i < 3; ++i) {
    auto r = inst->client(alice, {"--json", "send", "--people", "2", "--arrest-place", "CN-JL",
                                  "--urgency", "high", "--consent", "advocacy"});
    ASSERT_EQ(r.status, 0) << r.err;
    receipts.push_back(r.out);
  }
  auto feed = inst->client(cleared, {"--json", "feed", "--pull", "--from-start"});
  ASSERT_EQ(feed.status, 0) << feed.err;
  ASSERT_EQ(inst->client(cleared, {"ack", "1"}).status, 0);
  // The seizure: files copied while the daemon runs (the WAL still holds
  // the recent pages), logs as they are.
  const std::string db_bytes = read_text(inst->db_path()),
                    wal_bytes = read_text(inst->db_path() + "-wal");
  ASSERT_FALSE(wal_bytes.empty()) << "the WAL must be read before a clean stop checkpoints it away";
  const std::string seized = db_bytes + wal_bytes + inst->log();
  for (const auto& text : receipts) {
    auto o = json::parse(text).as_object();
    const std::string alert_id(o.at("alert_id").as_string());
    const auto raw_id = *parse_alert_id(alert_id);
    const auto seq = o.at("sequence").to_number<std::int64_t>();
    const auto received_at = o.at("received_at").to_number<std::int64_t>();
    const std::string hash(o.at("envelope_hash").as_string());
    for (const std::string& needle :
         {alert_id, std::string(as_chars(ByteView(raw_id))), hash,
          std::string(as_chars(*from_hex(hash))), "seq=" + std::to_string(seq)})
      EXPECT_EQ(seized.find(needle), std::string::npos)
          << "a receipt's value is on the seized server";
    // No integer anywhere in the database equals the receipt's number or
    // its exact time.
    DbReader db(inst->db_path());
    for (const auto& [table, column] : db.columns()) {
      // A waiting leaf's `due` is its window's end (the hour in production,
      // never a time finer than the window). This instance's window is one
      // second, so leaves join at once - and so another alert's `due` can
      // fall on this receipt's second by coincidence: there only the
      // receipt's number is looked for.
      const bool window_end = table == "log_waiting" && column == "due";
      for (std::int64_t v : {seq, received_at}) {
        if (window_end && v == received_at) continue;
        EXPECT_EQ(db.scalar_i64("SELECT count(*) FROM " + table + " WHERE " + column + " = ?", v),
                  0)
            << table << "." << column << " holds a value from the receipt";
      }
    }
  }
  DbReader db(inst->db_path());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM alerts a JOIN cases c ON c.case_tag = a.alert_tag"), 0)
      << "alerts and cases join without the key";
  EXPECT_EQ(db.scalar("SELECT count(*) FROM alerts a JOIN cases c ON c.owner_tag = a.sender_tag"),
            0);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM cases WHERE opened_at % 3600 != 0"), 0)
      << "case times to the hour";
  EXPECT_EQ(db.scalar("SELECT count(*) FROM cases WHERE escalate_at % 300 != 0"), 0)
      << "deadlines to 5 minutes";
  EXPECT_EQ(db.scalar("SELECT count(*) FROM cases c WHERE escalate_at % 3600 != 0 AND EXISTS "
                      "(SELECT 1 FROM acks a WHERE a.case_id = c.id)"),
            0)
      << "an acknowledged case's deadline is no longer pending: to the hour";
  EXPECT_EQ(db.scalar("SELECT count(*) FROM notifications WHERE created_at % 3600 != 0"), 0);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM acks WHERE acked_at % 3600 != 0"), 0);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM acks"), 1);
  for (const auto& o : {org, cleared}) {
    const auto id = key_id_hex(o.id);
    EXPECT_EQ(seized.find(id), std::string::npos)
        << "an organisation's key id is on the seized server";
    EXPECT_EQ(seized.find(std::string(as_chars(ByteView(o.id)))), std::string::npos);
  }
  EXPECT_EQ(inst->log().find("notification="), std::string::npos);
  EXPECT_EQ(inst->log().find("alert="), std::string::npos);

  // The phone, seized without its passphrase: every file in its home, as
  // bytes. No receipt value - alert id, envelope hash, log index or leaf -
  // and no head it checked (size, root) is readable there: each would be a
  // handle into the seized database (case_log holds the leaves and their
  // positions). Receipts and kept heads are sealed under the identity.
  ASSERT_TRUE(inst->wait_for_log());
  auto checked = inst->client(alice, {"--json", "verify-log"});
  ASSERT_EQ(checked.status, 0) << checked.err;
  const auto root = std::string(
      json::parse(checked.out).as_object().at("tree_head").as_object().at("root").as_string());
  std::string phone;
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::recursive_directory_iterator(alice.home)) {
    if (!e.is_regular_file()) continue;
    if (e.path().filename() == "identity.key") continue;  // behind the passphrase itself
    names.push_back(e.path().filename().string());
    phone += read_text(e.path().string());
  }
  for (const auto& text : receipts) {
    auto o = json::parse(text).as_object();
    for (const char* field : {"alert_id", "envelope_hash", "log_leaf"}) {
      const std::string v(o.at(field).as_string());
      EXPECT_EQ(phone.find(v), std::string::npos) << field << " readable on the phone";
      for (const auto& n : names)
        EXPECT_EQ(n.find(v), std::string::npos) << "a file is named by it";
    }
  }
  EXPECT_EQ(phone.find(root), std::string::npos) << "a head's root readable on the phone";
  for (const char* key : {"\"log_index\"", "\"sequence\"", "\"received_at\"", "\"size\""})
    EXPECT_EQ(phone.find(key), std::string::npos) << key << " readable on the phone";
}

// Claim (a seized server and a coerced contact join no finer than the hour):
// two contacts' alerts interleaved with acknowledgements, the coerced
// contact's receipts read with its passphrase, the database read as bytes.
// The receipts carry no position; each leaf's position in the log is found
// by hashing every row, as the attacker would - and within each window the
// positions follow the leaves' hashes, not the order the alerts (and their
// notification and case rows) were recorded in. On a log appended in commit
// order the positions follow the sends, and this fails.
TEST(Seizure, ACoercedContactsReceiptsPlaceItsAlertsNoFinerThanTheirWindow) {
  Instance inst("", "[case_log]\nmix_seconds = 10\n");
  Contact alice = inst.add_contact("alice");
  Contact bob = inst.add_contact("bob");
  Org ngo = inst.add_org("ngo", OrgOptions{});
  inst.start();
  struct Sent {
    std::string leaf;
    std::int64_t window = 0;
    int order = 0;  // recording order
  };
  std::vector<Sent> sent;
  for (int i = 0; i < 8; ++i) {
    auto r =
        inst.client(i % 2 ? bob : alice, {"--json", "send", "--people", "2", "--arrest-place",
                                          "CN-JL", "--urgency", "high", "--consent", "advocacy"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto o = json::parse(r.out.substr(0, r.out.find('\n'))).as_object();
    EXPECT_FALSE(o.contains("log_index")) << "a receipt carries no position: " << r.out;
    sent.push_back({std::string(o.at("log_leaf").as_string()),
                    log_window_end(o.at("received_at").to_number<std::int64_t>(), 10), i});
    // Acknowledgements between them: alice's first case, then bob's.
    if (i == 2 || i == 5) {
      ASSERT_EQ(inst.client(ngo, {"ack", i == 2 ? "1" : "2"}).status, 0);
    }
  }
  ASSERT_TRUE(inst.wait_for_log(std::chrono::seconds(60)));
  // The attacker's view: every leaf's position, by its hash.
  std::map<std::string, std::int64_t> place;
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open_v2(inst.db_path().c_str(), &h, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(h, "SELECT idx, leaf FROM case_log", -1, &q, nullptr);
    while (sqlite3_step(q) == SQLITE_ROW) {
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(q, 1));
      place[to_hex(merkle::leaf_hash(ByteView(p, sqlite3_column_bytes(q, 1))))] =
          sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(h);
  }
  std::map<std::int64_t, std::vector<Sent>> windows;
  for (const auto& x : sent) {
    ASSERT_TRUE(place.count(x.leaf)) << "every receipted leaf is in the log";
    windows[x.window].push_back(x);
  }
  std::size_t largest = 0;
  for (auto& [w, in] : windows) {
    largest = std::max(largest, in.size());
    std::sort(in.begin(), in.end(),
              [&](const Sent& a, const Sent& b) { return place[a.leaf] < place[b.leaf]; });
    for (std::size_t k = 1; k < in.size(); ++k)
      EXPECT_LT(in[k - 1].leaf, in[k].leaf)
          << "within a window, positions follow the leaves' hashes (window " << w << ")";
  }
  ASSERT_GE(largest, 3u) << "the sends spread over windows too small to show anything";
}

}  // namespace
}  // namespace cw::test
