// The daemon's self-signed TLS certificate. Clients pin its SPKI hash from
// the invite, so no CA is involved and the certificate's names matter only
// to generic TLS tools.
#pragma once

#include <string>
#include <vector>

#include "protocol/error.h"

namespace cw {

struct TlsCertFiles {
  std::string cert_path;
  std::string key_path;  // written 0600
};

// ECDSA P-256 (every TLS 1.3 stack speaks it), valid for 10 years, with the
// given DNS names / IP addresses as subjectAltName.
Status generate_self_signed_cert(const TlsCertFiles& out, const std::vector<std::string>& names,
                                 bool overwrite);

}  // namespace cw
