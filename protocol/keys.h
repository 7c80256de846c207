// Key pairs and key ids.
//
// Two kinds of key, never mixed: Ed25519 for signatures (contacts, orgs, the
// daemon's receipts and notifications) and X25519 for sealing envelopes to the
// daemon. A key id is 8 bytes of BLAKE2b-256("casewire-key-id-v1" || kind || pk):
// short enough to read aloud, shown as 16 lower-case hex digits everywhere a
// person sees one, and bound to the kind so a signing and a box key never share
// an id.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/bytes.h"
#include "protocol/secret.h"

namespace cw {

inline constexpr std::size_t kKeyIdSize = 8;
inline constexpr std::size_t kPublicKeySize = 32;
inline constexpr std::size_t kSignatureSize = 64;

using KeyId = std::array<std::uint8_t, kKeyIdSize>;
using PublicKeyBytes = std::array<std::uint8_t, kPublicKeySize>;
using Signature = std::array<std::uint8_t, kSignatureSize>;

std::string key_id_hex(const KeyId& id);
std::optional<KeyId> parse_key_id(std::string_view hex16);

enum class KeyKind : std::uint8_t { sign = 1, box = 2 };
std::string_view key_kind_name(KeyKind kind);

struct PublicKey {
  KeyKind kind = KeyKind::sign;
  PublicKeyBytes bytes{};

  KeyId id() const;
  bool operator==(const PublicKey&) const = default;
};

KeyId compute_key_id(KeyKind kind, const PublicKeyBytes& pk);

// An Ed25519 key pair. Move-only; the secret half never leaves SecretBytes.
class SigningKey {
 public:
  static SigningKey generate();
  // Deterministic from a 32-byte seed: key files and test vectors use this.
  static SigningKey from_seed(std::span<const std::uint8_t> seed32);

  const PublicKey& public_key() const { return pk_; }
  KeyId id() const { return pk_.id(); }
  // The 32-byte seed, for writing an encrypted key file.
  SecretBytes seed() const;

  Signature sign(ByteView message) const;

 private:
  SigningKey(PublicKey pk, SecretBytes sk) : pk_(pk), sk_(std::move(sk)) {}
  PublicKey pk_;
  SecretBytes sk_;  // libsodium's 64-byte form (seed || pk)
};

// Verifies an Ed25519 signature made by `pk` (which must be a signing key).
bool verify_signature(const PublicKey& pk, ByteView message, ByteView signature);

// An X25519 key pair for sealed boxes.
class BoxKey {
 public:
  static BoxKey generate();
  static BoxKey from_secret(std::span<const std::uint8_t> sk32);

  const PublicKey& public_key() const { return pk_; }
  KeyId id() const { return pk_.id(); }
  const SecretBytes& secret() const { return sk_; }

 private:
  BoxKey(PublicKey pk, SecretBytes sk) : pk_(pk), sk_(std::move(sk)) {}
  PublicKey pk_;
  SecretBytes sk_;
};

}  // namespace cw
