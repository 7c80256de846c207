// A signed invite update: how a daemon's new keys, TLS pins and addresses
// reach contacts and organisations who already trust it (docs/OPERATIONS.md,
// "Key rotation").
//
//   payload = {"v":1,"sequence":N,"issued_at":T,"urls":[...],"tls_pins":[...],
//              "daemon_sign_key":"cwk1 sign ...","daemon_box_key":"cwk1 box ..."}
//   wrapper = daemon-signed payload (signed_payload.h), domain
//             "casewire-invite-update-v1", signed by the key the clients
//             trust NOW (the one being replaced, when the signing key rotates)
//
// A client accepts an update only if its current daemon signing key signed
// it and its sequence is higher than the last it applied; it then trusts the
// new keys and every listed pin (a TLS key announced before it is used, so
// the switch breaks no connection). The gazetteer, signed by the old key, is
// dropped and fetched again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.h"
#include "protocol/invite.h"
#include "protocol/keys.h"

namespace cw {

inline constexpr std::string_view kInviteUpdateDomain = "casewire-invite-update-v1";

struct InviteUpdate {
  std::uint32_t sequence = 0;
  std::int64_t issued_at = 0;
  std::vector<std::string> urls;
  std::vector<std::string> tls_pins;  // 1 or 2: the key in use, and the next one
  PublicKey daemon_sign;
  PublicKey daemon_box;
};

std::string sign_invite_update(const InviteUpdate& u, const SigningKey& trusted_now);

// bad_signature unless `trusted` signed it; bad_invite if malformed.
Result<InviteUpdate> open_invite_update(std::string_view signed_json, const PublicKey& trusted);

// The sequence of a signed update, read WITHOUT checking its signature: for
// the daemon's own file (it may no longer hold the key that signed it).
// 0 if it cannot be read.
std::uint32_t invite_update_sequence(std::string_view signed_json);

// The invite after the update: new keys, URLs and pins, the update's
// sequence, and no gazetteer (it was signed by the key being replaced).
Invite apply_invite_update(const Invite& invite, const InviteUpdate& u);

}  // namespace cw
