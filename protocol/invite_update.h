// Signed invite updates: how a daemon's new keys, TLS pins and addresses
// reach contacts and organisations who already trust it (docs/PROTOCOL.md
// §5, docs/OPERATIONS.md §9).
//
//   payload = {"v":1,"sequence":N,"issued_at":T,"urls":[...],"tls_pins":[...],
//              "daemon_sign_key":"cwk1 sign ...","daemon_box_key":"cwk1 box ...",
//              "log_head":{<tree head>}}                       (log_head: optional)
//   wrapper = daemon-signed payload (signed_payload.h), domain
//             "casewire-invite-update-v1", signed by the key the clients
//             trust NOW (the one being replaced, when the signing key rotates)
//
// `log_head` is the case log as the signing key being replaced last saw it,
// signed by that key: the new key's heads must extend it, so a rotation can
// never become a fresh start for a rewritten log.
//
// The updates form a chain (InviteChain): update N is signed by the signing
// key update N-1 certified (update 1 by the daemon's first key). The daemon
// serves the whole chain, so a client that missed updates walks it in order
// from the key it trusts; a link it cannot verify stops it there. A client
// accepts an update only along that walk and only with a higher sequence; it
// then trusts the new keys and every listed pin (a TLS key announced before
// it is used, so the switch breaks no connection). The gazetteer, signed by
// the old key, is dropped and fetched again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/case_log.h"
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
  std::optional<TreeHead> log_head;  // signed by the key that signs this update
};

std::string sign_invite_update(const InviteUpdate& u, const SigningKey& trusted_now);

// bad_signature unless `trusted` signed it; bad_invite if malformed.
Result<InviteUpdate> open_invite_update(std::string_view signed_json, const PublicKey& trusted);

// The sequence of a signed update, read WITHOUT checking its signature: for
// the daemon's own file (it may no longer hold the key that signed it).
// 0 if it cannot be read.
std::uint32_t invite_update_sequence(std::string_view signed_json);

// The chain of updates, oldest first. On the daemon (DIR/invite-update.json,
// served at GET /v1/invite-updates) it starts at the daemon's first key;
// on a client (daemon-keys.json in its home) at the key its invite named.
//
//   {"casewire_invite_chain":1,"from_sequence":S,"genesis_sign_key":"cwk1 sign ...",
//    "links":[<signed update S+1>, <signed update S+2>, ...]}
//
// A file holding one bare signed update (written before chains) reads as a
// chain of that one link with no genesis key.
inline constexpr std::size_t kMaxInviteChainLinks = 512;
struct InviteChain {
  std::uint32_t from_sequence = 0;   // the sequence at which `genesis` was current
  std::optional<PublicKey> genesis;  // the key that signed the first link
  std::vector<std::string> links;    // signed updates, sequences from_sequence+1, ...
};
// The sequence of the chain's newest link (from_sequence when it has none).
std::uint32_t invite_chain_sequence(const InviteChain& c);
std::string invite_chain_to_json(const InviteChain& c);
Result<InviteChain> invite_chain_from_json(std::string_view text);

// The chain's updates after `sequence`, each checked against the key the one
// before it certified, starting with `trusted` (the key current at
// `sequence`). bad_signature for a link the key before it did not sign;
// bad_invite when the chain does not continue from `sequence` (a gap, a
// repeat, or it starts later), or a link is malformed.
Result<std::vector<InviteUpdate>> follow_invite_chain(const InviteChain& c,
                                                      const PublicKey& trusted,
                                                      std::uint32_t sequence);

// The whole chain, checked from its genesis key (every link, in order). A
// chain without a genesis key (it began as one bare update, from before
// chains) has its first link read unchecked - the daemon's own file; clients
// check that link's signature - and every later link checked from it.
Result<std::vector<InviteUpdate>> verify_invite_chain(const InviteChain& c);

// The invite after the update: new keys, URLs and pins, the update's
// sequence, and no gazetteer (it was signed by the key being replaced).
Invite apply_invite_update(const Invite& invite, const InviteUpdate& u);

}  // namespace cw
