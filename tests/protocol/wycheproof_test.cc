// Edge-case vectors for the primitives behind our wrappers (Ed25519 verify,
// X25519, XChaCha20-Poly1305), from Project Wycheproof - see the source note
// in tests/vectors/wycheproof_subset.json. Every call goes through the same
// functions our code uses, so a wrapper or library regression cannot hide.
#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json.hpp>

#include "protocol/envelope.h"
#include "protocol/envelope_format.h"
#include "protocol/file_io.h"
#include "protocol/keys.h"

namespace json = boost::json;

namespace cw {
namespace {

json::object load() {
  auto text = read_file(std::string(CASEWIRE_SOURCE_DIR) + "/tests/vectors/wycheproof_subset.json");
  return json::parse(as_chars(*text)).as_object();
}
Bytes hex(const json::value& v) {
  return *from_hex(std::string(v.as_string()));
}

TEST(Wycheproof, Ed25519VerifyAcceptsExactlyTheValidSignatures) {
  auto v = load().at("ed25519").as_object();
  PublicKey pk{KeyKind::sign, {}};
  auto raw = hex(v.at("pk"));
  std::copy(raw.begin(), raw.end(), pk.bytes.begin());
  int n = 0;
  for (const auto& t : v.at("tests").as_array()) {
    const auto& o = t.as_object();
    const bool expect = o.at("result").as_string() == "valid";
    EXPECT_EQ(verify_signature(pk, hex(o.at("msg")), hex(o.at("sig"))), expect)
        << "tcId " << o.at("tcId").as_int64();
    ++n;
  }
  EXPECT_GE(n, 40);
}

TEST(Wycheproof, X25519SharedSecrets) {
  auto v = load().at("x25519").as_object();
  for (const auto& t : v.at("tests").as_array()) {
    const auto& o = t.as_object();
    auto priv = hex(o.at("private")), pub = hex(o.at("public"));
    std::uint8_t shared[32];
    ASSERT_EQ(crypto_scalarmult(shared, priv.data(), pub.data()), 0) << o.at("tcId").as_int64();
    EXPECT_EQ(to_hex(ByteView(shared, 32)), std::string(o.at("shared").as_string()))
        << o.at("tcId").as_int64();
  }
}

TEST(Wycheproof, Rfc7748KeysDeriveAsOurBoxKeyDerivesThem) {
  auto r = load().at("x25519").as_object().at("rfc7748").as_object();
  auto alice = BoxKey::from_secret(hex(r.at("alice_private")));
  auto bob = BoxKey::from_secret(hex(r.at("bob_private")));
  EXPECT_EQ(to_hex(alice.public_key().bytes), std::string(r.at("alice_public").as_string()));
  EXPECT_EQ(to_hex(bob.public_key().bytes), std::string(r.at("bob_public").as_string()));
  std::uint8_t shared[32];
  ASSERT_EQ(crypto_scalarmult(shared, alice.secret().data(), bob.public_key().bytes.data()), 0);
  EXPECT_EQ(to_hex(ByteView(shared, 32)), std::string(r.at("shared").as_string()));
}

TEST(Wycheproof, LowOrderPointsAreRefusedAndAnEnvelopeUsingOneDoesNotOpen) {
  auto daemon = BoxKey::from_secret(Bytes(32, 0x22));
  const auto all = load();
  for (const auto& p : all.at("x25519").as_object().at("low_order_public").as_array()) {
    auto point = hex(p);
    std::uint8_t shared[32];
    EXPECT_NE(crypto_scalarmult(shared, daemon.secret().data(), point.data()), 0)
        << "all-zero secret must be refused";
    // An envelope whose ephemeral key is that point: refused as undecryptable.
    Bytes wire(envelope::kWireSize, 0);
    std::copy(envelope::kMagic.begin(), envelope::kMagic.end(), wire.begin());
    wire[4] = envelope::kVersion;
    auto id = daemon.id();
    std::copy(id.begin(), id.end(), wire.begin() + 5);
    std::copy(point.begin(), point.end(), wire.begin() + envelope::kOuterHeaderSize);
    auto r = open_envelope(
        wire, daemon,
        [](const KeyId&) -> Result<PublicKey> { return make_error(Errc::unknown_sender, ""); },
        OpenOptions{0, nullptr});
    EXPECT_EQ(r.code(), Errc::decrypt_failed);
  }
}

TEST(Wycheproof, XChaCha20Poly1305DecryptsValidAndRefusesEveryModifiedTag) {
  const auto all = load();
  for (const auto& t : all.at("xchacha20_poly1305").as_object().at("tests").as_array()) {
    const auto& o = t.as_object();
    auto key = hex(o.at("key")), iv = hex(o.at("iv")), aad = hex(o.at("aad")),
         msg = hex(o.at("msg"));
    Bytes ct = hex(o.at("ct"));
    auto tag = hex(o.at("tag"));
    ct.insert(ct.end(), tag.begin(), tag.end());
    Bytes out(msg.size() + 1);
    unsigned long long len = 0;
    ASSERT_EQ(
        crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, ct.data(), ct.size(),
                                                   aad.data(), aad.size(), iv.data(), key.data()),
        0)
        << o.at("tcId").as_int64();
    out.resize(len);
    EXPECT_EQ(out, msg);
    Bytes enc(msg.size() + 16);
    crypto_aead_xchacha20poly1305_ietf_encrypt(enc.data(), nullptr, msg.data(), msg.size(),
                                               aad.data(), aad.size(), nullptr, iv.data(),
                                               key.data());
    EXPECT_EQ(enc, ct) << "encryption reproduces the vector";
    for (std::size_t bit = 0; bit < 128; bit += 9) {  // the ModifiedTag class
      Bytes bad = ct;
      bad[bad.size() - 16 + bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      EXPECT_NE(crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, bad.data(),
                                                           bad.size(), aad.data(), aad.size(),
                                                           iv.data(), key.data()),
                0);
    }
  }
}

}  // namespace
}  // namespace cw
