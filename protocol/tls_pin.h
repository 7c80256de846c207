// TLS certificate pinning: clients trust the daemon's certificate by the
// SHA-256 of its SubjectPublicKeyInfo (as in RFC 7469), carried in the invite,
// not by any public CA (a state adversary may control one).
#pragma once

#include <string>
#include <string_view>

#include "protocol/error.h"

typedef struct x509_st X509;

namespace cw {

// "sha256/" + base64(SHA-256(DER SPKI)).
Result<std::string> spki_pin(X509* cert);
Result<std::string> spki_pin_of_pem_file(const std::string& path);
// True for "sha256/" + base64 of exactly 32 bytes.
bool is_spki_pin(std::string_view pin);

}  // namespace cw
