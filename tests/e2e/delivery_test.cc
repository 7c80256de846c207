// End-to-end: alerts become anonymised notifications that reach
// organisations by a real webhook receiver and by the feed, with
// acknowledgements, escalation, updates, and nothing lost across a receiver
// outage or a daemon crash.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <set>
#include <thread>

#include "protocol/file_io.h"
#include "protocol/notification.h"
#include "protocol/sealed_notification.h"
#include "protocol/signed_payload.h"
#include "protocol/signed_request.h"
#include "protocol/tls_pin.h"
#include "tests/support/eventually.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"
#include "tests/support/seized.h"
#include "tests/support/temp_dir.h"

namespace json = boost::json;

namespace cw::test {
namespace {

using namespace std::chrono_literals;

std::string str(const Bytes& b) {
  return std::string(as_chars(b));
}

// Feed output lines (--json) parsed.
std::vector<json::object> json_lines(const std::string& out) {
  std::vector<json::object> v;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) v.push_back(json::parse(l).as_object());
  return v;
}

std::string field(const json::object& o, const char* k) {
  return std::string(o.at(k).as_string());
}

Alert new_case(const char* region, Consent consent = Consent::advocacy,
               Urgency u = Urgency::immediate) {
  auto a = sample_alert();
  a.arrest_place = Place{region, kCanaryDetail};
  a.held_place.reset();
  a.consent = consent;
  a.urgency = u;
  return a;
}

// A throwaway certificate authority made with the openssl tool, so HTTPS
// webhook tests check the daemon's verification against certificates it has
// never seen: `leaf` issues a certificate for `name`, signed by this CA.
class TestCa {
 public:
  TestCa(std::string dir, const std::string& name) : dir_(std::move(dir)), name_(name) {
    key_and_cert("/CN=casewire test CA " + name, name_ + "-ca", "");
  }
  std::string cert() const { return dir_ + "/" + name_ + "-ca.pem"; }
  // Returns {certificate, key} paths of a leaf for host `host`.
  std::pair<std::string, std::string> leaf(const std::string& host) {
    const std::string base = name_ + "-" + host;
    key_and_cert("/CN=" + host, base, host);
    return {dir_ + "/" + base + ".pem", dir_ + "/" + base + ".key"};
  }

 private:
  void key_and_cert(const std::string& subject, const std::string& base, const std::string& host) {
    const std::string key = dir_ + "/" + base + ".key", pem = dir_ + "/" + base + ".pem";
    if (host.empty()) {
      expect_ok(run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", pem, "-days", "2",
                     "-subj", subject}));
      return;
    }
    const std::string csr = dir_ + "/" + base + ".csr", ext = dir_ + "/" + base + ".ext";
    ASSERT_TRUE(
        write_file_atomic(ext, as_bytes("subjectAltName=DNS:" + host + "\n"), 0600, Overwrite::yes)
            .ok());
    expect_ok(
        run({"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", key, "-out", csr, "-subj", subject}));
    expect_ok(run({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", cert(), "-CAkey",
                   dir_ + "/" + name_ + "-ca.key", "-CAcreateserial", "-out", pem, "-days", "2",
                   "-extfile", ext}));
  }
  static void expect_ok(const RunResult& r) { ASSERT_EQ(r.status, 0) << r.err; }
  std::string dir_, name_;
};

class Delivery : public ::testing::Test {
 protected:
  void make(const std::string& extra = "") {
    inst = std::make_unique<Instance>(
        "",
        "[delivery]\nretry_schedule_ms = [200, 300, 400, 500, 600, 700]\n"
        "poll_interval_ms = 100\nfeed_heartbeat_ms = 500\n" +
            extra);
  }
  void start() {
    inst->start();
    alice = inst->add_contact("alice");
    inst->sighup();
  }
  std::string send(const Alert& a, std::optional<AlertId> id = {}) {
    auto aid = id.value_or(random_alert_id());
    auto r = post_alert(inst->port(), str(inst->seal(alice, a, aid, unix_now())));
    EXPECT_TRUE(r && (r->status == 201 || r->status == 200)) << (r ? r->body : "no answer");
    return to_hex(aid);
  }
  std::vector<json::object> pull(const Org& o) {
    auto r = inst->client(o, {"--json", "feed", "--pull", "--from-start"});
    EXPECT_EQ(r.status, 0) << r.err;
    return json_lines(r.out);
  }

  std::unique_ptr<Instance> inst;
  Contact alice;
};

TEST_F(Delivery, WebhookOutageLosesNothingAndEverySignatureVerifies) {
  make();
  Receiver back(inst->dir(), "rx", "");
  back.start();
  const auto url = back.url();
  back.stop();  // down before anything is sent
  auto org = inst->add_org("ngo", OrgOptions{.webhook_url = url});
  back.set_secret(org.webhook_secret);
  start();
  // The receiver is down: alerts are still accepted and queued.
  std::set<std::string> sent;
  for (int i = 0; i < 5; ++i) sent.insert(send(new_case("CN-JL")));
  EXPECT_TRUE(
      eventually([&] { return inst->metric("casewire_webhook_failed_attempts_total") > 0; }));
  // Bring the receiver back on the same URL.
  back.start();
  ASSERT_EQ(back.url(), url) << "receiver must come back on the same port";
  ASSERT_TRUE(
      eventually([&] { return inst->metric("casewire_webhook_delivered_total") >= 5; }, 30s))
      << inst->metrics();
  std::set<std::string> ids;
  for (const auto& line : back.lines()) {
    auto o = json::parse(line).as_object();
    EXPECT_TRUE(o.at("hmac_ok").as_bool()) << "HMAC (checked by Python's hmac module)";
    // v1a: the daemon's Ed25519 signature over id.timestamp.body.
    const std::string sig = field(o, "signature");
    auto pos = sig.find("v1a,");
    ASSERT_NE(pos, std::string::npos);
    auto raw = from_base64(sig.substr(pos + 4));
    ASSERT_TRUE(raw);
    const std::string content =
        field(o, "id") + "." + field(o, "timestamp") + "." + field(o, "body");
    EXPECT_TRUE(verify_signature(inst->invite().daemon_sign, as_bytes(content), *raw));
    // The body is a Standard Webhooks payload; its data the signed notification.
    auto payload = json::parse(field(o, "body")).as_object();
    EXPECT_EQ(field(payload, "type"), "casewire.notification");
    EXPECT_EQ(field(payload, "timestamp").size(), 20u) << "RFC 3339, to the hour";
    auto body = open_payload(json::serialize(payload.at("data")), kNotificationDomain,
                             inst->invite().daemon_sign);
    ASSERT_TRUE(body.ok()) << body.error().message;
    EXPECT_EQ(body->size(), kNotificationBodySize);
    ids.insert(field(o, "id"));
    EXPECT_EQ(field(o, "user_agent"), "casewired/1");
  }
  EXPECT_EQ(ids.size(), 5u) << "every notification arrived (duplicates only as repeated ids)";
  back.stop();
}

TEST_F(Delivery, FeedSubscribersGetExactlyWhatTheirFiltersMatch) {
  make();
  auto jl = inst->add_org("jilin", OrgOptions{.regions = {"CN-JL"}});
  auto ln_cleared =
      inst->add_org("liaoning", OrgOptions{.regions = {"CN-LN"}, .cleared_private = true});
  auto urgent =
      inst->add_org("urgent", OrgOptions{.urgencies = {"immediate"}, .cleared_private = true});
  start();
  send(new_case("CN-JL", Consent::advocacy, Urgency::immediate));  // jilin, urgent
  send(new_case("CN-LN", Consent::private_only, Urgency::high));   // liaoning (cleared)
  send(new_case("CN-JL", Consent::private_only,
                Urgency::immediate));                           // urgent only (jilin not cleared)
  send(new_case("CN-YN", Consent::advocacy, Urgency::normal));  // nobody
  auto a = pull(jl), b = pull(ln_cleared), c = pull(urgent);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(field(a[0], "region"), "CN-JL");
  EXPECT_EQ(field(a[0], "consent"), "advocacy");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(field(b[0], "region"), "CN-LN");
  EXPECT_EQ(field(b[0], "consent"), "private");
  ASSERT_EQ(c.size(), 2u);
  for (const auto& n : c) EXPECT_EQ(field(n, "urgency"), "immediate");
}

TEST_F(Delivery, AStreamingSubscriberThatReconnectsWithLastEventIdMissesNothing) {
  make();
  auto org = inst->add_org("ngo", OrgOptions{});
  start();
  for (int i = 0; i < 2; ++i) send(new_case("CN-JL"));
  // Streams the two waiting events, then disconnects (cursor saved).
  auto first = inst->client(org, {"--json", "feed", "--count", "2"});
  ASSERT_EQ(first.status, 0) << first.err;
  // While it is away, three more.
  for (int i = 0; i < 3; ++i) send(new_case("CN-JL"));
  // A streaming reader started before the next event must also see it live.
  Process live({bin("casewire"), "--home", org.home, "--json", "feed", "--count", "4"},
               inst->dir() + "/live");
  ASSERT_TRUE(eventually([&] { return inst->metric("casewire_feed_streams") >= 1; }))
      << "the live reader never connected";
  send(new_case("CN-JL"));
  ASSERT_TRUE(live.wait(20s).has_value()) << "the live feed did not get the new event";
  auto a = json_lines(first.out), b = json_lines(live.out());
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 4u) << live.err();
  std::vector<std::uint64_t> seqs;
  for (const auto& v : {a, b})
    for (const auto& n : v) seqs.push_back(n.at("id").to_number<std::uint64_t>());
  for (std::size_t i = 1; i < seqs.size(); ++i)
    EXPECT_EQ(seqs[i], seqs[i - 1] + 1) << "gap or duplicate";
}

TEST_F(Delivery, RawFeedRequestsAreAuthenticatedAndReplaysRefused) {
  make();
  auto org = inst->add_org("ngo", OrgOptions{});
  start();
  auto get = [&](const std::string& auth) {
    auto c = RawClient::connect(inst->port(), true);
    c->send("GET /v1/notifications?after=0 HTTP/1.1\r\nHost: t\r\nAuthorization: " + auth +
            "\r\n\r\n");
    return c->read_reply();
  };
  auto auth = sign_request(org.identity->sign, inst->invite().daemon_sign.id(), "GET",
                           "/v1/notifications?after=0", "", unix_now());
  auto ok = get(auth);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  auto replay = get(auth);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 401);
  EXPECT_NE(replay->body.find("replayed_request"), std::string::npos);
  auto stale = get(sign_request(org.identity->sign, inst->invite().daemon_sign.id(), "GET",
                                "/v1/notifications?after=0", "", unix_now() - 3600));
  EXPECT_NE(stale->body.find("stale_request"), std::string::npos);
  auto stranger = get(sign_request(SigningKey::generate(), inst->invite().daemon_sign.id(), "GET",
                                   "/v1/notifications?after=0", "", unix_now()));
  EXPECT_EQ(stranger->status, 401);
  auto contact_as_org = get(sign_request(alice.identity->sign, inst->invite().daemon_sign.id(),
                                         "GET", "/v1/notifications?after=0", "", unix_now()));
  EXPECT_EQ(contact_as_org->status, 401) << "a contact key is not an organisation key";
}

TEST_F(Delivery, AcknowledgementsReachTheOtherOrganisationsAndTheContact) {
  make();
  auto a = inst->add_org("a", OrgOptions{});
  auto b = inst->add_org("b", OrgOptions{});
  start();
  auto sent = inst->client(alice, {"--json", "send", "--people", "2", "--arrest-place", "CN-JL",
                                   "--urgency", "immediate", "--consent", "advocacy"});
  ASSERT_EQ(sent.status, 0) << sent.err;
  const auto case_ref = field(json::parse(sent.out).as_object(), "alert_id");
  auto before = inst->client(alice, {"--json", "status", case_ref});
  ASSERT_EQ(before.status, 0) << before.err;
  EXPECT_FALSE(json::parse(before.out).as_object().at("acknowledged").as_bool());

  auto na = pull(a);
  ASSERT_EQ(na.size(), 1u);
  auto acked = inst->client(a, {"ack", std::to_string(na[0].at("id").to_number<std::uint64_t>())});
  ASSERT_EQ(acked.status, 0) << acked.err;
  auto nb = pull(b);
  ASSERT_EQ(nb.size(), 2u);
  EXPECT_EQ(field(nb[1], "event"), "acknowledged");
  EXPECT_EQ(nb[1].at("acks").as_int64(), 1);
  EXPECT_EQ(field(nb[1], "case"), field(nb[0], "case"));
  // The acknowledging organisation hears of it too: its other clients (a
  // dashboard beside `casewire ack`) learn that way that it is acting.
  auto own = pull(a);
  ASSERT_EQ(own.size(), 2u);
  EXPECT_EQ(field(own[1], "event"), "acknowledged");

  auto after = json::parse(inst->client(alice, {"--json", "status", case_ref}).out).as_object();
  EXPECT_TRUE(after.at("acknowledged").as_bool());
  EXPECT_EQ(after.at("organisations_acting").as_int64(), 1);
  EXPECT_EQ(after.find("a"), after.end()) << "no organisation is named";

  // Another contact cannot ask about alice's case.
  auto bob = inst->add_contact("bob");
  inst->sighup();
  auto nosy = inst->client(bob, {"status", case_ref});
  EXPECT_NE(nosy.status, 0);
  EXPECT_NE(nosy.err.find("unknown_case"), std::string::npos) << nosy.err;
  // And an organisation cannot acknowledge what it never received.
  auto c = inst->add_org("c", OrgOptions{.regions = {"CN-YN"}});
  inst->sighup();
  auto stray = inst->client(c, {"ack", std::to_string(na[0].at("id").to_number<std::uint64_t>())});
  EXPECT_NE(stray.status, 0);
}

TEST_F(Delivery, UpdatesAndRetractionsFollowTheCaseUnderTheSamePseudonym) {
  make();
  auto a = inst->add_org("a", OrgOptions{.regions = {"CN-JL"}});
  auto other = inst->add_org("other", OrgOptions{.regions = {"CN-LN"}});
  start();
  auto case_ref = *parse_alert_id(send(new_case("CN-JL")));
  Alert upd;
  upd.kind = AlertKind::update;
  upd.case_ref = case_ref;
  upd.status = CaseStatus::transferred;
  upd.held_place = Place{"CN-LN-F01", kCanaryHeld};  // moved into another region
  send(upd);
  Alert retract;
  retract.kind = AlertKind::retraction;
  retract.case_ref = case_ref;
  send(retract);
  auto n = pull(a);
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(field(n[1], "event"), "update");
  EXPECT_EQ(field(n[1], "status"), "transferred");
  EXPECT_EQ(field(n[1], "held_at"), "CN-LN-F01");
  EXPECT_EQ(field(n[2], "event"), "retraction");
  EXPECT_EQ(field(n[0], "case"), field(n[2], "case"));
  EXPECT_NE(field(n[0], "case"), to_hex(case_ref)) << "the pseudonym is not the alert id";
  EXPECT_TRUE(pull(other).empty()) << "follow-ups go to the organisations already on the case";

  Alert orphan;
  orphan.kind = AlertKind::update;
  orphan.case_ref = random_alert_id();
  orphan.status = CaseStatus::released;
  auto r = post_alert(inst->port(), str(inst->seal(alice, orphan)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  EXPECT_NE(r->body.find("unknown_case"), std::string::npos);
}

TEST_F(Delivery, UnacknowledgedCasesAreEscalated) {
  make("escalate_after_s = 3\n");
  auto regular = inst->add_org("regular", OrgOptions{.regions = {"CN-JL"}});
  auto esc = inst->add_org("escalation", OrgOptions{.regions = {"CN-YN"}, .escalation = true});
  start();
  // Case A is acknowledged well within its deadline; case B is not.
  send(new_case("CN-JL"));
  auto a = pull(regular);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(inst->client(regular, {"ack", std::to_string(a[0].at("id").to_number<std::uint64_t>())})
                .status,
            0);
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return inst->metric("casewire_escalations_total") >= 1; }, 20s));
  std::this_thread::sleep_for(500ms);
  auto e = pull(esc);
  ASSERT_EQ(e.size(), 1u) << "only the unacknowledged case is escalated";
  EXPECT_EQ(field(e[0], "event"), "escalation");
  // Case A, its own acknowledgement, case B.
  auto all = pull(regular);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(field(all[1], "event"), "acknowledged");
  EXPECT_EQ(field(e[0], "case"), field(all[2], "case"));
  EXPECT_NE(inst->log().find("event=cases_escalated count=1"), std::string::npos);
  EXPECT_EQ(inst->metric("casewire_escalations_total"), 1u);
}

TEST_F(Delivery, A410DisablesTheEndpointAndTheFailureIsVisible) {
  make();
  Receiver rx(inst->dir(), "gone", "");
  rx.start();
  rx.answer(410);
  auto org = inst->add_org("gone", OrgOptions{.webhook_url = rx.url()});
  start();
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return inst->metric("casewire_webhooks_disabled_total") >= 1; }));
  send(new_case("CN-JL"));
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(rx.lines().size(), 1u) << "a disabled endpoint is not called again";
  EXPECT_EQ(pull(org).size(), 2u) << "notifications stay readable on the feed";
  auto listed = run({bin("casewire-keys"), "list", "--dir", inst->keys_dir()});
  EXPECT_NE(listed.out.find("webhook=disabled"), std::string::npos) << listed.out;
}

TEST_F(Delivery, ReenablingADisabledEndpointDeliversWhatWaited) {
  make();
  Receiver rx(inst->dir(), "fixed", "");
  rx.start();
  rx.answer(410);
  auto org = inst->add_org("fixed", OrgOptions{.webhook_url = rx.url()});
  rx.set_secret(org.webhook_secret);
  start();
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return inst->metric("casewire_webhooks_disabled_total") >= 1; }));
  send(new_case("CN-JL"));
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(rx.lines().size(), 1u);
  // The receiver is fixed; the operator says so.
  rx.answer(200);
  auto set = run({bin("casewire-keys"), "set-org", "--dir", inst->keys_dir(), key_id_hex(org.id),
                  "--reenable"});
  ASSERT_EQ(set.status, 0) << set.err;
  EXPECT_NE(run({bin("casewire-keys"), "list", "--dir", inst->keys_dir()})
                .out.find("webhook=disabled(retried after SIGHUP)"),
            std::string::npos);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(rx.lines().size(), 1u) << "nothing changes before the daemon reloads";
  inst->sighup();
  ASSERT_TRUE(eventually([&] { return inst->metric("casewire_webhook_delivered_total") >= 2; }))
      << inst->metrics();
  EXPECT_EQ(inst->metric("casewire_webhooks_revived_total"), 1u);
  EXPECT_NE(inst->log().find("event=webhooks_revived count=1"), std::string::npos);
  std::set<std::string> delivered;
  for (const auto& line : rx.lines()) {
    auto o = json::parse(line).as_object();
    if (o.at("answered").as_int64() == 200) {
      EXPECT_TRUE(o.at("hmac_ok").as_bool());
      delivered.insert(field(o, "id"));
    }
  }
  EXPECT_EQ(delivered.size(), 2u) << "both notifications, the one answered 410 included";
  EXPECT_NE(run({bin("casewire-keys"), "list", "--dir", inst->keys_dir()}).out.find("webhook=ok"),
            std::string::npos);
  // A second SIGHUP with nothing changed revives nothing.
  inst->sighup();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(inst->metric("casewire_webhooks_revived_total"), 1u);
}

TEST_F(Delivery, AMovedEndpointGetsWhatTheOldOneGaveUpOn) {
  make();  // six retries: the old endpoint is given up on within seconds
  Receiver old_rx(inst->dir(), "old", "");
  old_rx.start();
  old_rx.answer(500);
  auto org = inst->add_org("moving", OrgOptions{.webhook_url = old_rx.url()});
  start();
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return old_rx.lines().size() >= 7; }, 30s))
      << "first attempt and six retries";
  std::this_thread::sleep_for(1500ms);
  ASSERT_EQ(old_rx.lines().size(), 7u) << "given up after the schedule";
  EXPECT_NE(
      run({bin("casewire-keys"), "list", "--dir", inst->keys_dir()}).out.find("webhook=failing"),
      std::string::npos);

  Receiver new_rx(inst->dir(), "new", "");
  new_rx.start();
  const std::string sealed = inst->dir() + "/moving.webhook-secret";
  auto set = run({bin("casewire-keys"), "set-org", "--dir", inst->keys_dir(), key_id_hex(org.id),
                  "--webhook", new_rx.url(), "--rotate-secret", "--allow-private-webhook",
                  "--secret-out", sealed});
  ASSERT_EQ(set.status, 0) << set.err;
  EXPECT_EQ(set.out.find("whsec_"), std::string::npos) << "the new secret travels sealed";
  auto opened = run({bin("casewire"), "webhook-secret", sealed, "--key", org.key_path,
                     "--insecure-no-passphrase"});
  ASSERT_EQ(opened.status, 0) << opened.err;
  const std::string secret = opened.out.substr(0, opened.out.find('\n'));
  EXPECT_NE(secret, org.webhook_secret);
  new_rx.set_secret(secret);
  inst->sighup();
  ASSERT_TRUE(eventually([&] { return inst->metric("casewire_webhook_delivered_total") >= 1; }))
      << inst->metrics();
  auto lines = new_rx.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(json::parse(lines[0]).as_object().at("hmac_ok").as_bool())
      << "signed with the rotated secret";
  EXPECT_EQ(old_rx.lines().size(), 7u) << "the old endpoint is not called again";
}

TEST_F(Delivery, RetryAfterSlowsTheSenderDown) {
  make();  // retry schedule 200 ms...: without Retry-After, many attempts per second
  Receiver rx(inst->dir(), "slow", "");
  rx.start();
  rx.answer(429);  // the receiver also sends Retry-After: 1
  inst->add_org("slow", OrgOptions{.webhook_url = rx.url()});
  start();
  send(new_case("CN-JL"));
  std::this_thread::sleep_for(2500ms);
  const auto attempts = rx.lines().size();
  EXPECT_GE(attempts, 2u);
  EXPECT_LE(attempts, 4u) << "Retry-After: 1 allows about one attempt per second";
  rx.answer(200);
  ASSERT_TRUE(eventually([&] { return inst->metric("casewire_webhook_delivered_total") >= 1; }));
}

TEST_F(Delivery, ACrashBetweenRecordAndDeliveryLosesNoNotification) {
  make();
  Receiver rx(inst->dir(), "crash", "");
  rx.start();
  rx.answer(503);
  auto org = inst->add_org("crash", OrgOptions{.webhook_url = rx.url()});
  start();
  for (int i = 0; i < 4; ++i) send(new_case("CN-JL"));
  inst->kill9();  // recorded, not delivered
  rx.answer(200);
  inst->start();
  ASSERT_TRUE(eventually(
      [&] {
        std::set<std::string> ok;
        for (const auto& l : rx.lines()) {
          auto o = json::parse(l).as_object();
          if (o.at("answered").as_int64() == 200) ok.insert(field(o, "id"));
        }
        return ok.size() == 4;
      },
      30s))
      << inst->log();
}

TEST_F(Delivery, CapSubscribersGetValidCap) {
  make();
  Receiver rx(inst->dir(), "cap", "");
  rx.start();
  inst->add_org("capper", OrgOptions{.webhook_url = rx.url(), .format = "cap"});
  start();
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return !rx.lines().empty(); }));
  auto o = json::parse(rx.lines()[0]).as_object();
  // A Standard Webhooks payload like every format; the CAP XML in data.cap.
  EXPECT_EQ(field(o, "content_type"), "application/json");
  auto payload = json::parse(field(o, "body")).as_object();
  EXPECT_EQ(field(payload, "type"), "casewire.notification.cap");
  const std::string xml = field(payload.at("data").as_object(), "cap");
  EXPECT_EQ(xml.rfind("<?xml", 0), 0u) << xml;
  ASSERT_TRUE(
      write_file_atomic(inst->dir() + "/cap.xml", as_bytes(xml), 0644, Overwrite::yes).ok());
  auto r = run({"/usr/bin/xmllint", "--noout", "--schema",
                std::string(CASEWIRE_SOURCE_DIR) + "/tests/data/CAP-v1.2.xsd",
                inst->dir() + "/cap.xml"});
  EXPECT_EQ(r.status, 0) << r.err;
}

// Claim: a sealed subscription's notifications cross every relay unreadable:
// the webhook body and the feed carry only a box that the organisation's key
// opens (then the daemon's signature inside verifies); another
// organisation's key does not open it. And the daemon signs each
// notification once, however many organisations and channels carry it.
TEST_F(Delivery, SealedNotificationsAreUnreadableOnTheWayAndSignedOnce) {
  make();
  Receiver sealed_rx(inst->dir(), "sealed-hook", ""), clear_rx(inst->dir(), "clear-hook", "");
  sealed_rx.start();
  clear_rx.start();
  auto sealed = inst->add_org(
      "sealed",
      OrgOptions{.webhook_url = sealed_rx.url(), .regions = {"CN-JL"}, .format = "sealed"});
  auto clear =
      inst->add_org("clear", OrgOptions{.webhook_url = clear_rx.url(), .regions = {"CN-JL"}});
  auto other = inst->add_org("other", OrgOptions{.regions = {"CN-JL"}});
  sealed_rx.set_secret(sealed.webhook_secret);
  clear_rx.set_secret(clear.webhook_secret);
  start();
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return !sealed_rx.lines().empty() && !clear_rx.lines().empty(); }));

  // What a relay in front of the sealed organisation sees: a box.
  auto o = json::parse(sealed_rx.lines()[0]).as_object();
  EXPECT_TRUE(o.at("hmac_ok").as_bool());
  const std::string raw = field(o, "body");
  auto payload = json::parse(raw).as_object();
  EXPECT_EQ(field(payload, "type"), "casewire.notification.sealed");
  for (const char* clear_text : {"CN-JL", "payload", "signature", "new_case", "immediate"})
    EXPECT_EQ(field(payload.at("data").as_object(), "sealed").find(clear_text), std::string::npos)
        << "a relay reads " << clear_text;
  const std::string data = json::serialize(payload.at("data"));
  // The organisation's key opens it; the daemon's signature inside verifies.
  auto inner = open_sealed_notification(data, *sealed.identity);
  ASSERT_TRUE(inner.ok()) << inner.error().message;
  auto body = open_payload(*inner, kNotificationDomain, inst->invite().daemon_sign);
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto n = decode_notification(*body);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->facts.region, "CN-JL");
  // Another organisation's key does not.
  EXPECT_FALSE(open_sealed_notification(data, *other.identity).ok());
  EXPECT_FALSE(open_sealed_notification(data, *clear.identity).ok());

  // The feed: the sealed organisation's client opens and verifies it; the
  // raw pull answer carries only boxes.
  auto items = pull(sealed);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(field(items[0], "region"), "CN-JL");
  EXPECT_TRUE(items[0].at("verified").as_bool());
  auto c = RawClient::connect(inst->port(), true);
  ASSERT_TRUE(c);
  const std::string target = "/v1/notifications?after=0";
  ASSERT_TRUE(c->send("GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                      sign_request(sealed.identity->sign, inst->invite().daemon_sign.id(), "GET",
                                   target, "", unix_now()) +
                      "\r\n\r\n"));
  auto pulled = c->read_reply();
  ASSERT_TRUE(pulled && pulled->status == 200);
  EXPECT_NE(pulled->body.find("cwnote1"), std::string::npos);
  EXPECT_EQ(pulled->body.find("CN-JL"), std::string::npos) << pulled->body;

  // One signature for the one notification: two webhooks, three feeds.
  EXPECT_EQ(pull(clear).size(), 1u);
  EXPECT_EQ(pull(other).size(), 1u);
  EXPECT_EQ(inst->metric("casewire_notification_signatures_total"), 1u) << inst->metrics();
  EXPECT_GE(inst->metric("casewire_notifications_sealed_total"), 2u);
  sealed_rx.stop();
  clear_rx.stop();
}

// Claim: a new webhook secret reaches the organisation sealed to its key in
// a file - never on the operator's terminal - and what the organisation's
// client opens is what the daemon signs with.
TEST_F(Delivery, TheWebhookSecretTravelsSealedAndTheReceiverVerifiesWithIt) {
  make();
  Receiver rx(inst->dir(), "sealed", "");
  rx.start();
  const std::string org_key = inst->dir() + "/ngo-own.key", sealed = inst->dir() + "/ngo.secret";
  ASSERT_EQ(
      run({bin("casewire-keys"), "new-org", "--out", org_key, "--insecure-no-passphrase"}).status,
      0);
  auto added = run({bin("casewire-keys"), "add-org", "--dir", inst->keys_dir(), "--pub",
                    org_key + ".pub", "--name", "ngo", "--webhook", rx.url(),
                    "--allow-private-webhook", "--secret-out", sealed});
  ASSERT_EQ(added.status, 0) << added.err;
  EXPECT_EQ((added.out + added.err).find("whsec_"), std::string::npos) << added.out;
  EXPECT_EQ(read_text(sealed).find("whsec_"), std::string::npos);
  auto opened = run(
      {bin("casewire"), "webhook-secret", sealed, "--key", org_key, "--insecure-no-passphrase"});
  ASSERT_EQ(opened.status, 0) << opened.err;
  ASSERT_EQ(opened.out.rfind("whsec_", 0), 0u) << opened.out;
  rx.set_secret(opened.out.substr(0, opened.out.find('\n')));
  // Another organisation's key cannot open it.
  const std::string other = inst->dir() + "/other.key";
  ASSERT_EQ(
      run({bin("casewire-keys"), "new-org", "--out", other, "--insecure-no-passphrase"}).status, 0);
  auto refused =
      run({bin("casewire"), "webhook-secret", sealed, "--key", other, "--insecure-no-passphrase"});
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.err.find("bad_key_file"), std::string::npos) << refused.err;
  start();
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return !rx.lines().empty(); }));
  EXPECT_TRUE(json::parse(rx.lines()[0]).as_object().at("hmac_ok").as_bool())
      << "the opened secret is the one the daemon signs with";
}

// Claim: an HTTPS webhook is delivered only to the receiver whose certificate
// chains to a trusted CA and names the host in the URL. The daemon trusts the
// test CA through OpenSSL's SSL_CERT_FILE (the system store otherwise).
TEST_F(Delivery, HttpsWebhooksVerifyTheReceiversCertificateAndHostName) {
  make();
  TestCa trusted(inst->dir(), "trusted"), stranger(inst->dir(), "stranger");
  struct Case {
    const char* name;
    std::pair<std::string, std::string> cert;
    bool delivered;
  };
  std::vector<Case> cases = {
      {"good", trusted.leaf("localhost"), true},
      {"wronghost", trusted.leaf("wrong.example"), false},
      {"unknownca", stranger.leaf("localhost"), false},
  };
  std::vector<std::unique_ptr<Receiver>> rx;
  for (auto& c : cases) {
    rx.push_back(std::make_unique<Receiver>(inst->dir(), c.name, ""));
    rx.back()->use_tls(c.cert.first, c.cert.second);
    rx.back()->start();
    auto org = inst->add_org(c.name, OrgOptions{.webhook_url = rx.back()->url()});
    rx.back()->set_secret(org.webhook_secret);
  }
  inst->set_env("SSL_CERT_FILE", trusted.cert());
  start();
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return rx[0]->lines().size() == 1; }))
      << "a receiver with a good certificate is delivered to";
  auto got = json::parse(rx[0]->lines()[0]).as_object();
  EXPECT_TRUE(got.at("hmac_ok").as_bool());
  EXPECT_EQ(got.at("path").as_string(), "/hook");
  // The other two are tried (and retried) but never receive a byte of it.
  ASSERT_TRUE(
      eventually([&] { return inst->metric("casewire_webhook_failed_attempts_total") >= 4; }));
  EXPECT_TRUE(rx[1]->lines().empty()) << "a certificate for another host name was accepted";
  EXPECT_TRUE(rx[2]->lines().empty()) << "a certificate from an unknown CA was accepted";
  EXPECT_EQ(inst->metric("casewire_webhook_delivered_total"), 1u);
}

// Claim: a receiver with a self-signed or internal certificate can be
// pinned; the pin then is the only thing trusted (no CA, no host name), and
// a receiver presenting any other key gets nothing.
TEST_F(Delivery, APinnedReceiverIsTrustedByItsKeyAlone) {
  make();
  TestCa internal(inst->dir(), "internal"), other(inst->dir(), "other");
  auto cert = internal.leaf("receiver.internal");  // a name the URL does not use, an unknown CA
  auto pin = spki_pin_of_pem_file(cert.first);
  auto wrong = spki_pin_of_pem_file(other.leaf("localhost").first);
  ASSERT_TRUE(pin.ok() && wrong.ok());
  Receiver good(inst->dir(), "pinned", ""), bad(inst->dir(), "mispinned", "");
  for (auto* rx : {&good, &bad}) {
    rx->use_tls(cert.first, cert.second);
    rx->start();
  }
  auto g = inst->add_org("pinned", OrgOptions{.webhook_url = good.url(), .webhook_pin = *pin});
  auto b = inst->add_org("mispinned", OrgOptions{.webhook_url = bad.url(), .webhook_pin = *wrong});
  good.set_secret(g.webhook_secret);
  bad.set_secret(b.webhook_secret);
  start();
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return good.lines().size() == 1; }))
      << "the pinned key is trusted without a CA or a matching name";
  EXPECT_TRUE(json::parse(good.lines()[0]).as_object().at("hmac_ok").as_bool());
  ASSERT_TRUE(
      eventually([&] { return inst->metric("casewire_webhook_pin_mismatches_total") >= 2; }));
  EXPECT_TRUE(bad.lines().empty()) << "a receiver with another key received a notification";
  EXPECT_NE(inst->log().find("event=webhook_pin_mismatch"), std::string::npos);
}

// Claim: with [delivery] proxy set, webhooks go through the SOCKS5 proxy by
// name: the daemon never looks the receiver's name up or connects to it
// itself, so the receiver sees only the proxy. The name below resolves
// nowhere on this machine (.invalid); only the test proxy knows it.
TEST_F(Delivery, WebhooksThroughAProxyNeverResolveOrReachTheReceiverDirectly) {
  TempDir scratch;
  const std::string name = "hooks-" + to_hex(random_alert_id()).substr(0, 8) + ".casewire.invalid";
  Process proxy(
      {"/usr/bin/python3", std::string(CASEWIRE_SOURCE_DIR) + "/tests/support/socks5_proxy.py",
       "--log", scratch.path() + "/socks.log", "--map", name + "=127.0.0.1"},
      scratch.path() + "/socks");
  ASSERT_TRUE(proxy.wait_for_output("listening on", 10s)) << proxy.err();
  const auto proxy_port = proxy.out().substr(proxy.out().find("listening on ") + 13);
  make("proxy = \"socks5h://127.0.0.1:" + proxy_port.substr(0, proxy_port.find('\n')) + "\"\n");
  TestCa ca(inst->dir(), "proxied");
  auto cert = ca.leaf(name);
  Receiver rx(inst->dir(), "proxied", "");
  rx.use_tls(cert.first, cert.second);
  rx.start();
  const std::string local = rx.url();  // https://localhost:PORT/hook
  const std::string url = "https://" + name + local.substr(local.rfind(':'));
  auto org = inst->add_org("proxied", OrgOptions{.webhook_url = url});
  rx.set_secret(org.webhook_secret);
  inst->set_env("SSL_CERT_FILE", ca.cert());
  const std::string resolver_log = scratch.path() + "/resolver.log";
  inst->set_env("LD_PRELOAD", std::string(CASEWIRE_BINARY_DIR) + "/tests/libresolver_watch.so");
  inst->set_env("CASEWIRE_RESOLVER_LOG", resolver_log);
  // In the sanitizer build the watch is preloaded ahead of ASan's runtime,
  // which ASan checks by default; the watch only observes, so allow it.
  const std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  inst->set_env("ASAN_OPTIONS", asan + (asan.empty() ? "" : ":") + "verify_asan_link_order=0");
  start();
  send(new_case("CN-JL"));
  ASSERT_TRUE(eventually([&] { return rx.lines().size() == 1; })) << inst->metrics();
  EXPECT_TRUE(json::parse(rx.lines()[0]).as_object().at("hmac_ok").as_bool());
  const auto socks = read_text(scratch.path() + "/socks.log");
  EXPECT_NE(socks.find("\"atyp\": 3"), std::string::npos) << socks;
  EXPECT_NE(socks.find(name), std::string::npos) << "the proxy was given the name: " << socks;
  const auto lookups = read_text(resolver_log);
  EXPECT_NE(lookups.find("127.0.0.1"), std::string::npos)
      << "the resolver watch saw nothing: it is not loaded, and this test proves nothing";
  EXPECT_EQ(lookups.find(name), std::string::npos)
      << "the daemon looked the receiver's name up itself";
}

// Organisations answer more than "acting": "cannot act" and "need
// information", as codes only; the reporting contact sees the answers to
// their case, and a follow-up clears the requests for information.
TEST_F(Delivery, OrganisationsAnswerAndTheReporterSeesTheAnswers) {
  make();
  auto acts = inst->add_org("acts", OrgOptions{});
  auto cannot = inst->add_org("cannot", OrgOptions{});
  auto asks = inst->add_org("asks", OrgOptions{});
  auto elsewhere = inst->add_org("elsewhere", OrgOptions{.regions = {"CN-LN"}});
  start();
  const std::string case_ref = send(new_case("CN-JL"));
  const auto id = std::to_string(pull(acts).at(0).at("id").as_int64());
  ASSERT_EQ(inst->client(acts, {"ack", id}).status, 0);
  auto c = inst->client(cannot, {"answer", id, "--cannot-act", "no_capacity"});
  ASSERT_EQ(c.status, 0) << c.err;
  auto a = inst->client(asks, {"answer", id, "--need-info", "expected_transfer"});
  ASSERT_EQ(a.status, 0) << a.err;
  // Codes only: free text is refused by the client and by the daemon.
  EXPECT_EQ(inst->client(asks, {"answer", id, "--need-info", "the names please"}).status, 1);
  auto raw = [&](const std::string& body) {
    const std::string target = "/v1/notifications/" + id + "/answer";
    auto conn = RawClient::connect(inst->port(), true);
    conn->send(http_request("POST", target, body,
                            "Authorization: " +
                                sign_request(asks.identity->sign, inst->invite().daemon_sign.id(),
                                             "POST", target, body, unix_now()) +
                                "\r\n"));
    return conn->read_reply();
  };
  auto free_text = raw(R"({"answer":"need_information","reason":"Kim's phone number"})");
  ASSERT_TRUE(free_text);
  EXPECT_EQ(free_text->status, 400);
  EXPECT_NE(free_text->body.find("bad_request"), std::string::npos);
  EXPECT_EQ(free_text->body.find("Kim"), std::string::npos) << "nothing is echoed";
  // An organisation the case was not sent to cannot answer it.
  EXPECT_EQ(inst->client(elsewhere, {"answer", id, "--cannot-act", "outside_region"}).status, 2);

  auto status = inst->client(alice, {"status", case_ref});
  ASSERT_EQ(status.status, 0) << status.err;
  EXPECT_NE(status.out.find("(1 organisation(s) acting)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("cannot act    1 organisation(s)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("asked for     the expected transfer date"), std::string::npos)
      << status.out;

  // The reporter answers with a follow-up: the request is cleared.
  Alert upd = sample_alert();
  upd.kind = AlertKind::update;
  upd.case_ref = *parse_alert_id(case_ref);
  upd.status = CaseStatus::detained;
  upd.people.reset();
  upd.arrest_place.reset();
  send(upd);
  auto after = inst->client(alice, {"status", case_ref});
  ASSERT_EQ(after.status, 0) << after.err;
  EXPECT_EQ(after.out.find("asked for"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("cannot act    1"), std::string::npos) << "other answers stay";
  // An organisation that acted and now cannot: its answer replaces its acknowledgement.
  ASSERT_EQ(inst->client(acts, {"answer", id, "--cannot-act", "no_capacity"}).status, 0);
  auto last = inst->client(alice, {"status", case_ref});
  EXPECT_NE(last.out.find("(0 organisation(s) acting)"), std::string::npos) << last.out;
  EXPECT_NE(last.out.find("cannot act    2"), std::string::npos) << last.out;
}

TEST_F(Delivery, NoCanaryAppearsInAnyNotificationHeaderLogMetricOrStoreFile) {
  make("escalate_after_s = 1\n");
  Receiver rx(inst->dir(), "canary", "");
  rx.start();
  auto org = inst->add_org(
      "canary", OrgOptions{.webhook_url = rx.url(), .cleared_private = true, .escalation = true});
  start();
  auto ref = *parse_alert_id(send(sample_alert()));
  Alert upd = sample_alert();
  upd.kind = AlertKind::update;
  upd.case_ref = ref;
  upd.status = CaseStatus::detained;
  send(upd);
  auto bad = sample_alert();
  bad.people->children = 99;  // a rejection must not echo content either
  auto rej = post_alert(inst->port(), str(inst->seal(alice, bad)));
  ASSERT_TRUE(eventually(
      [&] { return rx.lines().size() >= 2 && inst->metric("casewire_escalations_total") >= 1; }));
  auto feed = inst->client(org, {"--json", "feed", "--pull", "--from-start"});
  ASSERT_EQ(feed.status, 0) << feed.err;
  ASSERT_GE(json_lines(feed.out).size(), 2u) << "the canary case must have reached the feed";
  ASSERT_TRUE(rej);
  EXPECT_EQ(rej->status, 422);
  // Every header and path of every webhook request, the feed, metrics, the
  // log, the rejection, and the files both while running (WAL) and after.
  std::string everything = read_text(inst->dir() + "/canary.hooks") + feed.out + feed.err +
                           inst->metrics() + rej->body + seized_files(*inst);
  inst->stop();
  everything += seized_files(*inst);
  for (const char* c : kAllCanaries) EXPECT_EQ(everything.find(c), std::string::npos) << c;
  expect_absent(everything, alice.id, "the sender's key id");
  expect_absent(everything, alice.identity->sign.public_key().bytes, "the sender's public key");
  expect_absent(everything, ref, "the alert id");
}

}  // namespace
}  // namespace cw::test
