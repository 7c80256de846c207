// The daemon's view of the trust store: an immutable, indexed snapshot that
// request handlers share, replaced as a whole on SIGHUP (so a request sees
// either the old or the new store, never half of each).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/keys.h"
#include "trust/daemon_dir.h"
#include "trust/trust_store.h"

namespace cw::daemon {

struct KeyIdHash {
  std::size_t operator()(const KeyId& id) const {
    std::size_t h = 0;
    for (auto b : id) h = h * 131 + b;
    return h;
  }
};

class TrustView {
 public:
  static Result<std::shared_ptr<const TrustView>> load(const std::string& path);
  // The instance's trust store with its revocation journal applied over it
  // (trust/revocation_journal.h): a key the journal revoked is revoked here,
  // whatever trust.json says. The journal must be signed with `journal_key`
  // (the daemon's own); a missing journal is an empty one.
  static Result<std::shared_ptr<const TrustView>> load_instance(const DaemonDir& d,
                                                                const PublicKey& journal_key);
  explicit TrustView(TrustStore store);

  // The signing key of an active contact; unknown_sender / revoked_sender.
  Result<PublicKey> sender_key(const KeyId& id) const;
  const ContactEntry* contact(const KeyId& id) const;
  const OrgEntry* org(const KeyId& id) const;
  // `id` followed by the keys it replaced (enroll --replaces), newest first:
  // the keys whose cases `id` may follow up. Bounded, and safe on a cycle a
  // hand-edited trust store could contain.
  std::vector<KeyId> lineage(const KeyId& id) const;
  const TrustStore& store() const { return store_; }
  // Entries in the revocation journal applied over the trust store.
  std::uint64_t journalled_revocations() const { return journalled_; }

 private:
  TrustStore store_;
  std::uint64_t journalled_ = 0;
  std::unordered_map<KeyId, std::size_t, KeyIdHash> contacts_;
  std::unordered_map<KeyId, std::size_t, KeyIdHash> orgs_;
};

// Holds the current snapshot; readers take a shared_ptr and keep it for the
// whole request.
class TrustHolder {
 public:
  explicit TrustHolder(std::shared_ptr<const TrustView> v) : current_(std::move(v)) {}
  std::shared_ptr<const TrustView> get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void set(std::shared_ptr<const TrustView> v) {
    std::lock_guard lock(mu_);
    current_ = std::move(v);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const TrustView> current_;
};

}  // namespace cw::daemon
