#include "keys/commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>

#include "protocol/file_io.h"
#include "protocol/invite.h"
#include "protocol/tls_pin.h"
#include "protocol/webhook_secret.h"
#include "tests/support/temp_dir.h"
#include "trust/daemon_dir.h"
#include "trust/trust_store.h"

namespace cw::keys {
namespace {

class KeysCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    insecure.insecure_no_passphrase = true;
    InitOptions o;
    o.dir = dir / "inst";
    o.secret = insecure;
    ASSERT_TRUE(init(o, out).ok());
  }
  std::string inst() { return dir / "inst"; }
  mode_t mode(const std::string& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
  }
  // A new organisation key pair (dir/o.key) and add-org options for it.
  AddOrgOptions org_options(const std::string& name) {
    SecretFileOptions o_insecure = insecure;
    o_insecure.force = true;  // a fresh key each call
    EXPECT_TRUE(new_identity(Role::org, dir / "o.key", o_insecure, out).ok());
    AddOrgOptions o;
    o.dir = inst();
    o.pub_file = dir / "o.key.pub";
    o.name = name;
    // New secrets are sealed into a file: into this test's directory, never
    // the working directory.
    o.secret_out = dir / ("org" + std::to_string(++orgs_made) + ".webhook-secret");
    return o;
  }
  int orgs_made = 0;
  std::string key_id_of(const std::string& pub) {
    auto text = read_file(pub);
    return key_id_hex(parse_public_key_file(as_chars(*text))->sign.id());
  }

  test::TempDir dir;
  SecretFileOptions insecure;
  std::ostringstream out;
};

TEST_F(KeysCommands, InitCreatesIdentityCertTrustStoreAndConfig) {
  DaemonDir d{inst()};
  for (auto p : {d.identity(), d.public_keys(), d.tls_cert(), d.tls_key(), d.trust(), d.config()})
    EXPECT_TRUE(file_exists(p)) << p;
  EXPECT_EQ(mode(d.identity()), 0600u);
  EXPECT_EQ(mode(d.tls_key()), 0600u);
  EXPECT_EQ(mode(d.trust()), 0600u);
  InitOptions again;
  again.dir = inst();
  again.secret = insecure;
  EXPECT_EQ(init(again, out).code(), Errc::file_exists);
}

TEST_F(KeysCommands, NewContactWritesSecretAndPublicFilesAndRefusesToClobber) {
  ASSERT_TRUE(new_identity(Role::contact, dir / "c.key", insecure, out).ok());
  EXPECT_EQ(mode(dir / "c.key"), 0600u);
  EXPECT_TRUE(file_exists(dir / "c.key.pub"));
  EXPECT_EQ(new_identity(Role::contact, dir / "c.key", insecure, out).code(), Errc::file_exists);
  auto forced = insecure;
  forced.force = true;
  EXPECT_TRUE(new_identity(Role::contact, dir / "c.key", forced, out).ok());
}

TEST_F(KeysCommands, EnrollRevokeAndListTellTheStory) {
  ASSERT_TRUE(new_identity(Role::contact, dir / "c.key", insecure, out).ok());
  EnrollOptions e{inst(), dir / "c.key.pub", "guide-north", {"CN-JL"}, 10, ""};
  ASSERT_TRUE(enroll(e, out).ok());
  EXPECT_EQ(enroll(e, out).code(), Errc::already_exists);
  auto id = key_id_of(dir / "c.key.pub");

  std::ostringstream listing;
  ASSERT_TRUE(list(inst(), listing).ok());
  EXPECT_NE(listing.str().find("contact  " + id + "  active"), std::string::npos) << listing.str();

  ASSERT_TRUE(revoke({inst(), id, ""}, out).ok());
  std::ostringstream after;
  ASSERT_TRUE(list(inst(), after).ok());
  EXPECT_NE(after.str().find(id + "  revoked"), std::string::npos) << after.str();
  EXPECT_EQ(revoke({inst(), "0000000000000000", ""}, out).code(), Errc::not_found);
  EXPECT_EQ(revoke({inst(), "xyz", ""}, out).code(), Errc::bad_request);
}

TEST_F(KeysCommands, EnrollRefusesMalformedKeysAndUnknownRegions) {
  ASSERT_TRUE(write_file_atomic(dir / "bad.pub", as_bytes("cwk1 sign 0011223344556677 AAAA\n"),
                                0644, Overwrite::yes)
                  .ok());
  EXPECT_EQ(enroll({inst(), dir / "bad.pub", "x", {}, 10, ""}, out).code(), Errc::bad_key_file);
  ASSERT_TRUE(new_identity(Role::contact, dir / "c.key", insecure, out).ok());
  EXPECT_EQ(enroll({inst(), dir / "c.key.pub", "x", {"ATLANTIS"}, 10, ""}, out).code(),
            Errc::bad_request);
}

TEST_F(KeysCommands, AddOrgSealsAGeneratedWebhookSecretToTheOrganisationAndPrintsNone) {
  auto o = org_options("Org A");
  o.webhook_url = "http://127.0.0.1:1/hook";
  o.allow_private_webhook = true;
  o.secret_out = dir / "org-a.webhook-secret";
  std::ostringstream printed;
  ASSERT_TRUE(add_org(o, printed).ok());
  EXPECT_EQ(printed.str().find("whsec_"), std::string::npos) << "never on the terminal";
  auto ts = TrustStore::load(DaemonDir{inst()}.trust());
  ASSERT_EQ(ts->orgs().size(), 1u);
  const auto stored = format_webhook_secret(ts->orgs()[0].sub.webhook_secret);
  const std::string sealed(as_chars(*read_file(o.secret_out)));
  EXPECT_EQ(sealed.find(stored), std::string::npos) << "the file holds it sealed";
  // Only the organisation's own key opens it.
  auto org = open_identity(as_chars(*read_file(dir / "o.key")),
                           [] { return Result<SecretBytes>(SecretBytes()); });
  ASSERT_TRUE(org.ok());
  auto opened = open_webhook_secret(sealed, *org);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(format_webhook_secret(*opened), stored);
  auto stranger = Identity::generate(Role::org);
  EXPECT_EQ(open_webhook_secret(sealed, stranger).code(), Errc::bad_key_file);
  // A second add with the same output path changes nothing: no file is overwritten.
  auto again = org_options("Org B");
  again.webhook_url = "http://127.0.0.1:1/hook";
  again.allow_private_webhook = true;
  again.secret_out = o.secret_out;
  EXPECT_EQ(add_org(again, printed).code(), Errc::file_exists);
  EXPECT_EQ(TrustStore::load(DaemonDir{inst()}.trust())->orgs().size(), 1u);

  std::ostringstream listing;
  ASSERT_TRUE(list(inst(), listing).ok());
  EXPECT_EQ(listing.str().find("whsec_"), std::string::npos) << "list never shows secrets";
}

TEST_F(KeysCommands, AWebhookPinIsCheckedStoredAndCanBeRemoved) {
  const std::string pin = "sha256/" + to_base64(Bytes(32, 7));
  auto bad = org_options("Bad pin");
  bad.webhook_url = "https://hooks.example.org/h";
  bad.webhook_pin = "sha256/short";
  EXPECT_EQ(add_org(bad, out).code(), Errc::bad_request);
  auto plain = org_options("Plain");
  plain.webhook_url = "http://127.0.0.1:1/h";
  plain.allow_private_webhook = true;
  plain.webhook_pin = pin;
  EXPECT_EQ(add_org(plain, out).code(), Errc::bad_request) << "a pin needs https";
  auto ok = org_options("Pinned");
  ok.webhook_url = "https://hooks.example.org/h";
  ok.webhook_pin = pin;
  ASSERT_TRUE(add_org(ok, out).ok());
  auto stored = [&] {
    return TrustStore::load(DaemonDir{inst()}.trust()).value().orgs().at(0).sub.webhook_pin;
  };
  EXPECT_EQ(stored(), pin) << "kept across save and load";
  SetOrgOptions clear;
  clear.dir = inst();
  clear.key_id = key_id_of(dir / "o.key.pub");
  clear.webhook_pin = std::string();
  ASSERT_TRUE(set_org(clear, out).ok());
  EXPECT_EQ(stored(), "");
  EXPECT_EQ(TrustStore::load(DaemonDir{inst()}.trust()).value().orgs().at(0).sub.webhook_generation,
            1u)
      << "a trust change for the endpoint is a new generation";
}

TEST_F(KeysCommands, AddOrgRefusesPlainHttpToANonLoopbackHost) {
  auto o = org_options("Org");
  o.webhook_url = "http://example.org/hook";
  EXPECT_EQ(add_org(o, out).code(), Errc::bad_request);
}

// Issue 9 §8: a subscription must not point the daemon at its own services
// or the cloud metadata endpoint unless the operator says so.
TEST_F(KeysCommands, AddOrgRefusesInternalWebhookTargetsUnlessAllowed) {
  for (const char* url :
       {"https://169.254.169.254/latest/meta-data", "https://10.0.0.5:6443/",
        "http://localhost:9443/metrics", "https://[::1]:8443/", "https://[fd00:ec2::254]/",
        "https://[::ffff:127.0.0.1]/", "https://192.168.1.1/", "https://100.64.0.1/",
        "https://0.0.0.0/", "https://admin.localhost/"}) {
    auto o = org_options(std::string("Org ") + url);
    o.webhook_url = url;
    EXPECT_EQ(add_org(o, out).code(), Errc::bad_request) << url;
  }
  auto ok = org_options("Relay");
  ok.webhook_url = "https://[::1]:8443/hook";
  ok.allow_private_webhook = true;
  ASSERT_TRUE(add_org(ok, out).ok()) << "with the explicit opt-in";
  auto ts = TrustStore::load(DaemonDir{inst()}.trust());
  EXPECT_EQ(ts->orgs().back().sub.webhook_url, "https://[::1]:8443/hook");
  auto pub = org_options("Public");
  pub.webhook_url = "https://hooks.example.org/casewire?x=1";
  auto st = add_org(pub, out);
  EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST_F(KeysCommands, SetOrgChangesOnlyWhatIsGivenAndBumpsTheGenerationForEndpointChanges) {
  auto a = org_options("Org");
  a.regions = {"CN-JL"};
  a.webhook_url = "http://127.0.0.1:1/hook";
  a.allow_private_webhook = true;
  a.secret_out = dir / "first.webhook-secret";
  ASSERT_TRUE(add_org(a, out).ok());
  const auto id = key_id_of(dir / "o.key.pub");
  auto load = [&] {
    return TrustStore::load(DaemonDir{inst()}.trust()).value().orgs().at(0).sub.webhook_generation;
  };
  auto secret = [&] {
    return format_webhook_secret(
        TrustStore::load(DaemonDir{inst()}.trust()).value().orgs().at(0).sub.webhook_secret);
  };
  const auto first_secret = secret();

  // A filter change: no new generation, the secret and URL stay.
  SetOrgOptions f;
  f.dir = inst();
  f.key_id = id;
  f.regions = std::vector<std::string>{"all"};
  f.escalation = true;
  ASSERT_TRUE(set_org(f, out).ok());
  {
    auto ts = TrustStore::load(DaemonDir{inst()}.trust());
    const auto& o = ts->orgs().at(0);
    EXPECT_TRUE(o.sub.regions.empty()) << "'all' clears the region filter";
    EXPECT_TRUE(o.sub.escalation);
    EXPECT_EQ(o.sub.webhook_url, "http://127.0.0.1:1/hook");
    EXPECT_EQ(o.sub.webhook_generation, 0u);
  }
  EXPECT_EQ(secret(), first_secret);

  // A moved endpoint keeps its secret and gets a new generation.
  SetOrgOptions m;
  m.dir = inst();
  m.key_id = id;
  m.webhook_url = "http://127.0.0.1:2/hook";
  m.allow_private_webhook = true;
  std::ostringstream printed;
  ASSERT_TRUE(set_org(m, printed).ok());
  EXPECT_EQ(load(), 1u);
  EXPECT_EQ(secret(), first_secret);
  EXPECT_EQ(printed.str().find("whsec_"), std::string::npos) << "no new secret, none printed";

  // A rotated secret is handed over sealed, and is a new generation too.
  SetOrgOptions r;
  r.dir = inst();
  r.key_id = id;
  r.rotate_secret = true;
  r.secret_out = dir / "rotated.webhook-secret";
  std::ostringstream rotated;
  ASSERT_TRUE(set_org(r, rotated).ok());
  EXPECT_EQ(load(), 2u);
  EXPECT_NE(secret(), first_secret);
  EXPECT_EQ(rotated.str().find("whsec_"), std::string::npos);
  EXPECT_NE(rotated.str().find(r.secret_out), std::string::npos) << rotated.str();

  // --reenable alone.
  SetOrgOptions e;
  e.dir = inst();
  e.key_id = id;
  e.reenable = true;
  ASSERT_TRUE(set_org(e, out).ok());
  EXPECT_EQ(load(), 3u);
}

TEST_F(KeysCommands, SetOrgRefusesWhatItCannotDo) {
  auto a = org_options("Feed only");
  ASSERT_TRUE(add_org(a, out).ok());
  const auto id = key_id_of(dir / "o.key.pub");
  const auto before = read_file(DaemonDir{inst()}.trust()).value();
  auto attempt = [&](auto change) {
    SetOrgOptions o;
    o.dir = inst();
    o.key_id = id;
    change(o);
    return set_org(o, out).code();
  };
  EXPECT_EQ(attempt([](SetOrgOptions&) {}), Errc::bad_request) << "nothing to change";
  EXPECT_EQ(attempt([](SetOrgOptions& o) { o.reenable = true; }), Errc::bad_request)
      << "no webhook";
  EXPECT_EQ(attempt([](SetOrgOptions& o) { o.rotate_secret = true; }), Errc::bad_request)
      << "no webhook";
  EXPECT_EQ(attempt([](SetOrgOptions& o) { o.webhook_url = "http://example.org/hook"; }),
            Errc::bad_request);
  EXPECT_EQ(attempt([](SetOrgOptions& o) { o.regions = std::vector<std::string>{"XX-NOPE"}; }),
            Errc::bad_request);
  EXPECT_EQ(attempt([](SetOrgOptions& o) { o.format = "xml"; }), Errc::bad_request);
  EXPECT_EQ(attempt([](SetOrgOptions& o) {
              o.key_id = "0000000000000000";
              o.feed = false;
            }),
            Errc::not_found);
  EXPECT_EQ(read_file(DaemonDir{inst()}.trust()).value(), before)
      << "a refused change writes nothing";
  ASSERT_TRUE(revoke({inst(), id, ""}, out).ok());
  EXPECT_EQ(attempt([](SetOrgOptions& o) { o.feed = false; }), Errc::forbidden);
}

TEST_F(KeysCommands, InviteCarriesUrlsPinAndDaemonKeys) {
  ASSERT_TRUE(
      invite({inst(), {"https://127.0.0.1:8443", "https://abc.onion"}, dir / "invite.json", false},
             out)
          .ok());
  auto text = read_file(dir / "invite.json");
  auto inv = invite_from_json(as_chars(*text));
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  EXPECT_EQ(inv->urls.size(), 2u);
  EXPECT_EQ(inv->tls_pin, *spki_pin_of_pem_file(DaemonDir{inst()}.tls_cert()));
  auto pub = read_file(DaemonDir{inst()}.public_keys());
  auto keys = parse_public_key_file(as_chars(*pub));
  EXPECT_EQ(inv->daemon_sign, keys->sign);
  EXPECT_EQ(inv->daemon_box, *keys->box);
  EXPECT_EQ(invite({inst(), {"http://plain"}, dir / "i2.json", false}, out).code(),
            Errc::bad_invite);
}

}  // namespace
}  // namespace cw::keys
