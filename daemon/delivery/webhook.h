// Webhooks as Standard Webhooks v1.0.0 defines them, so a receiver can use
// the spec's published libraries:
//   webhook-id:        msg_<notification sequence>  (stable across retries: dedupe on it)
//   webhook-timestamp: Unix seconds of this attempt
//   webhook-signature: "v1,<base64 HMAC-SHA256(secret, signed)> v1a,<base64 Ed25519(daemon,
//   signed)>" signed = "<webhook-id>.<webhook-timestamp>.<raw body>"
// The HMAC key is the bytes of the subscription's whsec_ secret; the Ed25519
// key is the daemon's signing key (its public key is in every invite).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "protocol/error.h"
#include "protocol/keys.h"
#include "protocol/secret.h"

namespace cw::daemon {

std::string webhook_id(std::uint64_t seq);
std::string webhook_signature(std::string_view id, std::int64_t ts, std::string_view body,
                              const SecretBytes& secret, const SigningKey& daemon);

}  // namespace cw::daemon
