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
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

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

class Keyring {
 public:
  // Opens DIR/daemon.key (asking for a passphrase through `source` if needed).
  static Result<Keyring> load(const std::string& keys_dir, const PassphraseSource& source);
  explicit Keyring(Identity identity);

  const SigningKey& signing() const { return id_.sign; }
  const BoxKey& box() const { return *id_.box; }

  Tag alert_tag(const AlertId& id) const;
  Tag sender_tag(const KeyId& sender, const AlertId& id) const;
  // 8 hex digits, stable for one sender within one UTC day, unlinkable across days.
  std::string log_pseudonym(const KeyId& sender, std::int64_t now) const;
  Tag case_pseudonym(const AlertId& case_id) const;

  // Encrypts restricted data for the store; `ad` binds it to its row.
  Bytes seal_record(ByteView plaintext, ByteView ad) const;
  Result<Bytes> open_record(ByteView sealed, ByteView ad) const;

 private:
  Identity id_;
  SecretBytes storage_, alert_tag_, sender_tag_, log_, case_;
};

}  // namespace cw::daemon
