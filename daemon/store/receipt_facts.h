// What a receipt states about a recorded alert, as the store keeps it: sealed
// under the storage key (bound to the alert's tag), never in clear columns.
//
// A seized phone holds receipts (alert id, sequence, receive time, envelope
// hash). If the database held any of those in the clear - a row id equal to
// the sequence, the exact time, the envelope hash - the phone's receipts
// would point at the rows, and from them at the case. So the receipt's
// facts live only inside this sealed blob, and the receipt's sequence is a
// random receipt number, not a count (docs/PROTOCOL.md §4).
//
//   blob plaintext = version u8 (1) || sequence u64 || received_at i64 ||
//                    envelope hash [32]          (integers big-endian)
// and, since receipts promise their leaf by a time (v3, protocol/receipt.h):
//   version u8 (2) || the same || include_by i64
// so a repeat's receipt keeps the first promise even if the window changed.
#pragma once

#include <array>
#include <cstdint>

#include "protocol/bytes.h"
#include "protocol/error.h"

namespace cw::daemon {

struct ReceiptFacts {
  std::uint64_t sequence = 0;
  std::int64_t received_at = 0;
  std::array<std::uint8_t, 32> envelope_hash{};
  std::int64_t include_by = 0;  // 0: a v1/v2 receipt (recorded before promises)
};

Bytes encode_receipt_facts(const ReceiptFacts& f);
Result<ReceiptFacts> decode_receipt_facts(ByteView plaintext);

// A fresh receipt number: 63 random bits (positive in SQLite and JSON).
std::uint64_t random_receipt_number();

}  // namespace cw::daemon
