// Invites: what an operator hands a new contact or organisation so its client
// can reach and trust this daemon, and nothing else (no secret material).
//
// JSON: {"casewire_invite":1, "urls":[...], "tls_pin":"sha256/<base64>",
//        "daemon_sign_key":"cwk1 sign ...", "daemon_box_key":"cwk1 box ..."}
// urls are tried in order; an onion URL needs a SOCKS5 proxy (Tor).
#pragma once

#include <string>
#include <vector>

#include "protocol/error.h"
#include "protocol/keys.h"

namespace cw {

struct Invite {
  std::vector<std::string> urls;
  std::string tls_pin;  // "sha256/" + base64(SHA-256 of the certificate's SPKI)
  PublicKey daemon_sign;
  PublicKey daemon_box;
  // The daemon-signed gazetteer (protocol/gazetteer.h), or empty when the
  // invite was made before the daemon first ran. Checked by the client.
  std::string gazetteer;
  // From invite updates (protocol/invite_update.h): a TLS key announced
  // before the daemon uses it, and the last update applied (0: none).
  std::vector<std::string> extra_pins;
  std::uint32_t sequence = 0;
};

std::string invite_to_json(const Invite& invite);
// Each daemon URL must pass parse_daemon_url (protocol/url.h).
Result<Invite> invite_from_json(std::string_view text);

}  // namespace cw
