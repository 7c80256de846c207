// casewire-keys subcommands, as functions the tests can call directly.
// Each writes its human output to `out` and returns a Status; main() maps a
// failed Status to "error: <code>: <message>" on stderr and exit status 1.
#pragma once

#include "trust/daemon_dir.h"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error.h"
#include "protocol/key_file.h"

namespace cw::keys {

using cw::SecretFileOptions;  // protocol/key_file.h

struct InitOptions {
  std::string dir;
  std::vector<std::string> tls_names = {"localhost", "127.0.0.1"};
  std::string listen = kDefaultListen;
  std::string admin_listen = kDefaultAdminListen;
  SecretFileOptions secret;
};
Status init(const InitOptions& o, std::ostream& out);

// Refuses root working in an instance directory another user owns (the
// service's /var/lib/casewire): the files root wrote there (trust.json, the
// journal) would be root's, and the daemon, running as that user, could not
// read them at its next reload. The message names the command to run instead.
Status refuse_foreign_instance(const std::string& dir);

// new-contact / new-org: FILE (secret) and FILE.pub.
Status new_identity(Role role, const std::string& path, const SecretFileOptions& o,
                    std::ostream& out);

struct EnrollOptions {
  std::string dir;
  std::string pub_file;
  std::string label;
  std::vector<std::string> regions;
  std::uint32_t rate_per_hour = 60;
  std::string replaces;  // key id of a lost key whose cases this one takes over
  // daemon.key's passphrase: --replaces revokes the lost key, and every
  // revocation is signed into the journal.
  std::string passphrase_file{};
};
Status enroll(const EnrollOptions& o, std::ostream& out);

// Writes the revocation to the signed journal (DIR/revocations.journal,
// trust/revocation_journal.h), then to trust.json. Needs daemon.key's
// passphrase (the journal's key derives from its master secret).
struct RevokeOptions {
  std::string dir;
  std::string key_id;
  std::string passphrase_file;
};
Status revoke(const RevokeOptions& o, std::ostream& out);

struct AddOrgOptions {
  std::string dir;
  std::string pub_file;
  std::string name;
  std::string webhook_url;
  std::string webhook_pin;          // sha256/... of the receiver's key, instead of a public CA
  std::string webhook_secret_file;  // else a new secret is generated and handed over:
  // sealed to the organisation's box key in secret_out (default
  // NAME.webhook-secret), or - for a key without a box key - printed once.
  std::string secret_out;
  std::vector<std::string> regions;
  std::vector<std::string> urgencies;
  std::vector<std::string> kinds;
  bool cleared_private = false;
  bool escalation = false;
  bool no_feed = false;
  std::string format = "json";
  bool sealed = false;  // --sealed: format "sealed" (notifications sealed to the org's box key)
  // A webhook to a loopback, private, link-local or unique-local address (a
  // local relay, a test receiver): refused unless asked for explicitly.
  bool allow_private_webhook = false;
};
Status add_org(const AddOrgOptions& o, std::ostream& out);

// Changes an organisation's subscription in place. Only what is given
// changes. Changing the webhook URL or secret (or --reenable) bumps the
// subscription's webhook generation: on SIGHUP the daemon then clears a 410
// disable and re-queues what ran out of retries for that organisation.
struct SetOrgOptions {
  std::string dir;
  std::string key_id;
  std::optional<std::string> webhook_url;  // "" = remove the webhook
  std::optional<std::string> webhook_pin;  // "" = trust a public CA again
  std::string webhook_secret_file;
  bool rotate_secret = false;
  std::string secret_out;  // where a new secret is written sealed (as in AddOrgOptions)
  std::optional<std::vector<std::string>> regions;    // {"all"} = all
  std::optional<std::vector<std::string>> urgencies;  // {"all"} = all
  std::optional<std::vector<std::string>> kinds;      // {"all"} = all
  std::optional<bool> cleared_private;
  std::optional<bool> escalation;
  std::optional<bool> feed;
  std::optional<std::string> format;
  bool reenable = false;
  bool allow_private_webhook = false;  // as in AddOrgOptions
};
Status set_org(const SetOrgOptions& o, std::ostream& out);

struct InviteOptions {
  std::string dir;
  std::vector<std::string> urls;
  std::string out_path;
  bool force = false;
};
Status invite(const InviteOptions& o, std::ostream& out);

Status list(const std::string& dir, std::ostream& out);

}  // namespace cw::keys
