// Every revocation the operator made, signed and append-only.
//
// Why: trust.json alone is a snapshot. A backup taken before a revocation
// and restored after the server was lost brought a seized, revoked phone
// back as active - and nothing said so. The journal is a second record that
// the operator also keeps off the server (beside the backup key); `restore`
// re-applies it, and the daemon applies it over trust.json at every start
// and reload, so a key once revoked stays revoked whatever trust.json says.
//
// DIR/revocations.journal, one JSON object per line:
//   line 1:   {"casewire_revocations":1,"key":"cwk1 sign ..."}
//   entries:  {"seq":N,"key_id":"<16 hex>","role":"contact"|"org","at":T,
//              "prev":"<64 hex>","sig":"<base64>"}
// `prev` is SHA-256 of the line before (the header for entry 1), so lines
// cannot be dropped from the middle, reordered or edited; `sig` is Ed25519
// under the header's key over
//   "casewire-revocation-v1\0" | seq u64 | key id (8) | role u8 | at u64 | prev (32)
// The key is derived from the daemon's master secret (Keyring::
// revocation_signer: it survives key rotations; writing an entry needs the
// daemon's passphrase). Cutting entries off the end is what a signature
// cannot show: restore compares the journal in the backup with the copy kept
// elsewhere (the copy must extend it), and asks the operator about any
// revocation since.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/error.h"
#include "protocol/keys.h"
#include "trust/trust_store.h"

namespace cw {

struct Revocation {
  std::uint64_t seq = 0;
  KeyId key_id{};
  bool org = false;  // an organisation's key (else a contact's)
  std::int64_t at = 0;
};

class RevocationJournal {
 public:
  // A new, empty journal signed by `key`'s holder.
  explicit RevocationJournal(PublicKey key);
  // Reads and checks every line. `expected`: the key it must be signed
  // with (the daemon knows its own); nullptr accepts the header's key, for
  // a copy that is then compared with a journal whose key is known.
  // not_found when the file does not exist; bad_config naming what is wrong.
  static Result<RevocationJournal> load(const std::string& path, const PublicKey* expected);
  // The same from the file's text; `name` says which file in errors.
  static Result<RevocationJournal> parse(std::string_view text, const std::string& name,
                                         const PublicKey* expected);

  const PublicKey& key() const { return key_; }
  const std::vector<Revocation>& entries() const { return entries_; }
  bool revoked(const KeyId& id) const;
  // This journal's lines are the first lines of `other` (same key).
  bool is_prefix_of(const RevocationJournal& other) const;

  // Adds an entry (signed by `signer`, whose public key must be key()) and
  // writes the whole file atomically. A key already in it is not added again.
  Status append(const std::string& path, const SigningKey& signer, const KeyId& id, bool org,
                std::int64_t at);
  std::string text() const;

  // Marks every journalled key revoked in `ts` (keys it does not know are
  // left: a journal may be newer than a trust store restored from before
  // those keys were enrolled). Returns how many it changed.
  std::size_t apply(TrustStore& ts) const;

 private:
  PublicKey key_;
  std::vector<std::string> lines_;  // header first; each entry's exact text
  std::vector<Revocation> entries_;
};

}  // namespace cw
