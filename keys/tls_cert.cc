#include "keys/tls_cert.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <memory>

#include "protocol/file_io.h"
#include "protocol/secret.h"

namespace cw {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

Error ssl_err(const char* what) {
  return make_error(Errc::tls_error, std::string("TLS certificate: ") + what);
}

Bytes bio_bytes(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return Bytes(data, data + len);
}

bool looks_like_ip(const std::string& s) {
  return s.find_first_not_of("0123456789.") == std::string::npos ||
         s.find(':') != std::string::npos;
}

}  // namespace

Status generate_self_signed_cert(const TlsCertFiles& out, const std::vector<std::string>& names,
                                 bool overwrite) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return ssl_err("key generation failed");
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  // A neutral subject: the first name the certificate is for, as any
  // self-signed server would have it - never a product name a scanner could
  // match (issue 9 §9).
  const std::string cn = names.empty() ? std::string("localhost") : names.front();
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);

  std::string san;
  for (const auto& n : names) {
    if (!san.empty()) san += ",";
    san += (looks_like_ip(n) ? "IP:" : "DNS:") + n;
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (!san.empty()) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    if (!ext) return ssl_err("bad subjectAltName");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return ssl_err("signing failed");

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(cert_bio.get(), cert.get()) ||
      !PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
    return ssl_err("PEM encoding failed");
  Bytes key_pem = bio_bytes(key_bio.get());
  const auto ow = overwrite ? Overwrite::yes : Overwrite::no;
  auto st = write_file_atomic(out.key_path, key_pem, S_IRUSR | S_IWUSR, ow);
  wipe(key_pem.data(), key_pem.size());
  if (!st.ok()) return st;
  return write_file_atomic(out.cert_path, bio_bytes(cert_bio.get()), 0644, ow);
}

}  // namespace cw
