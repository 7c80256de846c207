// Receipts: the daemon's signed statement "I durably recorded this alert".
//
// Signed bytes (all big-endian):
//   "casewire-receipt-v1\0" (20) | alert id (16) | envelope hash (32) |
//   received_at u64 (Unix seconds) | sequence u64
// and, for an alert recorded in the case log (protocol/case_log.h), v2:
//   "casewire-receipt-v2\0" (20) | the same | log index u64 | leaf hash (32)
// and, since the log is appended one mixing window at a time (below), v3:
//   "casewire-receipt-v3\0" (20) | the v1 fields | leaf hash (32) | include_by u64
// The daemon's signature over the leaf is what lets the contact check, with
// no key, that its alert is in the log the daemon shows everyone.
//
// Why v3 carries no index: an index given at once is the alert's position in
// commit order, and so are the server's notification and case rows - a
// coerced contact's receipts would then point at their rows in a seized
// database. A v3 leaf waits until its window (an hour) is over and is then
// appended with the window's other leaves in the order of their hashes. The
// receipt is the daemon's signed promise that the leaf is in its log by
// `include_by`; the contact finds the place later (GET /v1/log/proof?leaf=).
// Ed25519 is deterministic, so the daemon can re-issue a byte-identical
// receipt for a repeated alert id without storing the signature itself.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/alert.h"
#include "protocol/error.h"
#include "protocol/keys.h"

namespace cw {

struct ReceiptLogEntry {
  std::uint64_t index = 0;
  std::array<std::uint8_t, 32> leaf{};  // merkle::leaf_hash of the 42-byte leaf
};

// A v3 receipt's promise: this leaf is in the daemon's log by `include_by`
// (Unix seconds). A log that lacks it after that is the daemon's broken word.
struct ReceiptLogPromise {
  std::array<std::uint8_t, 32> leaf{};  // merkle::leaf_hash of the 42-byte leaf
  std::int64_t include_by = 0;
};

struct Receipt {
  AlertId alert_id{};
  std::array<std::uint8_t, 32> envelope_hash{};
  std::int64_t received_at = 0;
  std::uint64_t sequence = 0;
  std::optional<ReceiptLogEntry> log;        // v2: the place given at once (older daemons)
  std::optional<ReceiptLogPromise> promise;  // v3 (never both)
  KeyId daemon_key_id{};
  Signature signature{};
};

Bytes receipt_signed_bytes(const Receipt& r);
Receipt sign_receipt(const SigningKey& daemon, const AlertId& alert_id,
                     const std::array<std::uint8_t, 32>& envelope_hash, std::int64_t received_at,
                     std::uint64_t sequence, std::optional<ReceiptLogEntry> log = {},
                     std::optional<ReceiptLogPromise> promise = {});
// Checks the key id and the signature against the daemon's signing key.
Status verify_receipt(const Receipt& r, const PublicKey& daemon_sign_pk);

// One JSON object: alert_id, sequence, received_at, envelope_hash,
// [log_index, log_leaf | log_leaf, log_include_by,] daemon_key_id, signature (base64). Parsing
// ignores other members (the daemon's answer carries the log evidence beside them).
std::string receipt_to_json(const Receipt& r);
Result<Receipt> receipt_from_json(std::string_view text);

}  // namespace cw
