#include "trust/trust_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "protocol/file_io.h"
#include "tests/support/temp_dir.h"

namespace cw {
namespace {

ContactEntry contact(std::uint8_t seed, std::string label) {
  return ContactEntry{SigningKey::from_seed(Bytes(32, seed)).public_key(),
                      std::move(label),
                      {"CN-JL"},
                      30,
                      false,
                      1795000000,
                      0,
                      std::nullopt};
}

TEST(TrustStore, SavesAndLoadsContactsAndOrgs) {
  test::TempDir dir;
  auto ts = TrustStore::empty();
  ASSERT_TRUE(ts.enroll_contact(contact(1, "guide")).ok());
  OrgEntry org{SigningKey::from_seed(Bytes(32, 9)).public_key(),
               std::nullopt,
               "Org",
               false,
               1795000000,
               0,
               {}};
  org.sub.regions = {"CN-LN"};
  org.sub.urgencies = {Urgency::immediate};
  org.sub.cleared_private = true;
  org.sub.webhook_url = "https://example.org/hook";
  org.sub.webhook_secret = SecretBytes::random(32);
  org.sub.webhook_generation = 7;
  auto secret_copy = SecretBytes::copy_of(org.sub.webhook_secret.view());
  ASSERT_TRUE(ts.add_org(std::move(org)).ok());
  ASSERT_TRUE(ts.save(dir / "trust.json").ok());

  struct stat st {};
  ASSERT_EQ(::stat((dir / "trust.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "trust store holds webhook secrets";

  auto back = TrustStore::load(dir / "trust.json");
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->contacts().size(), 1u);
  EXPECT_EQ(back->contacts()[0].label, "guide");
  EXPECT_EQ(back->contacts()[0].rate_per_hour, 30u);
  EXPECT_EQ(back->contacts()[0].regions, std::vector<std::string>{"CN-JL"});
  ASSERT_EQ(back->orgs().size(), 1u);
  const auto& o = back->orgs()[0];
  EXPECT_TRUE(o.sub.cleared_private);
  EXPECT_EQ(o.sub.urgencies, std::vector<Urgency>{Urgency::immediate});
  EXPECT_TRUE(ct_equal(o.sub.webhook_secret.view(), secret_copy.view()));
  EXPECT_EQ(o.sub.webhook_generation, 7u);
}

TEST(TrustStore, RefusesDuplicateEnrolmentAcrossContactsAndOrgs) {
  auto ts = TrustStore::empty();
  ASSERT_TRUE(ts.enroll_contact(contact(1, "a")).ok());
  EXPECT_EQ(ts.enroll_contact(contact(1, "b")).code(), Errc::already_exists);
  OrgEntry org{
      SigningKey::from_seed(Bytes(32, 1)).public_key(), std::nullopt, "Org", false, 0, 0, {}};
  EXPECT_EQ(ts.add_org(std::move(org)).code(), Errc::already_exists);
}

TEST(TrustStore, RevokeKeepsTheEntryAndUnknownIdsAreRefused) {
  auto ts = TrustStore::empty();
  auto c = contact(2, "x");
  auto id = c.key.id();
  ASSERT_TRUE(ts.enroll_contact(std::move(c)).ok());
  ASSERT_TRUE(ts.revoke(id, 1795000100).ok());
  ASSERT_NE(ts.find_contact(id), nullptr);
  EXPECT_TRUE(ts.find_contact(id)->revoked);
  EXPECT_EQ(ts.find_contact(id)->revoked_at, 1795000100);
  EXPECT_EQ(ts.revoke(KeyId{}, 0).code(), Errc::not_found);
}

TEST(WebhookSecret, FormatsAndParsesStrictly) {
  auto s = SecretBytes::random(32);
  auto text = format_webhook_secret(s);
  EXPECT_EQ(text.rfind("whsec_", 0), 0u);
  auto back = parse_webhook_secret(text + "\n");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(ct_equal(back->view(), s.view()));
  EXPECT_FALSE(parse_webhook_secret("whsec_AAAA").ok()) << "too short";
  EXPECT_FALSE(parse_webhook_secret(to_base64(s.view())).ok()) << "no prefix";
}

TEST(TrustStore, DamagedFileIsRefusedNotGuessed) {
  test::TempDir dir;
  for (std::string_view bad :
       {"", "{}", R"({"version":2})", R"({"version":1,"contacts":[{"key":"cwk1 sign 00 AA"}]})"}) {
    ASSERT_TRUE(write_file_atomic(dir / "t.json", as_bytes(bad), 0600, Overwrite::yes).ok());
    EXPECT_EQ(TrustStore::load(dir / "t.json").code(), Errc::bad_config) << bad;
  }
}

}  // namespace
}  // namespace cw
