// Receipts: the daemon's signed statement "I durably recorded this alert".
//
// Signed bytes (all big-endian):
//   "casewire-receipt-v1\0" (20) | alert id (16) | envelope hash (32) |
//   received_at u64 (Unix seconds) | sequence u64
// Ed25519 is deterministic, so the daemon can re-issue a byte-identical
// receipt for a repeated alert id without storing the signature itself.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "protocol/alert.h"
#include "protocol/error.h"
#include "protocol/keys.h"

namespace cw {

struct Receipt {
  AlertId alert_id{};
  std::array<std::uint8_t, 32> envelope_hash{};
  std::int64_t received_at = 0;
  std::uint64_t sequence = 0;
  KeyId daemon_key_id{};
  Signature signature{};
};

Bytes receipt_signed_bytes(const Receipt& r);
Receipt sign_receipt(const SigningKey& daemon, const AlertId& alert_id,
                     const std::array<std::uint8_t, 32>& envelope_hash, std::int64_t received_at,
                     std::uint64_t sequence);
// Checks the key id and the signature against the daemon's signing key.
Status verify_receipt(const Receipt& r, const PublicKey& daemon_sign_pk);

// One JSON object: alert_id, sequence, received_at, envelope_hash,
// daemon_key_id, signature (base64).
std::string receipt_to_json(const Receipt& r);
Result<Receipt> receipt_from_json(std::string_view text);

}  // namespace cw
