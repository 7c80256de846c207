#include "protocol/tls_pin.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "protocol/bytes.h"

namespace cw {

Result<std::string> spki_pin(X509* cert) {
  EVP_PKEY* pkey = X509_get0_pubkey(cert);
  if (pkey == nullptr) return make_error(Errc::tls_error, "certificate has no public key");
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) return make_error(Errc::tls_error, "cannot encode the certificate's key");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<std::size_t>(len), digest);
  OPENSSL_free(der);
  return "sha256/" + to_base64(ByteView(digest, sizeof digest));
}

Result<std::string> spki_pin_of_pem_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!f) return make_error(Errc::not_found, "cannot open certificate " + path);
  std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr),
                                              &X509_free);
  if (!cert) return make_error(Errc::tls_error, "not a PEM certificate: " + path);
  return spki_pin(cert.get());
}

bool is_spki_pin(std::string_view pin) {
  if (pin.substr(0, 7) != "sha256/") return false;
  auto raw = from_base64(pin.substr(7));
  return raw && raw->size() == SHA256_DIGEST_LENGTH;
}

}  // namespace cw
