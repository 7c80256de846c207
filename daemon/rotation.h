// Key rotation, as the daemon sees it (docs/OPERATIONS.md, "Key rotation").
//
// `casewire-keys rotate` replaces the daemon's box and/or signing key and
// records here what the daemon must still honour for a grace period:
//   - retired box keys: envelopes sealed to them (by contacts who have not
//     yet applied the invite update, or queued in outboxes) are still opened
//     until `until`, then refused with `retired_key`;
//   - previous signing key ids: signed requests made for the old key id (by
//     clients fetching the update that tells them the new one) still verify.
// DIR/rotation.json (0600): retired box secrets are stored wrapped under the
// storage key (Keyring::wrap_retired_box), never in clear.
//
//   {"retired_box_keys":[{"key_id":"<hex>","wrapped":"<base64>","until":T}],
//    "previous_sign_key_ids":[{"key_id":"<hex>","until":T}]}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/error.h"
#include "protocol/keys.h"

namespace cw::daemon {

class Keyring;

struct RetiredBoxKey {
  BoxKey key;
  std::int64_t until = 0;
};
struct PreviousSigningKey {
  KeyId id{};
  std::int64_t until = 0;
};
struct RotationRecord {
  std::vector<RetiredBoxKey> boxes;
  std::vector<PreviousSigningKey> signers;
};

// A missing file is an empty record.
Result<RotationRecord> load_rotation(const std::string& path, const Keyring& keys);
Status save_rotation(const std::string& path, const RotationRecord& r, const Keyring& keys);

}  // namespace cw::daemon
