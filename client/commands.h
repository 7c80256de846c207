// casewire subcommands as functions returning an exit status, so tests can
// drive them directly; main.cc only parses flags.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "protocol/alert.h"

namespace cw::client {

struct Globals {
  std::string home;             // --home (else CASEWIRE_HOME, XDG)
  std::string passphrase_file;  // --passphrase-file
  std::string proxy;            // --proxy socks5h://HOST:PORT (overrides client.toml)
  bool json = false;            // machine-readable stdout
  // --insecure-no-passphrase: accept (at init) and use a key file stored
  // without a passphrase; init records the choice in client.toml.
  bool insecure_no_passphrase = false;
};

// Makes this device's own key pair (FILE and FILE.pub) for a contact, so a
// contact needs only this program: the .pub goes to the operator to enrol.
int cmd_new_key(const Globals& g, const std::string& out_path, bool force, std::ostream& out,
                std::ostream& err);
int cmd_init(const Globals& g, const std::string& invite, const std::string& key, bool force,
             std::ostream& out, std::ostream& err);

// The flags form of an alert: the common, non-identifying fields only. Names,
// contact details and notes go in a --alert file, never on a command line
// (shell history and the process list would keep them).
struct AlertFlags {
  std::string alert_file;
  std::string kind;         // default new_case, or update with --update
  std::string update_case;  // --update CASE (32 hex)
  std::string status;
  std::optional<std::uint32_t> people, children, elderly, sick;
  std::string arrest_place, held_place;
  std::string arrested_at, expected_transfer;
  std::string urgency, consent;
};
Result<Alert> build_alert(const AlertFlags& f, std::int64_t now);

int cmd_send(const Globals& g, const AlertFlags& f, std::ostream& out, std::ostream& err);
int cmd_export(const Globals& g, const AlertFlags& f, const std::string& out_file,
               std::ostream& out, std::ostream& err);
int cmd_deliver(const Globals& g, const std::string& file, const std::vector<std::string>& servers,
                std::ostream& out, std::ostream& err);
int cmd_outbox_list(const Globals& g, std::ostream& out, std::ostream& err);
int cmd_outbox_flush(const Globals& g, bool watch, std::ostream& out, std::ostream& err);
// Removes one alert from the outbox (shredded); asks for confirmation unless
// `yes`, and refuses without --yes when stdin is not a terminal.
int cmd_outbox_drop(const Globals& g, const std::string& id, bool yes, std::istream& in,
                    std::ostream& out, std::ostream& err);
int cmd_receipts(const Globals& g, std::ostream& out, std::ostream& err);
// Overwrites and deletes the key, outbox, receipts, invite and settings, then
// the home directory. `yes` skips the confirmation.
int cmd_wipe(const Globals& g, bool yes, std::ostream& out, std::ostream& err);

}  // namespace cw::client
