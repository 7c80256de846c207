#include "daemon/rotation.h"

#include <boost/json.hpp>

#include "daemon/keyring.h"
#include "protocol/bytes.h"
#include "protocol/file_io.h"

namespace json = boost::json;

namespace cw::daemon {
namespace {
Error bad(const std::string& path, const char* why) {
  return make_error(Errc::bad_key_file, path + ": " + why);
}
}  // namespace

Result<RotationRecord> load_rotation(const std::string& path, const Keyring& keys) {
  RotationRecord r;
  auto text = read_file(path, 1 << 20);
  if (!text && text.code() == Errc::not_found) return r;
  if (!text) return text.error();
  std::error_code ec;
  auto v = json::parse(as_chars(*text), ec);
  if (ec || !v.is_object()) return bad(path, "not a JSON object");
  const auto& o = v.as_object();
  auto list = [&](const char* key) -> const json::array* {
    auto* p = o.if_contains(key);
    return p && p->is_array() ? &p->as_array() : nullptr;
  };
  auto entry = [&](const json::value& e, const char* field) -> const json::value* {
    return e.is_object() ? e.as_object().if_contains(field) : nullptr;
  };
  if (const auto* boxes = list("retired_box_keys")) {
    for (const auto& e : *boxes) {
      auto* id = entry(e, "key_id");
      auto* wrapped = entry(e, "wrapped");
      auto* until = entry(e, "until");
      if (!id || !id->is_string() || !wrapped || !wrapped->is_string() || !until ||
          !until->is_int64())
        return bad(path, "a retired box key entry is incomplete");
      auto kid = parse_key_id(std::string_view(id->as_string()));
      auto blob = from_base64(std::string_view(wrapped->as_string()));
      if (!kid || !blob) return bad(path, "a retired box key entry is damaged");
      auto key = keys.unwrap_retired_box(*blob, *kid);
      if (!key) return bad(path, "a retired box key does not open with this daemon's keys");
      r.boxes.push_back({std::move(*key), until->as_int64()});
    }
  }
  if (const auto* signers = list("previous_sign_key_ids")) {
    for (const auto& e : *signers) {
      auto* id = entry(e, "key_id");
      auto* until = entry(e, "until");
      auto kid =
          id && id->is_string() ? parse_key_id(std::string_view(id->as_string())) : std::nullopt;
      if (!kid || !until || !until->is_int64())
        return bad(path, "a previous signing key entry is damaged");
      r.signers.push_back({*kid, until->as_int64()});
    }
  }
  return r;
}

Status save_rotation(const std::string& path, const RotationRecord& r, const Keyring& keys) {
  json::object o;
  json::array boxes, signers;
  for (const auto& b : r.boxes) {
    json::object e;
    e["key_id"] = key_id_hex(b.key.id());
    e["wrapped"] = to_base64(keys.wrap_retired_box(b.key));
    e["until"] = b.until;
    boxes.emplace_back(std::move(e));
  }
  for (const auto& s : r.signers) {
    json::object e;
    e["key_id"] = key_id_hex(s.id);
    e["until"] = s.until;
    signers.emplace_back(std::move(e));
  }
  o["retired_box_keys"] = std::move(boxes);
  o["previous_sign_key_ids"] = std::move(signers);
  const std::string text = json::serialize(o) + "\n";
  return write_file_atomic(path, as_bytes(text), 0600, Overwrite::yes);
}

}  // namespace cw::daemon
