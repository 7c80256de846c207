// Webhooks as Standard Webhooks v1.0.0 defines them, so a receiver can use
// the spec's published libraries (headers here, body below):
//   webhook-id:        msg_<notification sequence>  (stable across retries: dedupe on it)
//   webhook-timestamp: Unix seconds of this attempt
//   webhook-signature: "v1,<base64 HMAC-SHA256(secret, signed)> v1a,<base64 Ed25519(daemon,
//   signed)>" signed = "<webhook-id>.<webhook-timestamp>.<raw body>"
// The HMAC key is the bytes of the subscription's whsec_ secret; the Ed25519
// key is the daemon's signing key (its public key is in every invite).
//   casewire-tree-head: the case log's current signed head (PROTOCOL.md §5b),
//   JSON, signed on its own; outside what the webhook signature covers.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "daemon/delivery/notification_signer.h"
#include "protocol/error.h"
#include "protocol/keys.h"
#include "protocol/notification.h"
#include "protocol/secret.h"

namespace cw::daemon {

std::string webhook_id(std::uint64_t seq);

// The body, in every format the Standard Webhooks payload structure, so the
// specification's libraries verify and parse it unchanged:
//   {"type":"<type>","timestamp":"<the notification's issued_at>","data":<data>}
//   json:   type casewire.notification,        data = the daemon-signed notification (§4)
//   sealed: type casewire.notification.sealed, data = it, sealed to the organisation (§4b)
//   cap:    type casewire.notification.cap,    data = {"cap":"<CAP 1.2 XML, as a JSON string>"}
// `stored` is the notification's stored body, `n` the same decoded.
std::string webhook_payload(std::uint64_t seq, std::string_view stored, const Notification& n,
                            const OrgEntry& org, NotificationSigner& notes,
                            const KeyId& daemon_key);
std::string webhook_signature(std::string_view id, std::int64_t ts, std::string_view body,
                              const SecretBytes& secret, const SigningKey& daemon);

}  // namespace cw::daemon
