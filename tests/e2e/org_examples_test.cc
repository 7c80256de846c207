// The organisations' reference code (examples/org/, Python and JavaScript)
// against a real daemon: each receives real webhooks, verifies the HMAC and
// the daemon's signature, refuses forgeries, and acknowledges a case with a
// signed request over a pinned TLS connection.
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "protocol/bytes.h"
#include "protocol/file_io.h"
#include "protocol/webhook_secret.h"
#include "tests/support/eventually.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"

namespace cw::test {
namespace {

std::string example(const std::string& file) {
  return std::string(CASEWIRE_SOURCE_DIR) + "/examples/org/" + file;
}

struct Language {
  const char* name;
  std::vector<std::string> run;  // interpreter and script
};

class OrgExamples : public ::testing::TestWithParam<Language> {
 protected:
  std::vector<std::string> cmd(std::vector<std::string> args) const {
    auto argv = GetParam().run;
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  // POSTs `body` to the example receiver with the given webhook headers;
  // returns the HTTP status curl saw.
  std::string post(std::uint16_t port, const std::string& body, const std::string& id,
                   const std::string& ts, const std::string& sig) {
    auto r = run({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                  "webhook-id: " + id, "-H", "webhook-timestamp: " + ts, "-H",
                  "webhook-signature: " + sig, "-H", "content-type: application/json",
                  "--data-binary", body, "http://127.0.0.1:" + std::to_string(port) + "/hook"});
    return r.out;
  }
  static std::string hmac_v1(const std::string& whsec, const std::string& signed_text) {
    auto secret = parse_webhook_secret(whsec);
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret->data(), static_cast<int>(secret->size()),
         reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &len);
    return "v1," + to_base64(ByteView(mac, len));
  }
};

TEST_P(OrgExamples, ReceiveVerifyAndAcknowledgeAgainstARealDaemon) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  inst.start();  // writes the invite the examples read
  // The receiver (port 0), then the organisation subscribed to it.
  const std::string secret_file = inst.dir() + "/caseworkers.whsec";
  Process receiver(cmd({"receive", "--invite", inst.invite_path(), "--secret-file", secret_file,
                        "--listen", "127.0.0.1:0"}),
                   inst.dir() + "/receiver");
  ASSERT_TRUE(receiver.wait_for_output("listening on", std::chrono::seconds(20))) << receiver.err();
  const auto out0 = receiver.out();
  const auto port =
      static_cast<std::uint16_t>(std::stoi(out0.substr(out0.find("listening on ") + 13)));
  Org org = inst.add_org("caseworkers",
                         {.webhook_url = "http://127.0.0.1:" + std::to_string(port) + "/hook"});
  inst.sighup();
  ASSERT_TRUE(eventually([&] { return inst.metric("casewire_trust_reloads_total") == 1; }));
  ASSERT_EQ(
      post_alert(inst.port(), std::string(as_chars(inst.seal(alice, sample_alert()))))->status,
      201);

  // The daemon's webhook passes both checks and is printed.
  ASSERT_TRUE(eventually([&] { return receiver.out().find("\"new_case\"") != std::string::npos; },
                         std::chrono::seconds(20)))
      << receiver.out() << receiver.err();
  const std::string line = receiver.out().substr(receiver.out().find('{'));
  for (const char* canary : kAllCanaries) EXPECT_EQ(line.find(canary), std::string::npos);
  const auto at = line.find("\"id\": ") != std::string::npos ? line.find("\"id\": ") + 6
                                                             : line.find("\"id\":") + 5;
  const std::string id = std::to_string(std::stoull(line.substr(at)));
  // The receiver prints before it answers 204: the daemon counts the
  // delivery once the answer is in.
  EXPECT_TRUE(eventually([&] { return inst.metric("casewire_webhook_delivered_total") == 1; }));

  // Forgeries get 401 and print nothing: no signature; a valid HMAC over a
  // body whose daemon signature is forged (someone holding the secret); a
  // valid HMAC from too long ago (a replay).
  const std::string ts = std::to_string(unix_now());
  const std::string forged =
      R"({"payload":"{\"v\":1,\"id\":99,\"event\":\"new_case\"}","signature":")" +
      std::string(86, 'A') + R"(==","key_id":")" + key_id_hex(inst.invite().daemon_sign.id()) +
      R"("})";
  EXPECT_EQ(post(port, forged, "msg_99", ts, "v1,AAAA"), "401");
  EXPECT_EQ(
      post(port, forged, "msg_99", ts, hmac_v1(org.webhook_secret, "msg_99." + ts + "." + forged)),
      "401");
  const std::string old = std::to_string(unix_now() - 3600);
  EXPECT_EQ(post(port, forged, "msg_99", old,
                 hmac_v1(org.webhook_secret, "msg_99." + old + "." + forged)),
            "401");
  EXPECT_EQ(receiver.out().find("\"id\": 99"), std::string::npos);
  EXPECT_EQ(receiver.out().find("\"id\":99"), std::string::npos);

  // A signed acknowledgement over TLS pinned to the invite.
  auto acked = run(cmd({"ack", "--invite", inst.invite_path(), "--key", org.key_path, id}));
  ASSERT_EQ(acked.status, 0) << acked.err;
  EXPECT_NE(acked.out.find("\"acks\":"), std::string::npos) << acked.out;
  EXPECT_EQ(inst.metric("casewire_acks_total"), 1u);

  // An invite whose pin is not the daemon's key: refused before any request.
  std::string invite = std::string(as_chars(*read_file(inst.invite_path())));
  const auto pin = invite.find("sha256/") + 7;
  invite[pin] = invite[pin] == 'A' ? 'B' : 'A';
  const std::string bad_invite = inst.dir() + "/bad-pin-invite.json";
  ASSERT_TRUE(write_file_atomic(bad_invite, as_bytes(invite), 0600, Overwrite::no).ok());
  auto pinned = run(cmd({"ack", "--invite", bad_invite, "--key", org.key_path, id}));
  EXPECT_EQ(pinned.status, 1);
  EXPECT_NE(pinned.err.find("pin"), std::string::npos) << pinned.err;
}

INSTANTIATE_TEST_SUITE_P(
    Languages, OrgExamples,
    ::testing::Values(Language{"Python", {"/usr/bin/python3", example("casewire_org.py")}},
                      Language{"JavaScript", {"/usr/bin/node", example("casewire_org.mjs")}}),
    [](const ::testing::TestParamInfo<Language>& p) { return std::string(p.param.name); });

TEST(OrgExamplesPython, OpensAPassphraseProtectedKeyFileAndRefusesAWrongPassphrase) {
  Instance inst;
  const std::string key = inst.dir() + "/org.key", pass = inst.dir() + "/pass";
  ASSERT_TRUE(
      write_file_atomic(pass, as_bytes(std::string("correct horse")), 0600, Overwrite::no).ok());
  auto made = run({bin("casewire-keys"), "new-org", "--out", key, "--passphrase-file", pass});
  ASSERT_EQ(made.status, 0) << made.err;
  const std::string pub = std::string(as_chars(*read_file(key + ".pub")));
  auto key_id_of = [&](const std::string& passphrase) {
    return run({"/usr/bin/python3", "-c",
                "import sys; sys.path.insert(0, '" + example("") +
                    "'); import casewire_org as c\n"
                    "try:\n"
                    "  k = c.load_org_key('" +
                    key + "', b'" + passphrase +
                    "')\n"
                    "  print(c.key_id(1, bytes(k.verify_key)).hex())\n"
                    "except c.Refused as e:\n"
                    "  print('refused:', e)\n"});
  };
  auto right = key_id_of("correct horse");
  ASSERT_EQ(right.status, 0) << right.err;
  EXPECT_NE(pub.find("sign " + right.out.substr(0, 16)), std::string::npos) << right.out << pub;
  EXPECT_NE(key_id_of("wrong horse").out.find("refused: wrong passphrase"), std::string::npos);
}

}  // namespace
}  // namespace cw::test

namespace cw::test {
namespace {

// A sealed subscription through the Python reference receiver: with the
// organisation's key it opens and verifies the notification; a receiver
// without the key (a relay, a proxy) can only refuse it.
TEST(OrgExamplesPython, OpensASealedNotificationOnlyWithTheOrganisationsKey) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  inst.start();
  const std::string secret_file = inst.dir() + "/sealed.whsec";
  auto start_receiver = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> argv{"/usr/bin/python3", example("casewire_org.py"),
                                  "receive",          "--invite",
                                  inst.invite_path(), "--secret-file",
                                  secret_file,        "--listen",
                                  "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Process>(argv, inst.dir() + "/" + name);
    EXPECT_TRUE(p->wait_for_output("listening on", std::chrono::seconds(20))) << p->err();
    const auto out = p->out();
    const auto port = std::stoi(out.substr(out.find("listening on ") + 13));
    return std::make_pair(std::move(p), port);
  };
  // The organisation's key exists once add_org made it; the receiver that
  // holds it starts after.
  auto [blind, blind_port] = start_receiver("blind", {});
  Org org = inst.add_org("sealed",
                         {.webhook_url = "http://127.0.0.1:" + std::to_string(blind_port) + "/hook",
                          .format = "sealed"});
  ASSERT_TRUE(
      write_file_atomic(secret_file, as_bytes(org.webhook_secret), 0600, Overwrite::yes).ok());
  inst.sighup();
  ASSERT_TRUE(eventually([&] { return inst.metric("casewire_trust_reloads_total") == 1; }));
  ASSERT_EQ(
      post_alert(inst.port(), std::string(as_chars(inst.seal(alice, sample_alert()))))->status,
      201);
  // Without the key: refused, nothing printed (the daemon keeps retrying).
  ASSERT_TRUE(eventually([&] { return blind->err().find("sealed") != std::string::npos; },
                         std::chrono::seconds(20)))
      << blind->err();
  EXPECT_EQ(blind->out().find("new_case"), std::string::npos);

  // With it: the same webhook, opened and verified.
  auto [keyed, keyed_port] = start_receiver("keyed", {"--key", org.key_path});
  auto moved = run({bin("casewire-keys"), "set-org", "--dir", inst.keys_dir(), key_id_hex(org.id),
                    "--webhook", "http://127.0.0.1:" + std::to_string(keyed_port) + "/hook",
                    "--allow-private-webhook", "--webhook-secret-file", secret_file});
  ASSERT_EQ(moved.status, 0) << moved.err;
  inst.sighup();
  ASSERT_TRUE(eventually([&] { return keyed->out().find("\"new_case\"") != std::string::npos; },
                         std::chrono::seconds(30)))
      << keyed->out() << keyed->err();
  const std::string line = keyed->out().substr(keyed->out().find('{'));
  EXPECT_NE(line.find("\"CN-JL\""), std::string::npos) << line;
  for (const char* canary : kAllCanaries) EXPECT_EQ(line.find(canary), std::string::npos);
}

}  // namespace
}  // namespace cw::test
