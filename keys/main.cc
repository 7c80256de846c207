// casewire-keys: the operator's tool for identities, enrolment and invites.
#include <CLI/CLI.hpp>

#include <iostream>

#include "keys/backup.h"
#include "keys/commands.h"
#include "keys/rotate.h"
#include "protocol/man_page.h"
#include "protocol/program.h"
#include "protocol/secret.h"

namespace {

void add_secret_options(CLI::App* cmd, cw::keys::SecretFileOptions& o) {
  cmd->add_flag("--insecure-no-passphrase", o.insecure_no_passphrase,
                "store the secret key unencrypted (tests and demos only)");
  cmd->add_option("--passphrase-file", o.passphrase_file, "read the passphrase from this file");
  cmd->add_flag("--force", o.force, "replace existing files");
}

// "yes"/"no" for set-org's switches, so turning one off reads plainly.
std::optional<bool> yes_no(CLI::Option* opt, const std::string& v) {
  if (opt->count() == 0) return std::nullopt;
  return v == "yes";
}

}  // namespace

namespace {

cw::ManPage man_page() {
  cw::ManPage m;
  m.name = "casewire-keys";
  m.section = 8;
  m.summary = "daemon identity, contacts, organisations, invites, backups and rotation";
  m.description =
      "casewire-keys is the operator's tool for a casewired instance directory: it creates the "
      "daemon's identity and TLS certificate, enrols and revokes contacts, adds and changes "
      "organisations, writes invites, makes and restores encrypted backups, and rotates keys.\n\n"
      "Run it as the service user (runuser -u casewire -- casewire-keys ...) on the service's "
      "directory: files root wrote there would be root's, and the daemon could not read them. "
      "After a change to the trust store, reload the daemon (SIGHUP). The operator guide is "
      "/usr/share/doc/casewire/OPERATIONS.md.";
  m.files = {{"/var/lib/casewire/trust.json", "the trust store (contacts and organisations)"},
             {"/var/lib/casewire/revocations.journal", "every revocation, kept for restores"},
             {"/var/lib/casewire/daemon.key", "the daemon's secret key (passphrase-protected)"}};
  m.exit_status =
      "0 on success; 1 on an error (one line \"error: CODE: ...\" on standard "
      "error), after which nothing was changed; 70 on an internal failure.";
  m.see_also = "casewired(8), casewire(1)";
  return m;
}

int real_main(int argc, char** argv) {
  cw::init_crypto();
  CLI::App app{"casewire-keys: daemon identity, contacts, organisations, invites"};
  app.require_subcommand(1);
  cw::use_error_prefix(app);
  cw::Status status;

  cw::keys::InitOptions init;
  auto* c_init =
      app.add_subcommand("init", "create the daemon identity, TLS certificate and trust store");
  c_init->add_option("--dir", init.dir, "instance directory")->required();
  c_init->add_option("--tls-name", init.tls_names,
                     "DNS name or IP for the certificate (repeatable)");
  c_init->add_option("--listen", init.listen, "listen address for the starter config");
  add_secret_options(c_init, init.secret);
  c_init->callback([&] { status = cw::keys::init(init, std::cout); });

  std::string contact_out;
  cw::keys::SecretFileOptions contact_secret;
  auto* c_contact =
      app.add_subcommand("new-contact", "create a contact key pair (FILE and FILE.pub)");
  c_contact->add_option("--out", contact_out, "secret key file")->required();
  add_secret_options(c_contact, contact_secret);
  c_contact->callback([&] {
    status = cw::keys::new_identity(cw::Role::contact, contact_out, contact_secret, std::cout);
  });

  std::string org_out;
  cw::keys::SecretFileOptions org_secret;
  auto* c_org =
      app.add_subcommand("new-org", "create an organisation key pair (FILE and FILE.pub)");
  c_org->add_option("--out", org_out, "secret key file")->required();
  add_secret_options(c_org, org_secret);
  c_org->callback(
      [&] { status = cw::keys::new_identity(cw::Role::org, org_out, org_secret, std::cout); });

  std::string backup_key_out;
  cw::keys::SecretFileOptions backup_key_secret;
  auto* c_backup_key = app.add_subcommand(
      "new-backup-key",
      "create a key to encrypt backups to (FILE and FILE.pub); keep FILE offline");
  c_backup_key->add_option("--out", backup_key_out, "secret key file")->required();
  add_secret_options(c_backup_key, backup_key_secret);
  c_backup_key->callback([&] {
    status = cw::keys::new_identity(cw::Role::backup, backup_key_out, backup_key_secret, std::cout);
  });

  cw::keys::BackupOptions backup;
  auto* c_backup = app.add_subcommand(
      "backup", "write an encrypted, verified backup of a (running) daemon's keys and store");
  c_backup->add_option("--dir", backup.dir, "instance directory")->required();
  c_backup->add_option("--db", backup.db, "database (default: DIR/casewired.db)");
  c_backup->add_option("--to", backup.backup_pub, "the backup key's .pub file")->required();
  c_backup->add_option("--out", backup.out, "backup file to write")->required();
  c_backup->callback([&] { status = cw::keys::backup(backup, std::cout); });

  cw::keys::OpenBackupOptions opened;
  bool restore_insecure = false;
  auto add_open_options = [&](CLI::App* cmd) {
    cmd->add_option("--from", opened.from, "backup file")->required();
    cmd->add_option("--key", opened.backup_key, "the backup key's secret file")->required();
    cmd->add_option("--passphrase-file", opened.passphrase.file,
                    "read the backup key's passphrase from this file");
    cmd->add_flag("--insecure-no-passphrase", restore_insecure,
                  "the backup key is stored unencrypted (tests and demos only)");
  };
  auto* c_verify = app.add_subcommand(
      "verify-backup", "decrypt a backup and check it (every message, the database's integrity)");
  add_open_options(c_verify);
  c_verify->callback([&] {
    opened.passphrase.allow_unencrypted = restore_insecure;
    status = cw::keys::verify_backup(opened, std::cout);
  });
  auto* c_restore = app.add_subcommand(
      "restore", "verify a backup and restore it into a new or empty instance directory");
  add_open_options(c_restore);
  c_restore->add_option("--dir", opened.dir, "new or empty instance directory")->required();
  c_restore->add_option("--revocations", opened.revocations,
                        "the copy of revocations.journal kept off the server");
  c_restore->add_flag("--yes", opened.yes,
                      "do not ask: the keys it leaves active have been checked");
  c_restore->callback([&] {
    opened.passphrase.allow_unencrypted = restore_insecure;
    status = cw::keys::restore(opened, std::cout);
  });

  cw::keys::RotateOptions rot;
  auto* c_rotate = app.add_subcommand(
      "rotate",
      "replace the daemon's box or signing key, or its TLS key in two steps, and write "
      "the signed invite update that carries clients across");
  c_rotate->add_option("--dir", rot.dir, "instance directory")->required();
  c_rotate->add_option("--url", rot.urls, "the daemon's URL as clients use it (repeatable)");
  c_rotate->add_option("--db", rot.db,
                       "the store (default: DIR/casewired.db, or a postgresql:// URI)");
  c_rotate->add_flag("--box", rot.box,
                     "a new box key (the old one opens alerts for the grace period)");
  c_rotate->add_flag("--sign", rot.sign, "a new signing key");
  c_rotate->add_flag("--tls-next", rot.tls_next, "make and announce the next TLS key (step 1)");
  c_rotate->add_flag("--tls-activate", rot.tls_activate,
                     "switch to the announced TLS key (step 2)");
  c_rotate->add_flag("--finish", rot.finish,
                     "settle an interrupted rotation: complete it if it was committed, else "
                     "discard it");
  c_rotate->add_option("--grace-days", rot.grace_days, "how long the old keys are honoured (30)");
  c_rotate->add_option("--tls-name", rot.tls_names, "DNS name or IP for a new certificate");
  c_rotate->add_option("--passphrase-file", rot.passphrase_file, "daemon.key's passphrase");
  c_rotate->add_flag("--new-passphrase", rot.new_passphrase,
                     "seal the new daemon.key under a new passphrase (asked twice); default: "
                     "the same one");
  c_rotate->add_option("--new-passphrase-file", rot.new_passphrase_file,
                       "read the new passphrase from this file");
  c_rotate->callback([&] { status = cw::keys::rotate(rot, std::cout); });

  cw::keys::EnrollOptions enroll;
  auto* c_enroll = app.add_subcommand("enroll", "enrol a contact's public key in the trust store");
  c_enroll->add_option("--dir", enroll.dir, "instance directory")->required();
  c_enroll->add_option("--pub", enroll.pub_file, "the contact's .pub file")->required();
  c_enroll->add_option("--label", enroll.label, "the operator's name for this contact")->required();
  c_enroll->add_option("--regions", enroll.regions, "region codes the contact may report on");
  c_enroll->add_option("--rate", enroll.rate_per_hour, "alerts per hour (token bucket)");
  c_enroll->add_option(
      "--replaces", enroll.replaces,
      "KEYID of this contact's lost key: revokes it and hands its cases to the new key");
  c_enroll->add_option("--passphrase-file", enroll.passphrase_file,
                       "daemon.key's passphrase (for --replaces: the revocation is signed)");
  c_enroll->callback([&] { status = cw::keys::enroll(enroll, std::cout); });

  cw::keys::RevokeOptions revoke;
  auto* c_revoke = app.add_subcommand(
      "revoke", "revoke a contact or organisation key (signed into the revocation journal)");
  c_revoke->add_option("--dir", revoke.dir, "instance directory")->required();
  c_revoke->add_option("KEYID", revoke.key_id, "16 hex digits")->required();
  c_revoke->add_option("--passphrase-file", revoke.passphrase_file, "daemon.key's passphrase");
  c_revoke->callback([&] { status = cw::keys::revoke(revoke, std::cout); });

  cw::keys::AddOrgOptions add_org;
  auto* c_add = app.add_subcommand("add-org", "add an organisation and its subscription");
  c_add->add_option("--dir", add_org.dir, "instance directory")->required();
  c_add->add_option("--pub", add_org.pub_file, "the organisation's .pub file")->required();
  c_add->add_option("--name", add_org.name, "organisation name")->required();
  c_add->add_option("--webhook", add_org.webhook_url, "webhook URL (https://)");
  c_add->add_option("--webhook-pin", add_org.webhook_pin,
                    "sha256/... of the receiver's certificate key: trust it instead of a "
                    "public CA (a self-signed or internal receiver)");
  c_add->add_option("--webhook-secret-file", add_org.webhook_secret_file, "whsec_ secret to use");
  c_add->add_option("--secret-out", add_org.secret_out,
                    "write a new secret here, sealed to the organisation's key "
                    "(default NAME.webhook-secret)");
  c_add->add_flag("--allow-private-webhook", add_org.allow_private_webhook,
                  "allow a webhook to a loopback/private/link-local address (a local relay)");
  c_add->add_option("--regions", add_org.regions, "region codes to receive (default all)");
  c_add->add_option("--urgency", add_org.urgencies, "urgencies to receive (default all)");
  c_add->add_option("--kinds", add_org.kinds, "alert kinds to receive (default all)");
  c_add->add_flag("--cleared-private", add_org.cleared_private,
                  "may receive consent=private alerts");
  c_add->add_flag("--escalation", add_org.escalation, "receives escalations");
  c_add->add_flag("--no-feed", add_org.no_feed, "no feed access (webhook only)");
  c_add->add_option("--format", add_org.format, "json or cap (for webhooks)");
  c_add->add_flag("--sealed", add_org.sealed,
                  "seal every notification to the organisation's key: relays and proxies in "
                  "between cannot read them (feed and webhook)");
  c_add->callback([&] { status = cw::keys::add_org(add_org, std::cout); });

  cw::keys::SetOrgOptions set_org;
  struct {
    std::string webhook, cleared_private, escalation, feed, format, webhook_pin;
    std::vector<std::string> regions, urgencies, kinds;
    bool no_webhook = false;
  } so;
  const auto yes_no_check = CLI::IsMember({"yes", "no"});
  auto* c_set =
      app.add_subcommand("set-org", "change an organisation's subscription (only what is given)");
  c_set->add_option("--dir", set_org.dir, "instance directory")->required();
  c_set->add_option("KEYID", set_org.key_id, "16 hex digits")->required();
  auto* o_webhook = c_set->add_option("--webhook", so.webhook, "new webhook URL (https://)");
  c_set->add_flag("--no-webhook", so.no_webhook, "remove the webhook (the feed stays)")
      ->excludes(o_webhook);
  c_set->add_option("--webhook-secret-file", set_org.webhook_secret_file, "whsec_ secret to use");
  c_set->add_option("--secret-out", set_org.secret_out,
                    "write a new secret here, sealed to the organisation's key "
                    "(default NAME.webhook-secret)");
  auto* o_pin = c_set->add_option("--webhook-pin", so.webhook_pin,
                                  "sha256/... of the receiver's certificate key, or 'none' to "
                                  "trust a public CA again");
  c_set->add_flag("--allow-private-webhook", set_org.allow_private_webhook,
                  "allow a webhook to a loopback/private/link-local address (a local relay)");
  c_set->add_flag("--rotate-secret", set_org.rotate_secret,
                  "generate a new webhook secret, shown once");
  c_set->add_flag("--reenable", set_org.reenable,
                  "retry a webhook disabled by 410 or given up on, after the receiver is fixed");
  auto* o_regions = c_set->add_option("--regions", so.regions, "region codes to receive, or 'all'");
  auto* o_urg = c_set->add_option("--urgency", so.urgencies, "urgencies to receive, or 'all'");
  auto* o_kinds = c_set->add_option("--kinds", so.kinds, "alert kinds to receive, or 'all'");
  auto* o_priv =
      c_set->add_option("--cleared-private", so.cleared_private, "yes|no")->check(yes_no_check);
  auto* o_esc = c_set->add_option("--escalation", so.escalation, "yes|no")->check(yes_no_check);
  auto* o_feed = c_set->add_option("--feed", so.feed, "yes|no")->check(yes_no_check);
  auto* o_format = c_set->add_option("--format", so.format, "json, cap or sealed");
  bool sealed = false;
  auto* o_sealed = c_set->add_flag("--sealed", sealed,
                                   "seal every notification to the organisation's key (same as "
                                   "--format sealed)");
  o_sealed->excludes(o_format);
  c_set->callback([&] {
    if (so.no_webhook)
      set_org.webhook_url = std::string();
    else if (o_webhook->count())
      set_org.webhook_url = so.webhook;
    if (o_regions->count()) set_org.regions = so.regions;
    if (o_urg->count()) set_org.urgencies = so.urgencies;
    if (o_kinds->count()) set_org.kinds = so.kinds;
    set_org.cleared_private = yes_no(o_priv, so.cleared_private);
    set_org.escalation = yes_no(o_esc, so.escalation);
    set_org.feed = yes_no(o_feed, so.feed);
    if (o_format->count()) set_org.format = so.format;
    if (sealed) set_org.format = std::string("sealed");
    if (o_pin->count())
      set_org.webhook_pin = so.webhook_pin == "none" ? std::string() : so.webhook_pin;
    status = cw::keys::set_org(set_org, std::cout);
  });

  cw::keys::InviteOptions invite;
  auto* c_invite =
      app.add_subcommand("invite", "write an invite file for a new contact or organisation");
  c_invite->add_option("--dir", invite.dir, "instance directory")->required();
  c_invite->add_option("--url", invite.urls, "daemon URL (repeatable; tried in order)")->required();
  c_invite->add_option("--out", invite.out_path, "invite file")->required();
  c_invite->add_flag("--force", invite.force, "replace an existing file");
  c_invite->callback([&] { status = cw::keys::invite(invite, std::cout); });

  std::string list_dir;
  auto* c_list = app.add_subcommand("list", "list contacts and organisations (no secrets)");
  c_list->add_option("--dir", list_dir, "instance directory")->required();
  c_list->callback([&] { status = cw::keys::list(list_dir, std::cout); });

  if (cw::wants_man_page(argc, argv)) {
    cw::write_man_page(app, man_page(), std::cout);
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help prints and exits 0; every usage error is exit 1
  }
  if (!status.ok()) {
    std::cerr << "error: " << cw::code_name(status.code()) << ": " << status.error().message
              << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cw::guarded_main("casewire-keys", real_main, argc, argv);
}
