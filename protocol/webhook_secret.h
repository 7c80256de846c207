// Webhook secrets (Standard Webhooks: "whsec_" + base64 of 24..64 bytes), and
// how a new one travels from the operator to an organisation: sealed
// to the organisation's box key in a small text file, so it never appears on
// the operator's terminal, in a shell history or in a chat message, and only
// the organisation's key opens it (`casewire webhook-secret FILE`).
//
//   # comment lines
//   cwsealed1 <organisation box key id, 16 hex> <base64 of crypto_box_seal(P)>
//   P = "casewire-webhook-secret-v1" 0x00 || organisation signing key id (8) || secret (24..64)
//
// The signing key id inside says which organisation the secret is for, so a
// file meant for one organisation cannot be passed off to another that
// shares nothing with it.
#pragma once

#include <string>
#include <string_view>

#include "protocol/error.h"
#include "protocol/key_file.h"
#include "protocol/keys.h"
#include "protocol/secret.h"

namespace cw {

// "whsec_" + base64 of the secret bytes.
std::string format_webhook_secret(const SecretBytes& secret);
// Accepts a trailing newline; refuses (bad_config) anything else malformed.
Result<SecretBytes> parse_webhook_secret(std::string_view text);

std::string seal_webhook_secret(const SecretBytes& secret, const PublicKey& org_sign,
                                const PublicKey& org_box);

// The secret, if `text` was sealed to `org`'s box key for `org`; bad_key_file
// otherwise (damaged, or for another organisation).
Result<SecretBytes> open_webhook_secret(std::string_view text, const Identity& org);

}  // namespace cw
