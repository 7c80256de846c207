#include "protocol/keys.h"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

namespace cw {

std::string key_id_hex(const KeyId& id) {
  return to_hex(id);
}

std::optional<KeyId> parse_key_id(std::string_view hex16) {
  if (hex16.size() != kKeyIdSize * 2) return std::nullopt;
  for (char c : hex16)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  auto b = from_hex(hex16);
  if (!b) return std::nullopt;
  KeyId id{};
  std::copy(b->begin(), b->end(), id.begin());
  return id;
}

std::string_view key_kind_name(KeyKind kind) {
  return kind == KeyKind::sign ? "sign" : "box";
}

KeyId compute_key_id(KeyKind kind, const PublicKeyBytes& pk) {
  static constexpr std::string_view kDomain = "casewire-key-id-v1";
  ByteWriter w;
  w.raw(kDomain).u8(static_cast<std::uint8_t>(kind)).raw(pk);
  auto h = blake2b(w.bytes(), 32);
  KeyId id{};
  std::copy_n(h.begin(), kKeyIdSize, id.begin());
  return id;
}

KeyId PublicKey::id() const {
  return compute_key_id(kind, bytes);
}

SigningKey SigningKey::generate() {
  auto seed = SecretBytes::random(crypto_sign_SEEDBYTES);
  return from_seed(seed.view());
}

SigningKey SigningKey::from_seed(std::span<const std::uint8_t> seed32) {
  init_crypto();
  if (seed32.size() != crypto_sign_SEEDBYTES) throw std::invalid_argument("seed size");
  PublicKey pk{KeyKind::sign, {}};
  SecretBytes sk(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(pk.bytes.data(), sk.data(), seed32.data());
  return SigningKey(pk, std::move(sk));
}

SecretBytes SigningKey::seed() const {
  SecretBytes seed(crypto_sign_SEEDBYTES);
  crypto_sign_ed25519_sk_to_seed(seed.data(), sk_.data());
  return seed;
}

Signature SigningKey::sign(ByteView message) const {
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk_.data());
  return sig;
}

bool verify_signature(const PublicKey& pk, ByteView message, ByteView signature) {
  if (pk.kind != KeyKind::sign || signature.size() != kSignatureSize) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     pk.bytes.data()) == 0;
}

BoxKey BoxKey::generate() {
  auto sk = SecretBytes::random(crypto_box_SECRETKEYBYTES);
  return from_secret(sk.view());
}

BoxKey BoxKey::from_secret(std::span<const std::uint8_t> sk32) {
  init_crypto();
  if (sk32.size() != crypto_box_SECRETKEYBYTES) throw std::invalid_argument("box key size");
  PublicKey pk{KeyKind::box, {}};
  auto sk = SecretBytes::copy_of(sk32);
  crypto_scalarmult_base(pk.bytes.data(), sk.data());
  return BoxKey(pk, std::move(sk));
}

}  // namespace cw
