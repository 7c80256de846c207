// What the store keeps of each alert's own words: who sent it and everything
// they wrote (names, contact details, notes, place details), sealed under the
// case's key (Keyring::wrap_case_key), never under a key that outlives the
// case's retention period.
//
//   plaintext = version u8 (1) || sender key id [8] || alert id [16] ||
//               created_at i64 || length u32 || canonical alert bytes
//               (integers big-endian)
#pragma once

#include <cstdint>

#include "protocol/alert.h"
#include "protocol/bytes.h"
#include "protocol/error.h"
#include "protocol/keys.h"
#include "protocol/secret.h"

namespace cw::daemon {

WipedBytes encode_alert_record(const KeyId& sender, const AlertId& alert_id,
                               std::int64_t created_at, ByteView canonical);

// A view into the plaintext it was decoded from.
struct AlertRecord {
  KeyId sender{};
  AlertId alert_id{};
  std::int64_t created_at = 0;
  ByteView canonical;
};
Result<AlertRecord> decode_alert_record(ByteView plaintext);

// The alert inside a record. Its times were checked when it arrived; read
// back later they are not checked against the clock again.
Result<Alert> parse_recorded_alert(const AlertRecord& record);

}  // namespace cw::daemon
