#include "protocol/envelope.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "protocol/envelope_format.h"
#include "protocol/envelope_testing.h"
#include "tests/support/fixtures.h"

namespace cw {
namespace {

using namespace envelope;

constexpr std::int64_t kNow = 1795000000;

class EnvelopeTest : public ::testing::Test {
 protected:
  SigningKey contact = SigningKey::from_seed(Bytes(32, 0x11));
  BoxKey daemon = BoxKey::from_secret(Bytes(32, 0x22));
  BoxKey other_daemon = BoxKey::from_secret(Bytes(32, 0x33));
  AlertId id = *parse_alert_id("0123456789abcdef0123456789abcdef");
  Alert alert = test::sample_alert(kNow);
  bool revoked = false;

  SenderLookup lookup() {
    return [this](const KeyId& k) -> Result<PublicKey> {
      if (k != contact.id()) return make_error(Errc::unknown_sender, "unknown");
      if (revoked) return make_error(Errc::revoked_sender, "revoked");
      return contact.public_key();
    };
  }
  Bytes seal() { return *seal_envelope(alert, id, kNow - 5, contact, daemon.public_key()); }
  Result<OpenedAlert> open(ByteView wire, std::atomic<std::uint64_t>* counter = nullptr) {
    return open_envelope(wire, daemon, lookup(), OpenOptions{kNow, counter});
  }
  // Signs and pads arbitrary alert bytes, then seals them properly.
  Bytes seal_alert_bytes(std::string_view alert_bytes, std::int64_t created_at = kNow) {
    auto p =
        testing::build_padded_plaintext(alert_bytes, id, created_at, contact, daemon.public_key());
    return testing::seal_raw(*p, daemon.public_key());
  }
};

TEST_F(EnvelopeTest, RoundTripsToTheVerifiedAlertAndSender) {
  Bytes wire = seal();
  EXPECT_EQ(wire.size(), kWireSize);
  auto opened = open(wire);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->sender, contact.id());
  EXPECT_EQ(opened->alert_id, id);
  EXPECT_EQ(opened->created_at, kNow - 5);
  EXPECT_EQ(opened->alert, alert);
  EXPECT_EQ(opened->canonical, canonical_alert(alert));
}

TEST_F(EnvelopeTest, EverySizeOfAlertProducesTheSameWireSize) {
  Alert small;
  small.kind = AlertKind::retraction;
  small.case_ref = id;
  Alert big = alert;
  big.notes.assign(2000, 'n');
  big.names.assign(20, std::string(128, 'x'));
  EXPECT_EQ(seal_envelope(small, id, kNow, contact, daemon.public_key())->size(), kWireSize);
  EXPECT_EQ(seal_envelope(big, id, kNow, contact, daemon.public_key())->size(), kWireSize);
}

TEST_F(EnvelopeTest, TheOuterHeaderCarriesNothingAboutTheSender) {
  Bytes wire = seal();
  auto sender_id = contact.id();
  auto it = std::search(wire.begin(), wire.end(), sender_id.begin(), sender_id.end());
  EXPECT_EQ(it, wire.end());
  auto pk = contact.public_key().bytes;
  EXPECT_EQ(std::search(wire.begin(), wire.end(), pk.begin(), pk.end()), wire.end());
}

TEST_F(EnvelopeTest, BadMagic) {
  Bytes wire = seal();
  wire[0] = 'X';
  EXPECT_EQ(open(wire).code(), Errc::bad_magic);
}

TEST_F(EnvelopeTest, UnsupportedVersion) {
  Bytes wire = seal();
  wire[4] = 2;
  EXPECT_EQ(open(wire).code(), Errc::unsupported_version);
}

TEST_F(EnvelopeTest, WrongRecipient) {
  Bytes wire = seal();
  wire[5] ^= 0xff;
  EXPECT_EQ(open(wire).code(), Errc::wrong_recipient);
}

TEST_F(EnvelopeTest, Truncated) {
  Bytes wire = seal();
  for (std::size_t n : {std::size_t{0}, std::size_t{3}, std::size_t{10}, kWireSize - 1}) {
    EXPECT_EQ(open(ByteView(wire).subspan(0, n)).code(), Errc::truncated) << n;
  }
}

TEST_F(EnvelopeTest, TrailingBytes) {
  Bytes wire = seal();
  wire.push_back(0);
  EXPECT_EQ(open(wire).code(), Errc::trailing_bytes);
}

TEST_F(EnvelopeTest, DecryptFailedForAnyFlippedByteInTheSealedPart) {
  Bytes wire = seal();
  // ephemeral key, first ciphertext byte, middle, MAC region, last byte.
  for (std::size_t off :
       {kOuterHeaderSize, kOuterHeaderSize + 31, kOuterHeaderSize + 32, kOuterHeaderSize + 40,
        kOuterHeaderSize + 48, wire.size() / 2, wire.size() - 1}) {
    Bytes t = wire;
    t[off] ^= 0x01;
    EXPECT_EQ(open(t).code(), Errc::decrypt_failed) << off;
  }
}

TEST_F(EnvelopeTest, BadPadding) {
  Bytes plain(kBucket, 0x00);  // no 0x80 marker anywhere
  EXPECT_EQ(open(testing::seal_raw(plain, daemon.public_key())).code(), Errc::bad_padding);
}

TEST_F(EnvelopeTest, MalformedEnvelopeWhenTheSignedMessageIsTooShortOrMislabelled) {
  Bytes plain(kBucket, 0x00);
  plain[10] = 0x80;  // valid padding, 10 bytes of content
  EXPECT_EQ(open(testing::seal_raw(plain, daemon.public_key())).code(), Errc::malformed_envelope);

  auto p = *testing::build_padded_plaintext(canonical_alert(alert), id, kNow, contact,
                                            daemon.public_key());
  p[0] ^= 0x01;  // domain string
  EXPECT_EQ(open(testing::seal_raw(p, daemon.public_key())).code(), Errc::malformed_envelope);
}

TEST_F(EnvelopeTest, BadSignatureForAnyFlippedByteOfTheSignedMessageOrSignature) {
  const auto canonical = canonical_alert(alert);
  const auto p =
      *testing::build_padded_plaintext(canonical, id, kNow, contact, daemon.public_key());
  const std::size_t sig_off = kInnerHeaderSize + canonical.size();
  // alert id, created_at, schema length region, alert body, signature.
  for (std::size_t off : {std::size_t{67}, std::size_t{90}, kInnerHeaderSize + 3, sig_off - 1,
                          sig_off, sig_off + 63}) {
    Bytes t = p;
    t[off] ^= 0x04;
    EXPECT_EQ(open(testing::seal_raw(t, daemon.public_key())).code(), Errc::bad_signature) << off;
  }
}

TEST_F(EnvelopeTest, HeaderMismatchWhenResealedForAnotherDaemon) {
  // A contact's alert signed for daemon A ("other_daemon") is opened by A's
  // operator and re-sealed to us: surreptitious forwarding must fail.
  auto for_a = *testing::build_padded_plaintext(canonical_alert(alert), id, kNow, contact,
                                                other_daemon.public_key());
  EXPECT_EQ(open(testing::seal_raw(for_a, daemon.public_key())).code(), Errc::header_mismatch);
}

TEST_F(EnvelopeTest, RewritingTheInnerRecipientBreaksTheSignature) {
  auto for_a = *testing::build_padded_plaintext(canonical_alert(alert), id, kNow, contact,
                                                other_daemon.public_key());
  auto our_id = daemon.id();
  std::copy(our_id.begin(), our_id.end(), for_a.begin() + 19);
  auto our_pk = daemon.public_key().bytes;
  std::copy(our_pk.begin(), our_pk.end(), for_a.begin() + 27);
  EXPECT_EQ(open(testing::seal_raw(for_a, daemon.public_key())).code(), Errc::bad_signature);
}

TEST_F(EnvelopeTest, UnknownAndRevokedSenders) {
  Bytes wire = seal();
  revoked = true;
  EXPECT_EQ(open(wire).code(), Errc::revoked_sender);
  contact = SigningKey::from_seed(Bytes(32, 0x44));
  EXPECT_EQ(open(wire).code(), Errc::unknown_sender);
}

TEST_F(EnvelopeTest, FutureTimestampBeyondSkew) {
  auto wire = *seal_envelope(alert, id, kNow + kMaxFutureSkew + 1, contact, daemon.public_key());
  EXPECT_EQ(open(wire).code(), Errc::future_timestamp);
  auto ok = *seal_envelope(alert, id, kNow + kMaxFutureSkew, contact, daemon.public_key());
  EXPECT_TRUE(open(ok).ok());
}

TEST_F(EnvelopeTest, MalformedAlertWhenSignedBytesAreNotCanonical) {
  std::string spaced = canonical_alert(alert);
  spaced.insert(1, " ");
  EXPECT_EQ(open(seal_alert_bytes(spaced)).code(), Errc::malformed_alert);
  EXPECT_EQ(open(seal_alert_bytes("not json")).code(), Errc::malformed_alert);
}

TEST_F(EnvelopeTest, InvalidAlertWhenSignedAlertBreaksTheSchema) {
  Alert bad = alert;
  bad.people->count = 0;
  EXPECT_EQ(open(seal_alert_bytes(canonical_alert(bad))).code(), Errc::invalid_alert);
}

TEST_F(EnvelopeTest, UnsupportedSchemaVersionInsideIsRefused) {
  auto p = *testing::build_padded_plaintext(canonical_alert(alert), id, kNow, contact,
                                            daemon.public_key());
  p[92] = 2;  // schema version low byte; the signature no longer matters
  EXPECT_EQ(open(testing::seal_raw(p, daemon.public_key())).code(), Errc::unsupported_version);
}

TEST_F(EnvelopeTest, CheapChecksNeverReachSignatureVerification) {
  std::atomic<std::uint64_t> verifies{0};
  Bytes wire = seal();
  Bytes bad_magic = wire, bad_recipient = wire, short_one(wire.begin(), wire.begin() + 100);
  bad_magic[0] = 'Z';
  bad_recipient[6] ^= 1;
  Bytes undecryptable = wire;
  undecryptable[kOuterHeaderSize + 60] ^= 1;
  for (const Bytes* w : {&bad_magic, &bad_recipient, &short_one, &undecryptable})
    EXPECT_FALSE(open(*w, &verifies).ok());
  EXPECT_EQ(verifies.load(), 0u);
  EXPECT_TRUE(open(wire, &verifies).ok());
  EXPECT_EQ(verifies.load(), 1u);
}

TEST_F(EnvelopeTest, TestSeamProducesEnvelopesTheRealOpenerAccepts) {
  auto eph = BoxKey::from_secret(Bytes(32, 0x55));
  auto a =
      *testing::seal_envelope_with_ephemeral(alert, id, kNow, contact, daemon.public_key(), eph);
  auto b =
      *testing::seal_envelope_with_ephemeral(alert, id, kNow, contact, daemon.public_key(), eph);
  EXPECT_EQ(a, b) << "fixed ephemeral key must make sealing deterministic";
  EXPECT_TRUE(open(a).ok());
}

TEST_F(EnvelopeTest, HashBindsEveryByte) {
  Bytes wire = seal();
  auto h = envelope_hash(wire);
  wire[100] ^= 1;
  EXPECT_NE(h, envelope_hash(wire));
}

}  // namespace
}  // namespace cw
