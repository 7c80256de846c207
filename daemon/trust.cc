#include "daemon/trust.h"

namespace cw::daemon {

Result<std::shared_ptr<const TrustView>> TrustView::load(const std::string& path) {
  auto ts = TrustStore::load(path);
  if (!ts) return ts.error();
  return std::shared_ptr<const TrustView>(std::make_shared<TrustView>(std::move(*ts)));
}

TrustView::TrustView(TrustStore store) : store_(std::move(store)) {
  for (std::size_t i = 0; i < store_.contacts().size(); ++i)
    contacts_.emplace(store_.contacts()[i].key.id(), i);
  for (std::size_t i = 0; i < store_.orgs().size(); ++i) orgs_.emplace(store_.orgs()[i].key.id(), i);
}

const ContactEntry* TrustView::contact(const KeyId& id) const {
  auto it = contacts_.find(id);
  return it == contacts_.end() ? nullptr : &store_.contacts()[it->second];
}

const OrgEntry* TrustView::org(const KeyId& id) const {
  auto it = orgs_.find(id);
  return it == orgs_.end() ? nullptr : &store_.orgs()[it->second];
}

Result<PublicKey> TrustView::sender_key(const KeyId& id) const {
  const auto* c = contact(id);
  if (!c) return make_error(Errc::unknown_sender, "the sender is not enrolled");
  if (c->revoked) return make_error(Errc::revoked_sender, "the sender's key has been revoked");
  return c->key;
}

}  // namespace cw::daemon
