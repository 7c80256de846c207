#include "protocol/webhook_secret.h"

#include <sodium.h>

#include <cstring>

#include "protocol/bytes.h"
#include "protocol/sealed_line.h"

namespace cw {
namespace {

constexpr std::string_view kPrefix = "cwsealed1";
constexpr std::string_view kDomain{"casewire-webhook-secret-v1\0", 27};
constexpr std::size_t kHead = kDomain.size() + 8;
constexpr std::size_t kMinSecret = 24, kMaxSecret = 64;

Error bad(const char* why) {
  return make_error(Errc::bad_key_file, why);
}

}  // namespace

std::string format_webhook_secret(const SecretBytes& secret) {
  return "whsec_" + to_base64(secret.view());
}

Result<SecretBytes> parse_webhook_secret(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.substr(0, 6) != "whsec_")
    return make_error(Errc::bad_config, "webhook secret must start with whsec_");
  auto raw = from_base64(text.substr(6));
  if (!raw || raw->size() < kMinSecret || raw->size() > kMaxSecret)
    return make_error(Errc::bad_config, "webhook secret must be whsec_ + base64 of 24 to 64 bytes");
  auto s = SecretBytes::copy_of(*raw);
  sodium_memzero(raw->data(), raw->size());
  return s;
}

std::string seal_webhook_secret(const SecretBytes& secret, const PublicKey& org_sign,
                                const PublicKey& org_box) {
  SecretBytes plain(kHead + secret.size());
  std::memcpy(plain.data(), kDomain.data(), kDomain.size());
  const auto sid = org_sign.id();
  std::memcpy(plain.data() + kDomain.size(), sid.data(), sid.size());
  std::memcpy(plain.data() + kHead, secret.data(), secret.size());
  std::string out = "# a casewire webhook secret for organisation " + key_id_hex(sid) +
                    ", sealed to its key.\n# Open it with: casewire webhook-secret --key "
                    "ORG.key THIS_FILE\n";
  return out + seal_line(kPrefix, plain.view(), org_box);
}

Result<SecretBytes> open_webhook_secret(std::string_view text, const Identity& org) {
  auto plain = open_line(text, kPrefix, "sealed webhook secret", org, kHead + kMinSecret,
                         kHead + kMaxSecret);
  if (!plain) return plain.error();
  const auto sid = org.sign.id();
  if (std::memcmp(plain->data(), kDomain.data(), kDomain.size()) != 0 ||
      std::memcmp(plain->data() + kDomain.size(), sid.data(), sid.size()) != 0)
    return bad("this secret is for another organisation");
  return SecretBytes::copy_of({plain->data() + kHead, plain->size() - kHead});
}

}  // namespace cw
