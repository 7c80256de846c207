#include "protocol/signed_payload.h"

#include <boost/json.hpp>

namespace json = boost::json;

namespace cw {
namespace {

Bytes signed_bytes(std::string_view domain, std::string_view payload) {
  ByteWriter w;
  w.raw(domain).u8(0).raw(payload);
  return w.take();
}

}  // namespace

std::string sign_payload(const SigningKey& key, std::string_view domain, std::string_view payload) {
  json::object o;
  o["payload"] = payload;
  o["signature"] = to_base64(key.sign(signed_bytes(domain, payload)));
  o["key_id"] = key_id_hex(key.id());
  return json::serialize(o);
}

Result<std::string> open_payload(std::string_view signed_json, std::string_view domain,
                                 const PublicKey& key) {
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 2;
  auto v = json::parse(json::string_view(signed_json.data(), signed_json.size()), ec, {}, opts);
  if (ec || !v.is_object())
    return make_error(Errc::bad_notification, "not a signed casewire payload");
  const auto& o = v.as_object();
  auto* p = o.if_contains("payload");
  auto* s = o.if_contains("signature");
  auto* k = o.if_contains("key_id");
  if (!p || !p->is_string() || !s || !s->is_string() || !k || !k->is_string())
    return make_error(Errc::bad_notification, "signed payload lacks payload, signature or key_id");
  if (std::string_view(k->as_string()) != key_id_hex(key.id()))
    return make_error(Errc::bad_notification, "signed by another daemon key");
  auto sig = from_base64(std::string_view(s->as_string()));
  std::string payload(p->as_string());
  if (!sig || !verify_signature(key, signed_bytes(domain, payload), *sig))
    return make_error(Errc::bad_notification, "daemon signature does not verify");
  return payload;
}

}  // namespace cw
