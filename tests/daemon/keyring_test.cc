#include "daemon/keyring.h"

#include <gtest/gtest.h>

namespace cw::daemon {
namespace {

Keyring make(std::uint8_t seed) {
  Identity id{Role::daemon, SigningKey::from_seed(Bytes(32, seed)),
              BoxKey::from_secret(Bytes(32, seed)), SecretBytes::copy_of(Bytes(32, seed))};
  return Keyring(std::move(id));
}

TEST(Keyring, TagsArePurposeBoundAndKeyed) {
  auto k = make(1), other = make(2);
  AlertId id{};
  id[0] = 9;
  EXPECT_EQ(k.alert_tag(id), k.alert_tag(id));
  EXPECT_NE(k.alert_tag(id), other.alert_tag(id)) << "another deployment derives other tags";
  EXPECT_NE(k.alert_tag(id), k.case_pseudonym(id)) << "purposes never collide";
  KeyId s{};
  EXPECT_NE(k.sender_tag(s, id), k.alert_tag(id));
}

TEST(Keyring, LogPseudonymsRotateDaily) {
  auto k = make(1);
  KeyId a{}, b{};
  b[0] = 1;
  const std::int64_t day = 1795000000 / 86400 * 86400;
  EXPECT_EQ(k.log_pseudonym(a, day + 10), k.log_pseudonym(a, day + 80000));
  EXPECT_NE(k.log_pseudonym(a, day + 10), k.log_pseudonym(a, day + 86400 + 10));
  EXPECT_NE(k.log_pseudonym(a, day), k.log_pseudonym(b, day));
  EXPECT_EQ(k.log_pseudonym(a, day).size(), 8u);
}

TEST(Keyring, SealedRecordsAreBoundToTheirRow) {
  auto k = make(1);
  Bytes plain{'s', 'e', 'c', 'r', 'e', 't'};
  Bytes ad1{1}, ad2{2};
  auto sealed = k.seal_record(plain, ad1);
  EXPECT_EQ(*k.open_record(sealed, ad1), plain);
  EXPECT_FALSE(k.open_record(sealed, ad2).ok()) << "moved to another row";
  sealed[30] ^= 1;
  EXPECT_FALSE(k.open_record(sealed, ad1).ok()) << "tampered";
  EXPECT_FALSE(make(2).open_record(k.seal_record(plain, ad1), ad1).ok()) << "another key";
}

}  // namespace
}  // namespace cw::daemon

namespace cw::daemon {
namespace {

TEST(Keyring, OrganisationTagsAreKeyedStableAndDistinct) {
  Keyring k(Identity::generate(Role::daemon)), other(Identity::generate(Role::daemon));
  KeyId a{}, b{};
  b[0] = 1;
  const auto first = k.org_tag(a);  // computed
  EXPECT_EQ(k.org_tag(a), first) << "memoised value equals the computed one";
  EXPECT_EQ(first.size(), 32u);
  EXPECT_NE(k.org_tag(b), first);
  EXPECT_NE(other.org_tag(a), first) << "keyed: another daemon's tag differs";
  EXPECT_EQ(first.find(key_id_hex(a)), std::string::npos);
}

}  // namespace
}  // namespace cw::daemon

namespace cw::daemon {
namespace {

TEST(CaseKeys, AWrappedCaseKeyOpensOnlyForItsCase) {
  const Keyring k(Identity::generate(Role::daemon));
  const SecretBytes key = SecretBytes::random(kCaseKeyBytes);
  Tag a{}, b{};
  a.fill(1);
  b.fill(2);
  const Bytes wrapped = k.wrap_case_key(key.view(), a);
  auto back = k.unwrap_case_key(wrapped, a);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(ct_equal(back->view(), key.view()));
  EXPECT_FALSE(k.unwrap_case_key(wrapped, b).ok()) << "moved to another case";
  // Nor does a record sealed under the storage key pass as a case key.
  EXPECT_FALSE(k.unwrap_case_key(k.seal_record(key.view(), a), a).ok());
  const Keyring other(Identity::generate(Role::daemon));
  EXPECT_FALSE(other.unwrap_case_key(wrapped, a).ok()) << "another daemon's storage key";
}

}  // namespace
}  // namespace cw::daemon
