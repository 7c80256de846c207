#include "daemon/trust.h"

#include "trust/revocation_journal.h"

#include <algorithm>

namespace cw::daemon {

Result<std::shared_ptr<const TrustView>> TrustView::load(const std::string& path) {
  auto ts = TrustStore::load(path);
  if (!ts) return ts.error();
  return std::shared_ptr<const TrustView>(std::make_shared<TrustView>(std::move(*ts)));
}

Result<std::shared_ptr<const TrustView>> TrustView::load_instance(const DaemonDir& d,
                                                                  const PublicKey& journal_key) {
  auto ts = TrustStore::load(d.trust());
  if (!ts) return ts.error();
  auto journal = RevocationJournal::load(d.revocations(), &journal_key);
  if (!journal && journal.code() != Errc::not_found) return journal.error();
  if (journal) journal->apply(*ts);
  auto view = std::make_shared<TrustView>(std::move(*ts));
  view->journalled_ = journal ? journal->entries().size() : 0;
  return std::shared_ptr<const TrustView>(std::move(view));
}

TrustView::TrustView(TrustStore store) : store_(std::move(store)) {
  for (std::size_t i = 0; i < store_.contacts().size(); ++i)
    contacts_.emplace(store_.contacts()[i].key.id(), i);
  for (std::size_t i = 0; i < store_.orgs().size(); ++i)
    orgs_.emplace(store_.orgs()[i].key.id(), i);
}

const ContactEntry* TrustView::contact(const KeyId& id) const {
  auto it = contacts_.find(id);
  return it == contacts_.end() ? nullptr : &store_.contacts()[it->second];
}

const OrgEntry* TrustView::org(const KeyId& id) const {
  auto it = orgs_.find(id);
  return it == orgs_.end() ? nullptr : &store_.orgs()[it->second];
}

std::vector<KeyId> TrustView::lineage(const KeyId& id) const {
  constexpr std::size_t kMaxLineage =
      16;  // a contact losing 16 phones is an operator's conversation
  std::vector<KeyId> out{id};
  for (const ContactEntry* c = contact(id); c && c->replaces && out.size() < kMaxLineage;
       c = contact(*c->replaces)) {
    if (std::find(out.begin(), out.end(), *c->replaces) != out.end()) break;  // a cycle
    out.push_back(*c->replaces);
  }
  return out;
}

Result<PublicKey> TrustView::sender_key(const KeyId& id) const {
  const auto* c = contact(id);
  if (!c) return make_error(Errc::unknown_sender, "the sender is not enrolled");
  if (c->revoked) return make_error(Errc::revoked_sender, "the sender's key has been revoked");
  return c->key;
}

}  // namespace cw::daemon
