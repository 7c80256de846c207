#include "protocol/keys.h"

#include <gtest/gtest.h>

#include "protocol/key_file.h"

namespace cw {
namespace {

Bytes seed_of(std::uint8_t v) {
  return Bytes(32, v);
}

TEST(KeyId, IsStableAndBoundToKind) {
  auto k = SigningKey::from_seed(seed_of(7));
  EXPECT_EQ(key_id_hex(k.id()).size(), 16u);
  EXPECT_EQ(k.id(), SigningKey::from_seed(seed_of(7)).id());
  PublicKey as_box{KeyKind::box, k.public_key().bytes};
  EXPECT_NE(as_box.id(), k.id());
}

TEST(Signatures, VerifyAndRejectTampering) {
  auto k = SigningKey::from_seed(seed_of(1));
  Bytes msg{1, 2, 3};
  auto sig = k.sign(msg);
  EXPECT_TRUE(verify_signature(k.public_key(), msg, sig));
  msg[0] ^= 1;
  EXPECT_FALSE(verify_signature(k.public_key(), msg, sig));
  PublicKey box{KeyKind::box, k.public_key().bytes};
  msg[0] ^= 1;
  EXPECT_FALSE(verify_signature(box, msg, sig)) << "a box key is never a signing key";
}

TEST(PublicKeyLine, RoundTrips) {
  auto k = SigningKey::from_seed(seed_of(2));
  auto line = format_public_key(k.public_key());
  EXPECT_EQ(line.rfind("cwk1 sign " + key_id_hex(k.id()) + " ", 0), 0u);
  auto back = parse_public_key(line);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, k.public_key());
}

TEST(PublicKeyLine, CatchesATypoThroughTheKeyId) {
  auto line = format_public_key(SigningKey::from_seed(seed_of(3)).public_key());
  auto pos = line.size() - 5;
  line[pos] = line[pos] == 'A' ? 'B' : 'A';
  auto r = parse_public_key(line);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), Errc::bad_key_file);
}

TEST(PublicKeyLine, RejectsMalformedLines) {
  for (const char* bad :
       {"", "cwk1 sign", "cwk2 sign 0011223344556677 AAAA", "cwk1 rsa 0011223344556677 AAAA",
        "cwk1 sign 00112233 AAAA", "cwk1 sign 0011223344556677 !!!!"})
    EXPECT_EQ(parse_public_key(bad).code(), Errc::bad_key_file) << bad;
}

TEST(PublicKeyFile, HoldsSignAndOptionalBoxKey) {
  auto id = Identity::generate(Role::org);
  auto text = format_public_key_file(id.public_keys(), "test");
  auto back = parse_public_key_file(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->sign, id.sign.public_key());
  ASSERT_TRUE(back->box);
  EXPECT_EQ(*back->box, id.box->public_key());
}

SecretBytes pass(std::string_view s) {
  return SecretBytes::copy_of(as_bytes(s));
}

TEST(SecretKeyFile, RoundTripsWithPassphrase) {
  auto id = Identity::generate(Role::daemon);
  auto p = pass("correct horse");
  auto text = seal_identity(id, &p, KdfParams::interactive());
  ASSERT_TRUE(text.ok());
  EXPECT_FALSE(identity_file_is_insecure(*text));
  auto back = open_identity(*text, [] { return Result<SecretBytes>(pass("correct horse")); });
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->role, Role::daemon);
  EXPECT_EQ(back->sign.public_key(), id.sign.public_key());
  EXPECT_EQ(back->box->public_key(), id.box->public_key());
  EXPECT_TRUE(ct_equal(back->master.view(), id.master.view()));
}

TEST(SecretKeyFile, WrongPassphraseIsRefused) {
  auto id = Identity::generate(Role::contact);
  auto p = pass("right");
  auto text = seal_identity(id, &p, KdfParams::interactive());
  auto back = open_identity(*text, [] { return Result<SecretBytes>(pass("wrong")); });
  EXPECT_EQ(back.code(), Errc::wrong_passphrase);
}

TEST(SecretKeyFile, InsecureFileSaysSoAndOpensWithoutAsking) {
  auto id = Identity::generate(Role::contact);
  auto text = seal_identity(id, nullptr);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(identity_file_is_insecure(*text));
  EXPECT_NE(text->find("NOT ENCRYPTED"), std::string::npos);
  bool asked = false;
  auto back = open_identity(*text, [&] {
    asked = true;
    return Result<SecretBytes>(make_error(Errc::no_passphrase, "none"));
  });
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(asked);
  EXPECT_EQ(back->sign.public_key(), id.sign.public_key());
}

TEST(SecretKeyFile, TamperedFileIsRefused) {
  auto id = Identity::generate(Role::contact);
  auto text = *seal_identity(id, nullptr);
  auto nl = text.find('\n');
  std::string blob_line = text.substr(nl + 1, text.size() - nl - 2);
  auto blob = *from_base64(blob_line);
  for (std::size_t i : {std::size_t{0}, std::size_t{5}, std::size_t{7}, blob.size() - 1}) {
    auto t = blob;
    t[i] ^= 0x01;
    auto r = open_identity(to_base64(t), [] { return Result<SecretBytes>(pass("x")); });
    EXPECT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.code(), Errc::bad_key_file) << "byte " << i;
  }
}

TEST(SecretKeyFile, RefusesUnreasonableKdfParameters) {
  auto id = Identity::generate(Role::contact);
  auto p = pass("x");
  auto text = *seal_identity(id, &p, KdfParams::interactive());
  auto nl = text.find('\n');
  auto blob = *from_base64(text.substr(nl + 1, text.size() - nl - 2));
  // memlimit lives at offset 15..22: ask for 2^40 bytes.
  for (int i = 15; i < 23; ++i) blob[i] = 0;
  blob[17] = 0x01;
  auto r = open_identity(to_base64(blob), [] { return Result<SecretBytes>(pass("x")); });
  EXPECT_EQ(r.code(), Errc::bad_key_file);
}

// An absurd opslimit is refused before the passphrase is even asked for: a
// key file planted or altered on a seized machine must not make the daemon
// or the client spin in Argon2 for hours at start (or hand libsodium a
// value it refuses, which would read as a wrong passphrase).
TEST(SecretKeyFile, RefusesAnAbsurdOpslimitBeforeAskingForThePassphrase) {
  auto id = Identity::generate(Role::contact);
  auto p = pass("x");
  auto text = *seal_identity(id, &p, KdfParams::interactive());
  auto nl = text.find('\n');
  const auto original = *from_base64(text.substr(nl + 1, text.size() - nl - 2));
  // opslimit lives at offset 7..14, big-endian.
  for (std::uint64_t ops : {std::uint64_t{17}, std::uint64_t{1} << 33, ~std::uint64_t{0}}) {
    auto blob = original;
    for (int i = 0; i < 8; ++i) blob[7 + i] = static_cast<std::uint8_t>(ops >> (56 - 8 * i));
    int asked = 0;
    auto r = open_identity(to_base64(blob), [&] {
      ++asked;
      return Result<SecretBytes>(pass("x"));
    });
    EXPECT_EQ(r.code(), Errc::bad_key_file) << ops;
    EXPECT_EQ(asked, 0) << "refused before the passphrase: " << ops;
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("unreasonable"), std::string::npos) << ops;
  }
}

TEST(SecretBytes, WipesOnMoveAndCompareIsConstantTimeApi) {
  auto a = SecretBytes::random(32);
  auto copy = SecretBytes::copy_of(a.view());
  SecretBytes b = std::move(a);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_TRUE(ct_equal(b.view(), copy.view()));
  copy.data()[0] ^= 1;
  EXPECT_FALSE(ct_equal(b.view(), copy.view()));
}

}  // namespace
}  // namespace cw
