#include "daemon/rotation.h"

#include <algorithm>

#include <boost/json.hpp>

#include "daemon/keyring.h"
#include "protocol/bytes.h"
#include "protocol/file_io.h"
#include "protocol/invite_update.h"
#include "protocol/tls_pin.h"
#include "trust/dir_transaction.h"

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

std::string rotation_to_json(const RotationRecord& r, const Keyring& keys) {
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
  return json::serialize(o) + "\n";
}

Result<ServedInviteChain> load_invite_chain(const DaemonDir& d, const Keyring& keys,
                                            const std::string& presented_pin) {
  ServedInviteChain out;
  auto text = read_file(d.invite_update(), 1 << 20);
  if (!text && text.code() == Errc::not_found) return out;
  if (!text) return text.error();
  const std::string fix =
      "; restore it from the backup taken before the last rotation, or run casewire-keys rotate "
      "--finish if a rotation was interrupted";
  auto chain = invite_chain_from_json(as_chars(*text));
  if (!chain)
    return make_error(Errc::bad_config, d.invite_update() + ": " + chain.error().message + fix);
  auto updates = verify_invite_chain(*chain);
  if (!updates)
    return make_error(Errc::bad_config, d.invite_update() + ": " + updates.error().message + fix);
  if (updates->empty()) return out;
  const InviteUpdate& last = updates->back();
  if (last.daemon_sign != keys.signing().public_key() || last.daemon_box != keys.box().public_key())
    return make_error(Errc::bad_config, d.invite_update() +
                                            " announces keys this daemon does not hold (daemon.key "
                                            "has others): clients applying it would be cut off" +
                                            fix);
  if (std::find(last.tls_pins.begin(), last.tls_pins.end(), presented_pin) == last.tls_pins.end())
    return make_error(Errc::bad_config,
                      d.invite_update() +
                          " does not list the pin of the certificate the daemon presents: clients "
                          "applying it would refuse this daemon (after rotate --tls-activate, "
                          "restart rather than reload)" +
                          fix);
  out.chain = std::make_shared<const std::string>(invite_chain_to_json(*chain));
  out.newest = std::make_shared<const std::string>(chain->links.back());
  out.sequence = last.sequence;
  if (chain->genesis) out.signing_key_ids.push_back(chain->genesis->id());
  for (const auto& u : *updates) out.signing_key_ids.push_back(u.daemon_sign.id());
  return out;
}

Status check_rotation_state(const DaemonDir& d, std::string* warning) {
  const std::string staging = pending_dir(d.dir, DaemonDir::kRotation);
  switch (pending_state(d.dir, DaemonDir::kRotation)) {
    case PendingState::none:
      return Status::Ok();
    case PendingState::uncommitted:
      if (warning)
        *warning = staging +
                   " is left from a rotation interrupted before it was committed: the keys in use "
                   "are the old ones; casewire-keys rotate --dir " +
                   d.dir + " --finish removes it";
      return Status::Ok();
    case PendingState::committed:
      break;
  }
  return make_error(Errc::bad_config, "a key rotation was committed but not finished (" + staging +
                                          "): run casewire-keys rotate --dir " + d.dir +
                                          " --finish, then start the daemon");
}

}  // namespace cw::daemon
