// The trust store: who may send alerts (contacts) and who receives
// notifications (organisations, with their subscriptions).
//
// One JSON file (DIR/trust.json, mode 0600: it holds webhook secrets),
// written atomically by casewire-keys and read by casewired at start and on
// SIGHUP. Entries are never deleted: a revoked key stays, marked revoked, so
// the record of who could send what, when, survives for audit.
//
// Not thread-safe for mutation; the daemon loads an immutable snapshot and
// swaps the whole snapshot on reload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/alert.h"
#include "protocol/error.h"
#include "protocol/keys.h"
#include "protocol/secret.h"
#include "protocol/webhook_secret.h"

namespace cw {

struct ContactEntry {
  PublicKey key;
  std::string label;                 // operator's name for the contact; never logged
  std::vector<std::string> regions;  // empty = any region
  std::uint32_t rate_per_hour = 60;  // token bucket size and refill
  bool revoked = false;
  std::int64_t enrolled_at = 0;
  std::int64_t revoked_at = 0;
  // The key this one replaces (a lost or seized phone), set by
  // `casewire-keys enroll --replaces`: the cases reported under that key (and
  // under the keys it replaced) may be followed up with this one. Only the
  // operator can create this link; at most one key replaces another.
  std::optional<KeyId> replaces;
};

// json: the daemon-signed notification (docs/PROTOCOL.md §4); cap: OASIS CAP
// 1.2 XML (webhooks only; the feed stays json); sealed: the signed
// notification sealed to the organisation's box key (§4b), on the feed and
// webhooks alike - nobody between the daemon and the organisation reads it.
enum class NotificationFormat { json, cap, sealed };

struct Subscription {
  std::vector<std::string> regions;  // empty = all
  std::vector<Urgency> urgencies;    // empty = all
  std::vector<AlertKind> kinds;      // empty = all
  bool cleared_private = false;      // may receive consent=private alerts
  bool escalation = false;           // receives escalations of unacknowledged cases
  bool feed = true;                  // may read the feed / pull API
  std::string webhook_url;           // empty = no webhook
  SecretBytes webhook_secret;        // raw bytes of the whsec_ secret
  // "sha256/<base64>" of the receiver's certificate key (SPKI): when set,
  // this key is trusted instead of a public CA and the host name (a
  // receiver with a self-signed or internal certificate).
  std::string webhook_pin;
  NotificationFormat format = NotificationFormat::json;
  // Bumped by `casewire-keys set-org` whenever the webhook endpoint or secret
  // changes (or on --reenable). The daemon compares it with the generation
  // its webhook health was recorded under: a newer one clears a 410 disable
  // and revives notifications that ran out of retries, so a fixed endpoint
  // gets everything it missed.
  std::uint32_t webhook_generation = 0;
};

struct OrgEntry {
  PublicKey key;
  std::optional<PublicKey> box_key;
  std::string name;
  bool revoked = false;
  std::int64_t added_at = 0;
  std::int64_t revoked_at = 0;
  Subscription sub;
};

class TrustStore {
 public:
  static Result<TrustStore> load(const std::string& path);
  static Result<TrustStore> from_json(std::string_view text);
  static TrustStore empty() { return TrustStore(); }
  Status save(const std::string& path) const;

  // Refuses a known key; with entry.replaces, also an unknown or already
  // replaced predecessor, and revokes the predecessor (it was lost).
  Status enroll_contact(ContactEntry entry, std::int64_t now = 0);
  Status add_org(OrgEntry entry);
  // Revokes a contact or organisation by key id; already_revoked is ok.
  Status revoke(const KeyId& id, std::int64_t now);

  const ContactEntry* find_contact(const KeyId& id) const;
  const OrgEntry* find_org(const KeyId& id) const;
  OrgEntry* find_org_mutable(const KeyId& id);
  const std::vector<ContactEntry>& contacts() const { return contacts_; }
  const std::vector<OrgEntry>& orgs() const { return orgs_; }

 private:
  bool key_known(const KeyId& id) const;
  std::vector<ContactEntry> contacts_;
  std::vector<OrgEntry> orgs_;
};

}  // namespace cw
