// Sealing and opening case-alert envelopes (format: envelope_format.h).
//
// Contract:
//  - seal_envelope signs, pads and seals; the result is always kWireSize bytes.
//  - check_envelope_header does only the cheap checks (size, magic, version,
//    recipient) and no cryptography, so a flood of junk costs almost nothing.
//  - open_envelope runs the cheap checks, then decrypts, unpads, checks the
//    inner header against the outer one and this daemon's key, looks up the
//    sender, verifies the signature, checks the timestamp and finally parses
//    the canonical alert. It returns the verified alert or exactly one error
//    code, and it has no side effects.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "protocol/alert.h"
#include "protocol/error.h"
#include "protocol/keys.h"

namespace cw {

Result<Bytes> seal_envelope(const Alert& alert, const AlertId& alert_id, std::int64_t created_at,
                            const SigningKey& sender, const PublicKey& daemon_box_pk);

Status check_envelope_header(ByteView wire, const KeyId& recipient_box_key_id);

// Returns the sender's signing key, or unknown_sender / revoked_sender.
using SenderLookup = std::function<Result<PublicKey>(const KeyId& sender_key_id)>;

struct OpenedAlert {
  KeyId sender{};
  AlertId alert_id{};
  std::int64_t created_at = 0;
  Alert alert;
  std::string canonical;  // the signed alert bytes
};

struct OpenOptions {
  std::int64_t now = 0;
  // Incremented each time an Ed25519 verification is actually attempted
  // (lets the daemon prove that cheap checks come first).
  std::atomic<std::uint64_t>* verify_counter = nullptr;
};

Result<OpenedAlert> open_envelope(ByteView wire, const BoxKey& daemon_box,
                                  const SenderLookup& lookup, const OpenOptions& options);

// BLAKE2b-256 of the wire bytes: what a receipt binds.
std::array<std::uint8_t, 32> envelope_hash(ByteView wire);

}  // namespace cw
