#include "daemon/delivery/webhook.h"

#include <sodium.h>

#include <boost/json.hpp>

#include "daemon/delivery/cap.h"

namespace cw::daemon {

std::string webhook_id(std::uint64_t seq) {
  return "msg_" + std::to_string(seq);
}

std::string webhook_payload(std::uint64_t seq, std::string_view stored, const Notification& n,
                            const OrgEntry& org, NotificationSigner& notes,
                            const KeyId& daemon_key) {
  std::string type, data;
  switch (org.sub.format) {
    case NotificationFormat::cap:
      type = "casewire.notification.cap";
      data = R"({"cap":)" +
             boost::json::serialize(boost::json::string(to_cap_xml(n, key_id_hex(daemon_key)))) +
             "}";
      break;
    case NotificationFormat::sealed:
      type = "casewire.notification.sealed";
      data = notes.for_org(seq, stored, org);
      break;
    case NotificationFormat::json:
      type = "casewire.notification";
      data = notes.signed_form(seq, stored);
      break;
  }
  // issued_at is a code-only RFC 3339 time (no escaping needed), to the hour.
  return R"({"type":")" + type + R"(","timestamp":")" + n.issued_at + R"(","data":)" + data + "}";
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
