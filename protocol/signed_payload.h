// Daemon-signed JSON payloads (notifications, case status answers):
//
//   {"payload":"<the payload JSON, as a string>","signature":"<base64>","key_id":"<16 hex>"}
//
// signature = Ed25519(daemon signing key, domain || 0x00 || payload bytes).
// The payload travels as a string so a verifier checks exactly the bytes that
// were signed, in any language, without re-encoding JSON. The domain keeps a
// notification signature from ever passing as a status answer or a receipt.
#pragma once

#include <string>
#include <string_view>

#include "protocol/error.h"
#include "protocol/keys.h"

namespace cw {

inline constexpr std::string_view kNotificationDomain = "casewire-notification-v1";
inline constexpr std::string_view kStatusDomain = "casewire-status-v1";

std::string sign_payload(const SigningKey& key, std::string_view domain, std::string_view payload);

// Returns the payload bytes once the signature verified under `key`.
Result<std::string> open_payload(std::string_view signed_json, std::string_view domain,
                                 const PublicKey& key);

}  // namespace cw
