#include "daemon/delivery/webhook.h"

#include <sodium.h>

namespace cw::daemon {

std::string webhook_id(std::uint64_t seq) {
  return "msg_" + std::to_string(seq);
}

std::string webhook_signature(std::string_view id, std::int64_t ts, std::string_view body,
                              const SecretBytes& secret, const SigningKey& daemon) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(ts)).append(".").append(body);
  std::string out;
  if (!secret.empty()) {
    crypto_auth_hmacsha256_state st;
    std::uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, secret.data(), secret.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const std::uint8_t*>(content.data()),
                                  content.size());
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
    out = "v1," + to_base64(ByteView(mac, sizeof mac));
  }
  auto sig = daemon.sign(as_bytes(content));
  if (!out.empty()) out += ' ';
  out += "v1a," + to_base64(sig);
  return out;
}

}  // namespace cw::daemon
