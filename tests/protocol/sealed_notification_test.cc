// Sealed notifications (protocol/sealed_notification.h): only the
// organisation's box key opens one; a flipped byte, another key or another
// kind of sealed line is refused; what comes out is exactly what went in.
#include "protocol/sealed_notification.h"

#include <gtest/gtest.h>

#include "protocol/signed_payload.h"

namespace cw {
namespace {

TEST(SealedNotification, OnlyTheOrganisationsKeyOpensItAndTheSignatureStillVerifies) {
  init_crypto();
  const auto daemon = Identity::generate(Role::daemon);
  const auto org = Identity::generate(Role::org), other = Identity::generate(Role::org);
  const std::string signed_json =
      sign_payload(daemon.sign, kNotificationDomain, R"({"v":1,"region":"CN-JL"})");
  const std::string sealed = seal_notification(signed_json, org.box->public_key());
  EXPECT_TRUE(is_sealed_notification(sealed));
  EXPECT_FALSE(is_sealed_notification(signed_json));
  EXPECT_EQ(sealed.find("CN-JL"), std::string::npos);
  EXPECT_NE(sealed.find(key_id_hex(org.box->id())), std::string::npos) << "names the key it needs";

  auto opened = open_sealed_notification(sealed, org);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(*opened, signed_json);
  EXPECT_TRUE(open_payload(*opened, kNotificationDomain, daemon.sign.public_key()).ok());

  auto wrong = open_sealed_notification(sealed, other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.code(), Errc::bad_notification);
}

TEST(SealedNotification, DamageAndOtherSealedKindsAreRefused) {
  init_crypto();
  const auto org = Identity::generate(Role::org);
  std::string sealed = seal_notification(R"({"payload":"x"})", org.box->public_key());
  // A flipped character inside the box.
  std::string flipped = sealed;
  const auto at = flipped.size() - 10;
  flipped[at] = flipped[at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(open_sealed_notification(flipped, org).code(), Errc::bad_notification);
  // Truncated, not JSON, not sealed, or another prefix (a sealed secret).
  EXPECT_FALSE(open_sealed_notification(sealed.substr(0, sealed.size() / 2), org).ok());
  EXPECT_FALSE(open_sealed_notification("not json", org).ok());
  EXPECT_FALSE(open_sealed_notification(R"({"payload":"x"})", org).ok());
  std::string other_kind = sealed;
  other_kind.replace(other_kind.find("cwnote1"), 7, "cwsealed1");
  EXPECT_FALSE(open_sealed_notification(other_kind, org).ok());
}

}  // namespace
}  // namespace cw
