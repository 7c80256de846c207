// Requests signed by an organisation (feed, pull, acknowledgement) or a
// contact (case status): TLS tells the client who the daemon is; this tells
// the daemon who the client is, without passwords or cookies.
//
//   Authorization: CW2 key=<key id>,ts=<unix seconds>,nonce=<32 hex>,sig=<base64>
//   signed bytes = "casewire-request-v2" 0x00 || daemon signing key id (8 bytes) ||
//                  method "\n" || target "\n" || ts "\n" || nonce "\n" ||
//                  hex(BLAKE2b-256(body))
//
// The daemon's key id is signed (not sent): a request captured by one daemon
// - whose operator may be hostile - does not verify at another (v1 did not
// name the daemon, and a replayed `ack` elsewhere forged an acknowledgement).
// The daemon refuses a timestamp more than kRequestSkew away from its clock
// (stale_request) and a (key, nonce) pair it has seen (replayed_request).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/error.h"
#include "protocol/keys.h"

namespace cw {

inline constexpr std::int64_t kRequestSkew = 300;

// `daemon` is the signing key id of the daemon the request is for (the
// invite's daemon_sign.id()).
std::string sign_request(const SigningKey& key, const KeyId& daemon, std::string_view method,
                         std::string_view target, std::string_view body, std::int64_t now);

struct RequestAuth {
  KeyId key_id{};
  std::int64_t ts = 0;
  std::string nonce;
  Signature sig{};
};
Result<RequestAuth> parse_request_auth(std::string_view header);
// Checks the signature and the clock; replay is the daemon's job (it keeps nonces).
// `daemon`: this daemon's own signing key id.
Status verify_request(const RequestAuth& auth, const PublicKey& key, const KeyId& daemon,
                      std::string_view method, std::string_view target, std::string_view body,
                      std::int64_t now);

}  // namespace cw
