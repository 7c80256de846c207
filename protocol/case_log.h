// The tamper-evident case log (issue 15, part 1; docs/PROTOCOL.md §5b):
// what its leaves commit to, the daemon's signed tree heads, and the proofs
// that travel with receipts and come from GET /v1/log/*.
//
// A leaf (42 bytes; its hash is merkle::leaf_hash of them):
//   version u8 = 1 | kind u8 | hour u64 (Unix seconds, a multiple of 3600) | tag (32)
// The tag is a keyed hash under a key only the daemon holds (Keyring::
// leaf_tag): a leaf names no alert, sender, case or organisation and says
// nothing of what was written - only that an event of this kind was recorded
// in that hour. A contact learns its alert's leaf hash from its receipt,
// which the daemon signed, so it can check the leaf without the key.
//
// A signed tree head (STH):
//   signed bytes = "casewire-tree-head-v1\0" (22) | daemon signing key id (8) |
//                  size u64 | root (32) | timestamp u64 (Unix seconds)
// Two heads signed by one daemon key for the same size with different roots
// are, by themselves, proof that the daemon showed two different logs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.h"
#include "protocol/keys.h"
#include "protocol/merkle.h"
#include "protocol/receipt.h"

namespace cw {

enum class LeafKind : std::uint8_t {
  alert = 1,            // a new case
  follow_up = 2,        // an update, resolution or retraction of a case
  acknowledgement = 3,  // an organisation acting on a case
};

inline constexpr std::size_t kLeafBytes = 42;

// The mixing window. A leaf is not appended when its event is recorded: it
// waits until the window it was recorded in is over, and is then appended
// with the window's other leaves in the order of their leaf hashes. Commit
// order - the order of the server's notification, case and ack rows - so
// never shows in a leaf's place, and a place says no more than the hour,
// which the rows keep anyway. A v3 receipt promises its leaf by the end of
// the following window, and no sooner than 10 s after its own (log_include_by). An hour by default;
// [case_log] mix_seconds may set it lower, which only tests should, never
// higher: a promise further off than two windows would let a daemon keep a
// device "waiting" for as long as it likes, so receipts promising later than
// kLogMaxPromiseSeconds after their received_at are refused (verify_receipt).
inline constexpr std::int64_t kLogWindowSeconds = 3600;
inline constexpr std::int64_t kLogMaxWindowSeconds = 3600;
inline constexpr std::int64_t kLogMaxPromiseSeconds = 2 * kLogMaxWindowSeconds;
std::int64_t log_window_end(std::int64_t at, std::int64_t window);
std::int64_t log_include_by(std::int64_t at, std::int64_t window);

// What a device may conclude about a v3 receipt's promise whose leaf the
// daemon's current log does not hold. The daemon's own signed head is proof
// (`broken`); the device's clock is only a strong hint (`overdue`: the daemon
// shows a head from before its promise although the promise is long past,
// i.e. it holds its log back or this device's clock is wrong). Without either
// the leaf is still `waiting`. The slack keeps a clock a few minutes off, or a
// head signed a moment before the deadline, from crying wolf.
enum class PromiseVerdict { waiting, broken, overdue };
inline constexpr std::int64_t kLogPromiseClockSlackSeconds = 900;
PromiseVerdict judge_promise(std::int64_t include_by, std::int64_t head_signed_at,
                             std::int64_t device_now);
Bytes encode_leaf(LeafKind kind, std::int64_t hour, const std::array<std::uint8_t, 32>& tag);

struct TreeHead {
  std::uint64_t size = 0;
  merkle::Hash root{};
  std::int64_t timestamp = 0;
  KeyId daemon_key_id{};
  Signature signature{};
};

Bytes tree_head_signed_bytes(const TreeHead& h);
TreeHead sign_tree_head(const SigningKey& daemon, std::uint64_t size, const merkle::Hash& root,
                        std::int64_t timestamp);
// bad_tree_head unless signed by `daemon_sign_pk`.
Status verify_tree_head(const TreeHead& h, const PublicKey& daemon_sign_pk);

// {"size": N, "root": "<64 hex>", "timestamp": T, "daemon_key_id": "<16 hex>",
//  "signature": "<base64>"}
std::string tree_head_to_json(const TreeHead& h);
Result<TreeHead> tree_head_from_json(std::string_view text);

// Proofs as JSON arrays of 64-hex strings; at most kMaxProofHashes (a tree
// of 2^40 events is beyond anything a daemon records).
inline constexpr std::size_t kMaxProofHashes = 40;
std::string proof_to_json(const std::vector<merkle::Hash>& path);
Result<std::vector<merkle::Hash>> proof_from_json(std::string_view text);

// What the answer to POST /v1/alerts carries beside the receipt: the head
// the alert was first included under, and the inclusion proof.
//   "log": {"tree_head": {...}, "inclusion": ["<64 hex>", ...]}
struct LogEvidence {
  TreeHead head;
  std::vector<merkle::Hash> inclusion;
};
std::string log_evidence_to_json(const LogEvidence& e);
Result<LogEvidence> log_evidence_from_json(std::string_view text);
// The "log" member of the daemon's answer to an alert (nullopt: none).
Result<std::optional<LogEvidence>> log_evidence_in_answer(std::string_view answer);

// That `e.head` is the daemon's (bad_tree_head) and that the receipt's leaf
// is at its index in it (log_inconsistent).
Status verify_log_evidence(const LogEvidence& e, const ReceiptLogEntry& entry,
                           const PublicKey& daemon_sign_pk);

}  // namespace cw
