// The client's home directory (mode 0700):
//   invite.json      daemon URLs, TLS pin, daemon public keys
//   identity.key     the contact's (or organisation's) secret key, 0600
//   client.toml      optional settings: proxy, timeouts
//   gazetteer.json   the daemon-signed gazetteer, when newer than the invite's
//   outbox/          sealed envelopes not yet receipted (outbox.h)
//   receipts/        verified receipts (receipts.h)
//   daemon-keys.json the daemon's signing keys this device has trusted, each
//                    certified by an update its predecessor signed (daemon_keys.h)
// Chosen by --home, else $CASEWIRE_HOME, else $XDG_CONFIG_HOME/casewire,
// else ~/.config/casewire.
#pragma once

#include <optional>
#include <string>

#include "client/transport.h"
#include "protocol/error.h"
#include "protocol/gazetteer.h"
#include "protocol/invite.h"
#include "protocol/key_file.h"

namespace cw::client {

std::string resolve_home(const std::string& flag);

struct ClientSettings {
  std::optional<Proxy> proxy;
  std::chrono::milliseconds connect_timeout{15000};
  std::chrono::milliseconds io_timeout{30000};
  bool insecure_unencrypted_key = false;  // set by 'init --insecure-no-passphrase'
};

class ClientHome {
 public:
  explicit ClientHome(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  std::string invite_path() const { return dir_ + "/invite.json"; }
  std::string identity_path() const { return dir_ + "/identity.key"; }
  std::string settings_path() const { return dir_ + "/client.toml"; }
  std::string outbox_dir() const { return dir_ + "/outbox"; }
  std::string receipts_dir() const { return dir_ + "/receipts"; }
  std::string gazetteer_path() const { return dir_ + "/gazetteer.json"; }
  std::string daemon_keys_path() const { return dir_ + "/daemon-keys.json"; }
  // The newest case-log head this device has checked (casewire verify-log).
  std::string log_head_path() const { return dir_ + "/log_head.json"; }
  // The newest head the feed showed (signature checked, not yet its
  // consistency): verify-log checks it against the log too.
  std::string seen_head_path() const { return dir_ + "/log_head.seen.json"; }
  std::string feed_cursor_path() const {
    return dir_ + "/feed.cursor";
  }  // organisations' feed position

  // Copies the invite (validated) and, if given, the secret key file. A key
  // file stored without a passphrase is refused unless `allow_unencrypted`,
  // which is then recorded in client.toml.
  Status init(const std::string& invite_file, const std::string& key_file, bool force,
              bool allow_unencrypted = false);

  // not_found when the home directory is missing or not a directory (a
  // wrong --home, or a device never set up): listing commands say so
  // instead of showing an empty, reassuring list.
  Status check_exists() const;

  Result<Invite> invite() const;
  // The newest gazetteer this home holds signed by the invite's daemon (a
  // stored update, else the invite's), or the built-in one if it holds
  // none. bad_signature if a stored one does not verify: never used then.
  Result<std::shared_ptr<const Gazetteer>> gazetteer(const Invite& invite) const;
  bool has_identity() const;
  Result<Identity> identity(const PassphraseSource& source) const;
  // client.toml; missing file = defaults.
  Result<ClientSettings> settings() const;

 private:
  std::string dir_;
};

}  // namespace cw::client
