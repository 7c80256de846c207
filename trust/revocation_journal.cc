#include "trust/revocation_journal.h"

#include <sodium.h>
#include <sys/stat.h>

#include <array>
#include <boost/json.hpp>
#include <sstream>

#include "protocol/bytes.h"
#include "protocol/file_io.h"
#include "protocol/json_fields.h"
#include "protocol/key_file.h"

namespace json = boost::json;

namespace cw {
namespace {

constexpr std::string_view kDomain = "casewire-revocation-v1";
constexpr std::size_t kMaxEntries = 100000;

using Hash = std::array<std::uint8_t, 32>;

Hash sha256(std::string_view line) {
  Hash h{};
  crypto_hash_sha256(h.data(), reinterpret_cast<const unsigned char*>(line.data()), line.size());
  return h;
}

Bytes signed_bytes(const Revocation& r, const Hash& prev) {
  ByteWriter w;
  w.raw(kDomain).u8(0).u64(r.seq).raw(r.key_id).u8(r.org ? 2 : 1);
  w.u64(static_cast<std::uint64_t>(r.at)).raw(prev);
  return w.take();
}

std::string header_line(const PublicKey& key) {
  json::object o;
  o["casewire_revocations"] = 1;
  o["key"] = format_public_key(key);
  return json::serialize(o);
}

Error damaged(const std::string& path, const std::string& why) {
  return make_error(Errc::bad_config,
                    path + ": " + why + " - this revocation journal was altered or damaged");
}

}  // namespace

RevocationJournal::RevocationJournal(PublicKey key) : key_(key), lines_{header_line(key)} {}

Result<RevocationJournal> RevocationJournal::load(const std::string& path,
                                                  const PublicKey* expected) {
  auto file = read_file(path, std::size_t{32} << 20);
  if (!file) return file.error();
  return parse(as_chars(*file), path, expected);
}

Result<RevocationJournal> RevocationJournal::parse(std::string_view text, const std::string& path,
                                                   const PublicKey* expected) {
  std::istringstream in{std::string(text)};
  std::string line;
  if (!std::getline(in, line)) return damaged(path, "it is empty");
  std::error_code ec;
  auto h = json::parse(line, ec);
  const auto* ho = !ec && h.is_object() ? &h.as_object() : nullptr;
  const auto* ver = ho ? ho->if_contains("casewire_revocations") : nullptr;
  const auto* k = ho ? ho->if_contains("key") : nullptr;
  if (!ver || !ver->is_int64() || ver->as_int64() != 1 || !k || !k->is_string())
    return damaged(path, "its first line is not a journal header");
  auto key = parse_public_key(std::string_view(k->as_string()));
  if (!key || key->kind != KeyKind::sign) return damaged(path, "its key is invalid");
  if (expected && !(*key == *expected))
    return damaged(path, "it is signed by another key than this daemon's");
  RevocationJournal j(*key);
  if (line != j.lines_.front()) return damaged(path, "its header is not in canonical form");
  Hash prev = sha256(line);
  for (std::uint64_t seq = 1; std::getline(in, line); ++seq) {
    if (line.empty()) return damaged(path, "it has an empty line");
    if (seq > kMaxEntries) return damaged(path, "it is too long");
    auto v = json::parse(line, ec);
    const auto* o = !ec && v.is_object() ? &v.as_object() : nullptr;
    Revocation r;
    Hash claimed{};
    const json::value* role = o ? o->if_contains("role") : nullptr;
    const json::value* sig = o ? o->if_contains("sig") : nullptr;
    std::uint64_t at = 0;
    if (!o || !json_fields::u64_into(o->if_contains("seq"), r.seq) ||
        !json_fields::hex_into(o->if_contains("key_id"), r.key_id) ||
        !json_fields::u64_into(o->if_contains("at"), at) ||
        !json_fields::hex_into(o->if_contains("prev"), claimed) || !role || !role->is_string() ||
        !sig || !sig->is_string())
      return damaged(path, "entry " + std::to_string(seq) + " is malformed");
    r.at = static_cast<std::int64_t>(at);
    r.org = role->as_string() == "org";
    if (!r.org && role->as_string() != "contact")
      return damaged(path, "entry " + std::to_string(seq) + " names an unknown role");
    if (r.seq != seq) return damaged(path, "entry " + std::to_string(seq) + " is out of order");
    if (claimed != prev)
      return damaged(path, "entry " + std::to_string(seq) + " does not follow the one before it");
    auto s = from_base64(std::string_view(sig->as_string()));
    if (!s || !verify_signature(*key, signed_bytes(r, prev), *s))
      return damaged(path, "entry " + std::to_string(seq) + " is not signed by the journal's key");
    prev = sha256(line);
    j.lines_.push_back(line);
    j.entries_.push_back(r);
  }
  return j;
}

bool RevocationJournal::revoked(const KeyId& id) const {
  for (const auto& e : entries_)
    if (e.key_id == id) return true;
  return false;
}

bool RevocationJournal::is_prefix_of(const RevocationJournal& other) const {
  if (!(key_ == other.key_) || lines_.size() > other.lines_.size()) return false;
  for (std::size_t i = 0; i < lines_.size(); ++i)
    if (lines_[i] != other.lines_[i]) return false;
  return true;
}

std::string RevocationJournal::text() const {
  std::string out;
  for (const auto& l : lines_) out += l + "\n";
  return out;
}

Status RevocationJournal::append(const std::string& path, const SigningKey& signer, const KeyId& id,
                                 bool org, std::int64_t at) {
  if (!(signer.public_key() == key_))
    return make_error(Errc::bad_key_file, path + " is kept by another daemon key");
  if (revoked(id)) return Status::Ok();
  Revocation r{entries_.size() + 1, id, org, at};
  const Hash prev = sha256(lines_.back());
  json::object o;
  o["seq"] = r.seq;
  o["key_id"] = key_id_hex(id);
  o["role"] = org ? "org" : "contact";
  o["at"] = r.at;
  o["prev"] = to_hex(prev);
  o["sig"] = to_base64(signer.sign(signed_bytes(r, prev)));
  lines_.push_back(json::serialize(o));
  entries_.push_back(r);
  return write_file_atomic(path, as_bytes(text()), S_IRUSR | S_IWUSR, Overwrite::yes);
}

std::size_t RevocationJournal::apply(TrustStore& ts) const {
  // By key id, whatever role the key now has: a contact's revoked key added
  // again as an organisation's is still revoked.
  std::size_t changed = 0;
  for (const auto& e : entries_) {
    const auto* c = ts.find_contact(e.key_id);
    const auto* o = ts.find_org(e.key_id);
    if (((c && !c->revoked) || (o && !o->revoked)) && ts.revoke(e.key_id, e.at).ok()) ++changed;
  }
  return changed;
}

}  // namespace cw
