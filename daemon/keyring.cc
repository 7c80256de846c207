#include "daemon/keyring.h"

#include <sodium.h>

#include <map>
#include <mutex>

#include "protocol/file_io.h"
#include "trust/daemon_dir.h"

namespace cw::daemon {
namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES] = {'c', 'w', 'd', 'a', 'e', 'm', 'o', 'n'};
enum Subkey : std::uint64_t {
  kStorage = 1,
  kAlertTag = 2,
  kSenderTag = 3,
  kLog = 4,
  kCase = 5,
  kCaseTag = 6,
  kOwnerTag = 7,
  kOrgTag = 8,
  kLeafTag = 9,
  kNonceTag = 10,
  kJournal = 11
};

SecretBytes derive(const SecretBytes& master, Subkey id) {
  SecretBytes k(32);
  crypto_kdf_derive_from_key(k.data(), k.size(), id, kKdfContext, master.data());
  return k;
}

Tag keyed(const SecretBytes& key, ByteView a, ByteView b = {}) {
  Tag t{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.data(), key.size(), t.size());
  crypto_generichash_update(&st, a.data(), a.size());
  crypto_generichash_update(&st, b.data(), b.size());
  crypto_generichash_final(&st, t.data(), t.size());
  return t;
}

}  // namespace

Result<Keyring> Keyring::load(const std::string& keys_dir, const PassphraseSource& source) {
  DaemonDir d{keys_dir};
  auto text = read_file(d.identity(), 64 << 10);
  if (!text) return text.error();
  if (is_group_or_world_readable(d.identity()))
    return make_error(Errc::bad_key_file, d.identity() + " is readable by others; chmod 600 it");
  auto id = open_identity_file(as_chars(*text), source, "casewired key passphrase: ");
  wipe(text->data(), text->size());
  if (!id) return id.error();
  if (id->role != Role::daemon || !id->box || id->master.size() != 32)
    return make_error(Errc::bad_key_file, d.identity() + " is not a daemon identity");
  Keyring k(std::move(*id));
  auto rotation = load_rotation(d.rotation(), k);
  if (!rotation) return rotation.error();
  k.set_rotation(std::move(*rotation));
  return k;
}

Keyring::Keyring(Identity identity)
    : id_(std::move(identity)),
      storage_(derive(id_.master, kStorage)),
      alert_tag_(derive(id_.master, kAlertTag)),
      sender_tag_(derive(id_.master, kSenderTag)),
      log_(derive(id_.master, kLog)),
      case_(derive(id_.master, kCase)),
      case_tag_(derive(id_.master, kCaseTag)),
      owner_tag_(derive(id_.master, kOwnerTag)),
      org_tag_(derive(id_.master, kOrgTag)),
      leaf_tag_(derive(id_.master, kLeafTag)),
      nonce_tag_(derive(id_.master, kNonceTag)),
      org_tags_(std::make_shared<OrgTagMemo>()) {}

SigningKey Keyring::revocation_signer() const {
  const SecretBytes seed = derive(id_.master, kJournal);
  return SigningKey::from_seed(seed.view());
}

Tag Keyring::alert_tag(const AlertId& id) const {
  return keyed(alert_tag_, id);
}

Tag Keyring::alert_leaf_tag(const AlertId& id) const {
  return keyed(leaf_tag_, as_bytes(std::string_view("alert")), id);
}

Tag Keyring::nonce_tag(const KeyId& signer, std::string_view nonce) const {
  return keyed(nonce_tag_, signer, as_bytes(nonce));
}

Tag Keyring::ack_leaf_tag(const std::string& org, std::uint64_t notification) const {
  // org is a fixed 32 hex digits: no two inputs collide, and none is as
  // long as an alert's ("alert" | 16 bytes).
  ByteWriter w;
  w.raw(org).u64(notification);
  return keyed(leaf_tag_, w.bytes());
}

Tag Keyring::sender_tag(const KeyId& sender, const AlertId& id) const {
  return keyed(sender_tag_, sender, id);
}

std::string Keyring::log_pseudonym(const KeyId& sender, std::int64_t now) const {
  ByteWriter day;
  day.u64(static_cast<std::uint64_t>(now / 86400));
  auto t = keyed(log_, day.bytes(), sender);
  return to_hex(ByteView(t.data(), 4));
}

Tag Keyring::case_pseudonym(const AlertId& case_id) const {
  return keyed(case_, case_id);
}

Tag Keyring::case_tag(const AlertId& case_ref) const {
  return keyed(case_tag_, case_ref);
}

Tag Keyring::owner_tag(const KeyId& sender, const AlertId& case_ref) const {
  return keyed(owner_tag_, sender, case_ref);
}

struct Keyring::OrgTagMemo {
  std::mutex mu;
  std::map<KeyId, std::string> tags;
};

std::string Keyring::org_tag(const KeyId& org) const {
  {
    std::lock_guard lock(org_tags_->mu);
    if (auto it = org_tags_->tags.find(org); it != org_tags_->tags.end()) return it->second;
  }
  const Tag t = keyed(org_tag_, org);
  std::string tag = to_hex(ByteView(t.data(), 16));
  std::lock_guard lock(org_tags_->mu);
  org_tags_->tags.emplace(org, tag);
  return tag;
}

namespace {
constexpr auto kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr auto kMac = crypto_aead_xchacha20poly1305_ietf_ABYTES;

void seal_into(std::uint8_t* out, const std::uint8_t* key, ByteView plaintext, ByteView ad) {
  randombytes_buf(out, kNonce);
  crypto_aead_xchacha20poly1305_ietf_encrypt(out + kNonce, nullptr, plaintext.data(),
                                             plaintext.size(), ad.data(), ad.size(), nullptr, out,
                                             key);
}

// Opens into `out` (sealed.size() - kNonce - kMac bytes); false if damaged.
bool open_into(std::uint8_t* out, const std::uint8_t* key, ByteView sealed, ByteView ad) {
  return sealed.size() >= kNonce + kMac &&
         crypto_aead_xchacha20poly1305_ietf_decrypt(out, nullptr, nullptr, sealed.data() + kNonce,
                                                    sealed.size() - kNonce, ad.data(), ad.size(),
                                                    sealed.data(), key) == 0;
}

// The wrapped key's associated data: its purpose and its case, so a wrapped
// key cannot be moved to another case or opened as a record.
Bytes case_key_ad(const Tag& case_tag) {
  static constexpr std::string_view kDomain{"casewire-case-key-v1\0", 21};
  ByteWriter w;
  w.raw(kDomain).raw(case_tag);
  return w.take();
}
}  // namespace

Bytes seal_under(std::span<const std::uint8_t> key, ByteView plaintext, ByteView ad) {
  Bytes out(kNonce + plaintext.size() + kMac);
  seal_into(out.data(), key.data(), plaintext, ad);
  return out;
}

Result<SecretBytes> open_under(std::span<const std::uint8_t> key, ByteView sealed, ByteView ad) {
  if (sealed.size() < kNonce + kMac)
    return make_error(Errc::internal_error, "stored record is damaged");
  SecretBytes out(sealed.size() - kNonce - kMac);
  if (!open_into(out.data(), key.data(), sealed, ad))
    return make_error(Errc::internal_error, "stored record failed authentication");
  return out;
}

Bytes Keyring::seal_record(ByteView plaintext, ByteView ad) const {
  Bytes out(kNonce + plaintext.size() + kMac);
  seal_into(out.data(), storage_.data(), plaintext, ad);
  return out;
}

Result<Bytes> Keyring::open_record(ByteView sealed, ByteView ad) const {
  if (sealed.size() < kNonce + kMac)
    return make_error(Errc::internal_error, "stored record is damaged");
  Bytes out(sealed.size() - kNonce - kMac);
  if (!open_into(out.data(), storage_.data(), sealed, ad))
    return make_error(Errc::internal_error, "stored record failed authentication");
  return out;
}

Bytes Keyring::wrap_case_key(std::span<const std::uint8_t> case_key, const Tag& case_tag) const {
  return seal_record(case_key, case_key_ad(case_tag));
}

Status Keyring::unwrap_case_key(ByteView wrapped, const Tag& case_tag, CaseKey& out) const {
  if (wrapped.size() != kNonce + kCaseKeyBytes + kMac ||
      !open_into(out.data(), storage_.data(), wrapped, case_key_ad(case_tag)))
    return make_error(Errc::internal_error, "stored case key is damaged");
  return Status::Ok();
}

Result<SecretBytes> Keyring::unwrap_case_key(ByteView wrapped, const Tag& case_tag) const {
  auto key = open_under(storage_.view(), wrapped, case_key_ad(case_tag));
  if (key && key->size() != kCaseKeyBytes)
    return make_error(Errc::internal_error, "stored case key is damaged");
  return key;
}

Bytes Keyring::wrap_retired_box(const BoxKey& key) const {
  ByteWriter ad;
  ad.raw(std::string_view("casewire-retired-box-v1\0", 24)).raw(key.id());
  return seal_record(key.secret().view(), ad.take());
}

Result<BoxKey> Keyring::unwrap_retired_box(ByteView wrapped, const KeyId& id) const {
  ByteWriter ad;
  ad.raw(std::string_view("casewire-retired-box-v1\0", 24)).raw(id);
  auto secret = open_under(storage_.view(), wrapped, ad.take());
  if (!secret || secret->size() != 32)
    return make_error(Errc::bad_key_file, "a retired box key is damaged");
  auto key = BoxKey::from_secret(secret->view());
  if (key.id() != id) return make_error(Errc::bad_key_file, "a retired box key is damaged");
  return key;
}

const BoxKey* Keyring::box_for(const KeyId& recipient, std::int64_t now, bool* expired) const {
  *expired = false;
  if (recipient == id_.box->id()) return &*id_.box;
  for (const auto& r : rotation_->boxes)
    if (r.key.id() == recipient) {
      *expired = now > r.until;
      return &r.key;
    }
  return nullptr;
}

std::vector<KeyId> Keyring::request_key_ids(std::int64_t now) const {
  std::vector<KeyId> ids{id_.sign.id()};
  for (const auto& p : rotation_->signers)
    if (now <= p.until) ids.push_back(p.id);
  return ids;
}

bool owns_case(const Tag& recorded, const std::vector<Tag>& candidates) {
  bool any = false;
  for (const auto& c : candidates) any |= ct_equal(recorded, c);
  return any;
}

}  // namespace cw::daemon
