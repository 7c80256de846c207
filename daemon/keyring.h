// The daemon's keys and the keys derived from its master secret.
//
// Why derived keys: one master secret (in daemon.key) yields independent
// purpose-bound keys via crypto_kdf, so a value computed for one purpose
// (a log pseudonym) can never be confused with another (a database tag).
//
//   storage    XChaCha20-Poly1305 key for restricted data at rest
//   alert_tag  keyed hash of alert ids: the database indexes alerts without
//              holding the ids a seized phone's receipts would match
//   sender_tag keyed hash of (sender, alert id): detects an alert id reused by
//              another sender without recording who sent what
//   log        keyed, daily-rotating sender pseudonyms for log lines
//   case       keyed case pseudonyms for notifications (per deployment)
//   case_tag   keyed hash of a case's reference: the cases table's key. Not
//              the alert_tag of the case's first alert, so the alerts and
//              cases tables cannot be joined without the key.
//   owner_tag  keyed hash of (reporter, case reference): who may follow a
//              case up, not joinable with the alerts' sender tags
//   journal    the seed of the revocation journal's signing key
//   org_tag    keyed hash of an organisation's key id: how the case tables
//              (deliveries, case_orgs, acks) name organisations, so a seized
//              database does not say which organisation acts on which case
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "daemon/rotation.h"
#include "protocol/alert.h"
#include "protocol/error.h"
#include "protocol/key_file.h"
#include "protocol/secret.h"

namespace cw::daemon {

using Tag = std::array<std::uint8_t, 32>;

// True if `recorded` (the sender tag stored with a case's new_case alert)
// equals any of `candidates` (one per key in the follower's lineage).
// Constant time: every candidate is compared in full, whatever matches.
bool owns_case(const Tag& recorded, const std::vector<Tag>& candidates);

inline constexpr std::size_t kCaseKeyBytes = 32;

// XChaCha20-Poly1305 under `key` (32 bytes): nonce || ciphertext || tag.
Bytes seal_under(std::span<const std::uint8_t> key, ByteView plaintext, ByteView ad);
// The plaintext in wiped memory; internal_error if damaged or moved.
Result<SecretBytes> open_under(std::span<const std::uint8_t> key, ByteView sealed, ByteView ad);
using CaseKey = InlineSecret<kCaseKeyBytes>;

class Keyring {
 public:
  // Opens DIR/daemon.key (asking for a passphrase through `source` if needed).
  static Result<Keyring> load(const std::string& keys_dir, const PassphraseSource& source);
  explicit Keyring(Identity identity);

  const SigningKey& signing() const { return id_.sign; }
  const BoxKey& box() const { return *id_.box; }

  Tag alert_tag(const AlertId& id) const;
  Tag sender_tag(const KeyId& sender, const AlertId& id) const;
  // The tags the case log's leaves commit to (protocol/case_log.h), under a
  // key of their own: a leaf matches no row of any other table, even for
  // whoever holds the database.
  Tag alert_leaf_tag(const AlertId& id) const;
  Tag ack_leaf_tag(const std::string& org, std::uint64_t notification) const;
  // A signed request's nonce as daemons sharing a database record it
  // (Store::claim_nonce): names neither the signer nor the nonce.
  Tag nonce_tag(const KeyId& signer, std::string_view nonce) const;
  // 8 hex digits, stable for one sender within one UTC day, unlinkable across days.
  std::string log_pseudonym(const KeyId& sender, std::int64_t now) const;
  Tag case_pseudonym(const AlertId& case_id) const;
  Tag case_tag(const AlertId& case_ref) const;
  Tag owner_tag(const KeyId& sender, const AlertId& case_ref) const;
  // 32 hex. Memoised: routing asks for every organisation on every alert.
  // Thread-safe; the memo holds tags of enrolled organisations only (the
  // callers pass trust-store keys or authenticated signers).
  std::string org_tag(const KeyId& org) const;

  // Signs the revocation journal (trust/revocation_journal.h). From the
  // master secret, so it is the same key across every rotation.
  SigningKey revocation_signer() const;

  // Encrypts restricted data for the store; `ad` binds it to its row.
  Bytes seal_record(ByteView plaintext, ByteView ad) const;
  Result<Bytes> open_record(ByteView sealed, ByteView ad) const;

  // A case's own key (crypto-shredding, docs/THREAT_MODEL.md): what a case's
  // reporters wrote is sealed under it, and it is stored only wrapped under
  // the storage key, bound to the case's tag. Destroying the wrapped key
  // destroys the case's sealed details wherever copies of them lie.
  Bytes wrap_case_key(std::span<const std::uint8_t> case_key, const Tag& case_tag) const;
  Result<SecretBytes> unwrap_case_key(ByteView wrapped, const Tag& case_tag) const;
  // The same into `out` (the store's write path: no guarded allocation).
  Status unwrap_case_key(ByteView wrapped, const Tag& case_tag, CaseKey& out) const;

  // Key rotation (daemon/rotation.h). A retired box key's secret, stored
  // wrapped under the storage key and bound to its key id.
  Bytes wrap_retired_box(const BoxKey& key) const;
  Result<BoxKey> unwrap_retired_box(ByteView wrapped, const KeyId& id) const;
  // The box key an envelope addressed to `recipient` opens with: the current
  // one, or a retired one (nullptr if unknown). `expired` is set when it is
  // a retired key past its grace period.
  const BoxKey* box_for(const KeyId& recipient, std::int64_t now, bool* expired) const;
  // Daemon key ids a signed request may be made for: the current signing
  // key's, and previous ones within their grace period.
  std::vector<KeyId> request_key_ids(std::int64_t now) const;
  // Loaded by load() from DIR/rotation.json.
  void set_rotation(RotationRecord r) {
    rotation_ = std::make_shared<RotationRecord>(std::move(r));
  }

 private:
  Identity id_;
  SecretBytes storage_, alert_tag_, sender_tag_, log_, case_, case_tag_, owner_tag_, org_tag_,
      leaf_tag_, nonce_tag_;
  struct OrgTagMemo;
  std::shared_ptr<OrgTagMemo> org_tags_;  // a pointer: the Keyring stays movable
  std::shared_ptr<const RotationRecord> rotation_ = std::make_shared<RotationRecord>();
};

}  // namespace cw::daemon
