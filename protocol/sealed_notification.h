// A notification sealed to one organisation's box key, so that nobody
// between the daemon and the organisation - a TLS-terminating proxy, a
// webhook relay, a queue - can read it (docs/PROTOCOL.md §4b):
//
//   {"sealed":"cwnote1 <organisation box key id, 16 hex> <base64 of crypto_box_seal(P)>"}
//   P = "casewire-sealed-notification-v1" 0x00 || the daemon-signed notification (§4)
//
// The daemon signs each notification once; sealing happens after, once per
// organisation. The organisation opens the box, then checks the daemon's
// signature inside as for any notification: the seal hides, the signature
// proves. (A box is anonymous: it does not say who sealed it. An
// organisation could re-seal a genuine notification it received to another
// one; that other organisation then holds a real, daemon-signed notification,
// which is no forgery - the same as being told.)
#pragma once

#include <string>
#include <string_view>

#include "protocol/error.h"
#include "protocol/key_file.h"
#include "protocol/keys.h"

namespace cw {

std::string seal_notification(std::string_view signed_json, const PublicKey& org_box);

// True if `json` is a sealed notification (by its shape; nothing opened).
bool is_sealed_notification(std::string_view json);

// The daemon-signed notification inside, if sealed to `org`'s box key
// (bad_notification otherwise: damaged, or for another key). Its signature
// is still to be checked (open_payload).
Result<std::string> open_sealed_notification(std::string_view sealed_json, const Identity& org);

}  // namespace cw
