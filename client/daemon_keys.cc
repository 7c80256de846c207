#include "client/daemon_keys.h"

#include "protocol/file_io.h"

namespace cw::client {

Result<DaemonKeys> DaemonKeys::load(const ClientHome& home, const Invite& invite) {
  DaemonKeys k;
  auto fresh = [&] {
    DaemonKeys f;
    f.chain_.from_sequence = invite.sequence;
    f.chain_.genesis = invite.daemon_sign;
    f.keys_ = {invite.daemon_sign};
    return f;
  };
  auto text = read_file(home.daemon_keys_path(), 1 << 20);
  if (!text && text.code() == Errc::not_found) return fresh();
  if (!text) return text.error();
  auto chain = invite_chain_from_json(as_chars(*text));
  if (!chain || !chain->genesis)
    return make_error(Errc::bad_invite, home.daemon_keys_path() + " is damaged");
  auto updates = follow_invite_chain(*chain, *chain->genesis, chain->from_sequence);
  if (!updates)
    return make_error(updates.code(), home.daemon_keys_path() + ": " + updates.error().message);
  k.chain_ = std::move(*chain);
  k.keys_.push_back(*k.chain_.genesis);
  for (const auto& u : *updates) {
    k.keys_.push_back(u.daemon_sign);
    if (u.log_head) k.heads_.push_back(*u.log_head);
  }
  // The invite's key must be in it (it is the newest, or one behind after a
  // crash between the two writes); otherwise the home was set up again.
  bool found = false;
  for (const auto& key : k.keys_) found |= key == invite.daemon_sign;
  if (!found) return fresh();
  return k;
}

const PublicKey* DaemonKeys::find(const KeyId& id) const {
  for (const auto& k : keys_)
    if (k.id() == id) return &k;
  return nullptr;
}

std::string DaemonKeys::with_links(const Invite& invite,
                                   const std::vector<std::string>& links) const {
  InviteChain c = chain_;
  if (invite_chain_sequence(c) < invite.sequence) {
    c.from_sequence = invite.sequence;
    c.genesis = invite.daemon_sign;
    c.links.clear();
  }
  const std::uint32_t have = invite_chain_sequence(c);
  for (const auto& l : links)
    if (invite_update_sequence(l) > have) c.links.push_back(l);
  return invite_chain_to_json(c);
}

}  // namespace cw::client
