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
#include <memory>
#include <string>
#include <vector>

#include "protocol/error.h"
#include "protocol/keys.h"
#include "trust/daemon_dir.h"

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
// The file's text (casewire-keys rotate stages it with the other files).
std::string rotation_to_json(const RotationRecord& r, const Keyring& keys);

// The chain of invite updates the daemon serves (protocol/invite_update.h).
struct ServedInviteChain {
  std::shared_ptr<const std::string> chain;   // GET /v1/invite-updates (null: no rotation yet)
  std::shared_ptr<const std::string> newest;  // GET /v1/invite-update: its newest link alone
  std::uint32_t sequence = 0;                 // X-Casewire-Invite-Update
  // Every signing key id the chain names: a client that was out of touch
  // past a grace period may still fetch the chain with a request made for
  // its old key id (only this route accepts them).
  std::vector<KeyId> signing_key_ids;
};

// Reads DIR/invite-update.json and checks what clients would check: every
// link signed by the key the link before it certified, and the newest one
// naming the box and signing keys this daemon holds and the certificate it
// presents. A daemon must not serve an update that cuts its clients off, so
// anything else is bad_config naming the file and the fix. A missing file
// is an empty chain.
// `presented_pin`: the pin of the certificate the daemon presents - read at
// start, so a reload after `rotate --tls-activate` (the new certificate on
// disk, the old one still in use until a restart) does not announce a pin
// the daemon does not present yet.
Result<ServedInviteChain> load_invite_chain(const DaemonDir& d, const Keyring& keys,
                                            const std::string& presented_pin);

// A rotation interrupted after its commit point (trust/dir_transaction.h)
// must be finished before the daemon uses the directory: bad_config saying
// how. One interrupted before it is harmless (the old files stand): a
// warning in *warning.
Status check_rotation_state(const DaemonDir& d, std::string* warning);

}  // namespace cw::daemon
