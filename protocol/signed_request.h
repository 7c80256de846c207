// Requests signed by an organisation (feed, pull, acknowledgement) or a
// contact (case status): TLS tells the client who the daemon is; this tells
// the daemon who the client is, without passwords or cookies.
//
//   Authorization: CW1 key=<key id>,ts=<unix seconds>,nonce=<32 hex>,sig=<base64>
//   signed bytes = "casewire-request-v1" 0x00 || method "\n" || target "\n" ||
//                  ts "\n" || nonce "\n" || hex(BLAKE2b-256(body))
//
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

std::string sign_request(const SigningKey& key, std::string_view method, std::string_view target,
                         std::string_view body, std::int64_t now);

struct RequestAuth {
  KeyId key_id{};
  std::int64_t ts = 0;
  std::string nonce;
  Signature sig{};
};
Result<RequestAuth> parse_request_auth(std::string_view header);
// Checks the signature and the clock; replay is the daemon's job (it keeps nonces).
Status verify_request(const RequestAuth& auth, const PublicKey& key, std::string_view method,
                      std::string_view target, std::string_view body, std::int64_t now);

}  // namespace cw
