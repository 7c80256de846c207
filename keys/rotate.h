// casewire-keys rotate: replaces the daemon's box and/or signing key, or
// announces and then activates a new TLS key, writing the signed invite
// update that carries clients across (docs/OPERATIONS.md, "Key rotation").
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "protocol/error.h"

namespace cw::keys {

struct RotateOptions {
  std::string dir;
  std::vector<std::string> urls;  // the daemon's URLs as clients use them
  bool box = false;               // a new box key; the old one opens envelopes for grace_days
  bool sign = false;          // a new signing key; requests for the old id verify for grace_days
  bool tls_next = false;      // make the next TLS key and announce its pin (not used yet)
  bool tls_activate = false;  // switch to the announced TLS key
  std::uint32_t grace_days = 30;
  std::string passphrase_file;  // daemon.key's passphrase (read, then used again to rewrite it)
  std::vector<std::string> tls_names = {"localhost", "127.0.0.1"};  // for a new certificate
};

Status rotate(const RotateOptions& o, std::ostream& out);

}  // namespace cw::keys
