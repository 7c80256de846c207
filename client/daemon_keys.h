// The daemon's signing keys this device has trusted, oldest first.
//
// Why: a receipt or a tree head is checked against the key that signed it.
// Checked against the newest key only, every receipt from before a signing
// key rotation failed, and verify-log let them pass as "from before the
// log" - so a rotation hid whatever had been deleted before it. Each key
// here is certified by the invite update its predecessor signed
// (protocol/invite_update.h), starting from the key in the invite this
// device was set up with; and each update's log head (the log as the
// replaced key last saw it) is kept, for verify-log to hold the new key's
// log to it.
//
// DIR/daemon-keys.json, an InviteChain: from the invite's sequence and key,
// the links this device walked. Written before invite.json when an update is
// applied, so a crash between the two leaves a history that still names the
// invite's key.
#pragma once

#include <string>
#include <vector>

#include "client/home.h"
#include "protocol/case_log.h"
#include "protocol/invite.h"
#include "protocol/invite_update.h"

namespace cw::client {

class DaemonKeys {
 public:
  // The history in the home, checked link by link. A home without one (set
  // up before histories, or never rotated) knows the invite's key alone; a
  // history that does not lead to the invite's key (the home was set up
  // again with another invite) is set aside the same way.
  static Result<DaemonKeys> load(const ClientHome& home, const Invite& invite);

  // The key with this id, or nullptr: a signature under a key this device
  // never trusted is a problem, never "before the log".
  const PublicKey* find(const KeyId& id) const;
  const std::vector<PublicKey>& keys() const { return keys_; }
  // The log heads the updates carried, each signed by the key it replaced.
  const std::vector<TreeHead>& handover_heads() const { return heads_; }

  // The history as it will be once `links` (updates after `invite`'s
  // sequence, already checked along the chain from its key) are applied. A
  // history that ends before the invite (the home was set up again with a
  // newer invite) starts again from the invite: it cannot be joined.
  std::string with_links(const Invite& invite, const std::vector<std::string>& links) const;

 private:
  InviteChain chain_;
  std::vector<PublicKey> keys_;
  std::vector<TreeHead> heads_;
};

}  // namespace cw::client
