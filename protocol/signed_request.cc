#include "protocol/signed_request.h"

#include <sodium.h>

#include <cstdlib>

namespace cw {
namespace {

Bytes request_bytes(const KeyId& daemon, std::string_view method, std::string_view target,
                    std::int64_t ts, std::string_view nonce, std::string_view body) {
  ByteWriter w;
  w.raw(std::string_view("casewire-request-v2")).u8(0).raw(daemon);
  w.raw(method)
      .raw("\n")
      .raw(target)
      .raw("\n")
      .raw(std::to_string(ts))
      .raw("\n")
      .raw(nonce)
      .raw("\n");
  w.raw(to_hex(blake2b(as_bytes(body), 32)));
  return w.take();
}

Error bad(const char* m) {
  return make_error(Errc::bad_request_signature, m);
}

}  // namespace

std::string sign_request(const SigningKey& key, const KeyId& daemon, std::string_view method,
                         std::string_view target, std::string_view body, std::int64_t now) {
  std::uint8_t n[16];
  randombytes_buf(n, sizeof n);
  const std::string nonce = to_hex(ByteView(n, sizeof n));
  auto sig = key.sign(request_bytes(daemon, method, target, now, nonce, body));
  return "CW2 key=" + key_id_hex(key.id()) + ",ts=" + std::to_string(now) + ",nonce=" + nonce +
         ",sig=" + to_base64(sig);
}

Result<RequestAuth> parse_request_auth(std::string_view h) {
  if (h.substr(0, 4) != "CW2 ")
    return bad("Authorization must be 'CW2 key=...,ts=...,nonce=...,sig=...'");
  h.remove_prefix(4);
  RequestAuth a;
  bool have_key = false, have_ts = false, have_sig = false;
  while (!h.empty()) {
    auto comma = h.find(',');
    auto part = h.substr(0, comma);
    h = comma == std::string_view::npos ? std::string_view() : h.substr(comma + 1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) return bad("malformed Authorization parameter");
    auto k = part.substr(0, eq), v = part.substr(eq + 1);
    if (k == "key") {
      auto id = parse_key_id(v);
      if (!id) return bad("Authorization key is not a key id");
      a.key_id = *id;
      have_key = true;
    } else if (k == "ts") {
      if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string_view::npos)
        return bad("Authorization ts is not a number");
      a.ts = std::strtoll(std::string(v).c_str(), nullptr, 10);
      have_ts = true;
    } else if (k == "nonce") {
      if (v.size() != 32 || !from_hex(v)) return bad("Authorization nonce must be 32 hex digits");
      a.nonce = std::string(v);
    } else if (k == "sig") {
      auto s = from_base64(v);
      if (!s || s->size() != kSignatureSize) return bad("Authorization sig is not a signature");
      std::copy(s->begin(), s->end(), a.sig.begin());
      have_sig = true;
    } else {
      return bad("unknown Authorization parameter");
    }
  }
  if (!have_key || !have_ts || !have_sig || a.nonce.empty())
    return bad("Authorization is incomplete");
  return a;
}

Status verify_request(const RequestAuth& a, const PublicKey& key, const KeyId& daemon,
                      std::string_view method, std::string_view target, std::string_view body,
                      std::int64_t now) {
  if (a.key_id != key.id()) return bad("wrong key");
  if (a.ts > now + kRequestSkew || a.ts < now - kRequestSkew)
    return make_error(Errc::stale_request, "request timestamp is too far from the daemon's clock");
  if (!verify_signature(key, request_bytes(daemon, method, target, a.ts, a.nonce, body), a.sig))
    return bad("request signature does not verify");
  return Status::Ok();
}

}  // namespace cw
