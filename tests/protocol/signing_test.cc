#include <gtest/gtest.h>

#include "protocol/signed_payload.h"
#include "protocol/signed_request.h"

namespace cw {
namespace {

TEST(SignedPayload, VerifiesAndReturnsTheExactBytes) {
  auto k = SigningKey::from_seed(Bytes(32, 1));
  auto s = sign_payload(k, kNotificationDomain, R"({"a":"b"})");
  auto back = open_payload(s, kNotificationDomain, k.public_key());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, R"({"a":"b"})");
}

TEST(SignedPayload, DomainsDoNotCross) {
  auto k = SigningKey::from_seed(Bytes(32, 1));
  auto s = sign_payload(k, kStatusDomain, "{}");
  EXPECT_EQ(open_payload(s, kNotificationDomain, k.public_key()).code(), Errc::bad_notification);
}

TEST(SignedPayload, TamperingOrAnotherKeyFails) {
  auto k = SigningKey::from_seed(Bytes(32, 1));
  auto s = sign_payload(k, kNotificationDomain, R"({"acks":1})");
  auto t = s;
  t.replace(t.find("1}"), 1, "9");
  EXPECT_FALSE(open_payload(t, kNotificationDomain, k.public_key()).ok());
  EXPECT_FALSE(
      open_payload(s, kNotificationDomain, SigningKey::from_seed(Bytes(32, 2)).public_key()).ok());
}

TEST(SignedRequest, VerifiesForTheSignedRequestOnly) {
  auto k = SigningKey::from_seed(Bytes(32, 3));
  const std::int64_t now = 1795000000;
  const KeyId daemon = SigningKey::from_seed(Bytes(32, 4)).id();
  const KeyId other_daemon = SigningKey::from_seed(Bytes(32, 5)).id();
  auto h = sign_request(k, daemon, "GET", "/v1/feed", "", now);
  auto a = parse_request_auth(h);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(verify_request(*a, k.public_key(), daemon, "GET", "/v1/feed", "", now).ok());
  EXPECT_EQ(verify_request(*a, k.public_key(), other_daemon, "GET", "/v1/feed", "", now).code(),
            Errc::bad_request_signature)
      << "a request signed for one daemon does not verify at another";
  EXPECT_EQ(verify_request(*a, k.public_key(), daemon, "GET", "/v1/notifications", "", now).code(),
            Errc::bad_request_signature);
  EXPECT_EQ(verify_request(*a, k.public_key(), daemon, "POST", "/v1/feed", "", now).code(),
            Errc::bad_request_signature);
  EXPECT_EQ(verify_request(*a, k.public_key(), daemon, "GET", "/v1/feed", "x", now).code(),
            Errc::bad_request_signature);
  EXPECT_EQ(
      verify_request(*a, k.public_key(), daemon, "GET", "/v1/feed", "", now + kRequestSkew + 1)
          .code(),
      Errc::stale_request);
}

// A request dated ahead of the daemon's clock is refused as one dated too far
// back is: the nonce cache keeps a nonce only for the skew window, so a
// request signed for next week would be replayable for a week once its nonce
// was forgotten (a captured ack, replayed to forge "acting").
TEST(SignedRequest, ARequestDatedAheadOfTheWindowIsRefusedAsStale) {
  auto k = SigningKey::from_seed(Bytes(32, 3));
  const std::int64_t now = 1795000000;
  const KeyId daemon = SigningKey::from_seed(Bytes(32, 4)).id();
  auto at = [&](std::int64_t signed_at) {
    auto a = parse_request_auth(
        sign_request(k, daemon, "POST", "/v1/notifications/1/ack", "", signed_at));
    EXPECT_TRUE(a.ok());
    return verify_request(*a, k.public_key(), daemon, "POST", "/v1/notifications/1/ack", "", now);
  };
  EXPECT_TRUE(at(now + kRequestSkew).ok()) << "within the skew a clock ahead is fine";
  EXPECT_TRUE(at(now - kRequestSkew).ok());
  EXPECT_EQ(at(now + kRequestSkew + 1).code(), Errc::stale_request);
  EXPECT_EQ(at(now + 7 * 86400).code(), Errc::stale_request) << "signed for next week";
  EXPECT_EQ(at(now - kRequestSkew - 1).code(), Errc::stale_request);
}

TEST(SignedRequest, MalformedHeadersAreRefused) {
  for (const char* h :
       {"", "Bearer x", "CW2 key=zz,ts=1,nonce=00,sig=AA", "CW2 key=0011223344556677",
        "CW2 key=0011223344556677,ts=1,nonce=00112233445566778899aabbccddeeff,sig=AAAA,extra=1",
        "CW1 key=0011223344556677,ts=1,nonce=00112233445566778899aabbccddeeff,sig=AAAA"})
    EXPECT_EQ(parse_request_auth(h).code(), Errc::bad_request_signature) << h;
}

}  // namespace
}  // namespace cw
