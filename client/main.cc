// casewire: the field contact's and the organisation's client.
// See docs/FIELD_GUIDE.md for contacts and docs/ORGANISATIONS.md for organisations.
#include <CLI/CLI.hpp>

#include <iostream>

#include "client/commands.h"
#include "client/doctor.h"
#include "client/messages.h"
#include "client/org_commands.h"
#include "client/places.h"
#include "client/rotation.h"
#include "protocol/program.h"
#include "protocol/secret.h"

namespace {

void add_alert_flags(CLI::App* c, cw::client::AlertFlags& f) {
  c->add_option("--alert", f.alert_file, "alert JSON file (the only way to add names or notes)");
  c->add_option("--kind", f.kind, "new_case | update | resolved | retraction");
  c->add_option("--update", f.update_case, "follow up on CASE (the new_case alert id)");
  c->add_option("--status", f.status, "detained | transferred | released | returned");
  c->add_option("--people", f.people, "number of people arrested");
  c->add_option("--children", f.children, "of whom children");
  c->add_option("--elderly", f.elderly, "of whom elderly");
  c->add_option("--sick", f.sick, "of whom sick or injured");
  c->add_option("--arrest-place", f.arrest_place, "gazetteer code, e.g. CN-JL");
  c->add_option("--held-place", f.held_place, "gazetteer code, e.g. CN-JL-F01");
  c->add_option("--arrested-at", f.arrested_at,
                "UTC time, e.g. 2026-11-28T14:05:00Z (default now)");
  c->add_option("--transfer", f.expected_transfer, "expected transfer, UTC time");
  c->add_option("--urgency", f.urgency, "immediate | high | normal");
  c->add_option("--consent", f.consent, "private | advocacy");
}

}  // namespace

namespace {
int real_main(int argc, char** argv) {
  cw::init_crypto();
  CLI::App app{"casewire: send case alerts; follow notifications"};
  app.require_subcommand(1);
  cw::use_error_prefix(app);
  // Global options work after the subcommand too: `casewire send --json`.
  app.fallthrough();
  cw::client::Globals g;
  app.add_option("--home", g.home,
                 "client directory (default $CASEWIRE_HOME or ~/.config/casewire)");
  app.add_option("--passphrase-file", g.passphrase_file, "read the key passphrase from this file");
  app.add_option("--proxy", g.proxy, "SOCKS5 proxy, e.g. socks5h://127.0.0.1:9050 (Tor)");
  app.add_flag("--json", g.json, "machine-readable output on stdout");
  std::string lang;
  app.add_option("--lang", lang, "en | ko | zh: the language of messages (default: the locale)");
  app.add_flag("--insecure-no-passphrase", g.insecure_no_passphrase,
               "accept a key file stored without a passphrase (tests and demos only)");
  int rc = 0;

  std::string new_key_out;
  bool new_key_force = false;
  auto* new_key = app.add_subcommand(
      "new-key", "make your own key on this device (FILE and FILE.pub, for the operator)");
  new_key->add_option("--out", new_key_out, "secret key file")->required();
  new_key->add_flag("--force", new_key_force, "replace existing files");
  new_key->callback(
      [&] { rc = cw::client::cmd_new_key(g, new_key_out, new_key_force, std::cout, std::cerr); });

  std::string invite, key;
  bool force = false;
  auto* init = app.add_subcommand("init", "set up this device from an invite");
  init->add_option("--invite", invite, "invite file from the operator")->required();
  init->add_option("--key", key, "your secret key file (omit to only deliver carried files)");
  init->add_flag("--force", force, "replace an existing setup");
  init->callback([&] { rc = cw::client::cmd_init(g, invite, key, force, std::cout, std::cerr); });

  cw::client::AlertFlags send_flags;
  auto* send = app.add_subcommand("send", "seal, send and get a signed receipt");
  add_alert_flags(send, send_flags);
  send->callback([&] { rc = cw::client::cmd_send(g, send_flags, std::cout, std::cerr); });

  cw::client::AlertFlags export_flags;
  std::string export_out;
  auto* exp = app.add_subcommand("export", "seal an alert into a file someone else can carry");
  add_alert_flags(exp, export_flags);
  exp->add_option("-o,--out", export_out, "envelope file (.cwe)")->required();
  exp->callback(
      [&] { rc = cw::client::cmd_export(g, export_flags, export_out, std::cout, std::cerr); });

  std::string deliver_file;
  std::vector<std::string> servers;
  auto* del = app.add_subcommand("deliver", "deliver a carried envelope file (needs no key)");
  del->add_option("FILE", deliver_file, "envelope file (.cwe)")->required();
  del->add_option("--server", servers, "daemon URL (default: the invite's)");
  del->callback(
      [&] { rc = cw::client::cmd_deliver(g, deliver_file, servers, std::cout, std::cerr); });

  bool watch = false;
  auto* outbox = app.add_subcommand("outbox", "alerts not yet receipted");
  outbox->require_subcommand(1);
  outbox->add_subcommand("list", "one line per queued alert (never content)")->callback([&] {
    rc = cw::client::cmd_outbox_list(g, std::cout, std::cerr);
  });
  auto* flush = outbox->add_subcommand("flush", "try to deliver every queued alert");
  flush->add_flag("--watch", watch, "keep trying, with backoff, until all are delivered");
  flush->callback([&] { rc = cw::client::cmd_outbox_flush(g, watch, std::cout, std::cerr); });
  std::string drop_id;
  bool drop_yes = false;
  auto* drop = outbox->add_subcommand("drop", "remove one alert from the outbox (asks first)");
  drop->add_option("ID", drop_id, "the alert id shown by 'casewire outbox list'")->required();
  drop->add_flag("--yes", drop_yes, "do not ask for confirmation");
  drop->callback([&] {
    rc = cw::client::cmd_outbox_drop(g, drop_id, drop_yes, std::cin, std::cout, std::cerr);
  });

  app.add_subcommand("receipts", "verified receipts: proof of delivery, case references")
      ->callback([&] { rc = cw::client::cmd_receipts(g, std::cout, std::cerr); });

  bool wipe_yes = false;
  auto* wipe = app.add_subcommand("wipe", "destroy this device's key, queued alerts and receipts");
  wipe->add_flag("--yes", wipe_yes, "do not ask for confirmation");
  wipe->callback([&] { rc = cw::client::cmd_wipe(g, wipe_yes, std::cout, std::cerr); });

  cw::client::FeedOptions feed_opts;
  auto* feed = app.add_subcommand("feed", "organisations: stream, verify and print notifications");
  feed->add_option("--key", feed_opts.key,
                   "organisation key file (default: the one set up by init)");
  feed->add_option("--count", feed_opts.count, "exit after this many notifications");
  feed->add_flag("--pull", feed_opts.pull,
                 "page through what is waiting, then exit (no streaming)");
  feed->add_flag("--from-start", feed_opts.from_start, "ignore the saved position");
  feed->callback([&] { rc = cw::client::cmd_feed(g, feed_opts, std::cout, std::cerr); });

  std::string ack_key;
  std::uint64_t ack_id = 0;
  auto* ack =
      app.add_subcommand("ack", "organisations: say you are acting on a notification's case");
  ack->add_option("ID", ack_id, "notification id (the # in the feed)")->required();
  ack->add_option("--key", ack_key, "organisation key file");
  ack->callback([&] { rc = cw::client::cmd_ack(g, ack_key, ack_id, std::cout, std::cerr); });

  std::string secret_key, secret_file;
  auto* webhook_secret = app.add_subcommand(
      "webhook-secret",
      "organisations: open the webhook secret the operator sealed to your key, print it");
  webhook_secret->add_option("FILE", secret_file, "the .webhook-secret file")->required();
  webhook_secret->add_option("--key", secret_key,
                             "organisation key file (default: the one set up by init)");
  webhook_secret->callback([&] {
    rc = cw::client::cmd_webhook_secret(g, secret_key, secret_file, std::cout, std::cerr);
  });

  app.add_subcommand("update-invite",
                     "after the operator rotated the daemon's keys: fetch and apply the signed "
                     "update (send and flush do it by themselves)")
      ->callback([&] { rc = cw::client::cmd_update_invite(g, std::cout, std::cerr); });

  app.add_subcommand("doctor",
                     "when something fails: check the setup, key, outbox, proxy, daemon and clock")
      ->callback([&] { rc = cw::client::cmd_doctor(g, std::cout, std::cerr); });

  cw::client::PlacesOptions places;
  auto* gazetteer = app.add_subcommand(
      "gazetteer",
      "places you can report, by name in English, Chinese or Korean, with their codes");
  gazetteer->add_option("SEARCH", places.search, "a place name in any language, or a code");
  gazetteer->add_option("--lang", places.lang, "en | zh | ko (names shown in this language)");
  gazetteer->add_flag("--update", places.update,
                      "fetch the daemon's newest signed gazetteer first");
  gazetteer->add_option("--key", places.key, "key file (default: the one set up by init)");
  gazetteer->callback([&] { rc = cw::client::cmd_gazetteer(g, places, std::cout, std::cerr); });

  std::string disclosure_key, disclosure_file;
  auto* open_disc = app.add_subcommand(
      "open-disclosure",
      "organisations: open a case's details the operator disclosed to you, and print them");
  open_disc->add_option("FILE", disclosure_file, "the .disclosure file")->required();
  open_disc->add_option("--key", disclosure_key,
                        "organisation key file (default: the one set up by init)");
  open_disc->callback([&] {
    rc = cw::client::cmd_open_disclosure(g, disclosure_key, disclosure_file, std::cout, std::cerr);
  });

  std::string answer_key, cannot_act, need_info;
  std::uint64_t answer_id = 0;
  auto* answer = app.add_subcommand(
      "answer", "organisations: say you cannot act on a case, or what you need to know");
  answer->add_option("ID", answer_id, "notification id (the # in the feed)")->required();
  auto* o_cannot = answer->add_option("--cannot-act", cannot_act,
                                      "why: outside_region | outside_mandate | no_capacity");
  auto* o_need = answer->add_option("--need-info", need_info,
                                    "what: expected_transfer | held_place | arrested_at | people");
  o_cannot->excludes(o_need);
  answer->add_option("--key", answer_key, "organisation key file");
  answer->callback([&] {
    if (o_cannot->count() + o_need->count() != 1) {
      std::cerr << "error: usage: give --cannot-act REASON or --need-info WHAT\n";
      rc = 1;  // a usage error, as CLI11 reports them
      return;
    }
    rc = o_cannot->count() ? cw::client::cmd_answer(g, answer_key, answer_id, "cannot_act",
                                                    cannot_act, std::cout, std::cerr)
                           : cw::client::cmd_answer(g, answer_key, answer_id, "need_information",
                                                    need_info, std::cout, std::cerr);
  });

  std::string status_key, status_case;
  auto* status = app.add_subcommand("status", "contacts: is anyone acting on a case you reported?");
  status->add_option("CASE", status_case, "the case's alert id (see 'casewire receipts')")
      ->required();
  status->add_option("--key", status_key, "contact key file");
  status->callback(
      [&] { rc = cw::client::cmd_status(g, status_key, status_case, std::cout, std::cerr); });

  // Messages follow the locale until --lang is parsed (CLI11's own usage
  // errors stay English).
  cw::client::set_language("");
  app.parse_complete_callback([&] { cw::client::set_language(lang); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help prints and exits 0; every usage error is exit 1
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  return cw::guarded_main("casewire", real_main, argc, argv);
}
