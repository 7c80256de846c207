// casewire: the field contact's and the organisation's client.
// See docs/FIELD_GUIDE.md for contacts and docs/ORGANISATIONS.md for organisations.
#include <CLI/CLI.hpp>

#include <iostream>

#include "client/commands.h"
#include "client/dashboard/dashboard.h"
#include "client/doctor.h"
#include "client/messages.h"
#include "client/org_commands.h"
#include "client/places.h"
#include "client/report.h"
#include "client/rotation.h"
#include "client/verify_log.h"
#include "protocol/man_page.h"
#include "protocol/program.h"
#include "protocol/secret.h"

namespace {

void add_alert_flags(CLI::App* c, cw::client::AlertFlags& f) {
  c->add_option("--alert", f.alert_file,
                cw::client::tr("alert JSON file (the only way to add names or notes)"));
  c->add_option("--kind", f.kind, cw::client::tr("new_case | update | resolved | retraction"));
  c->add_option("--update", f.update_case,
                cw::client::tr("follow up on CASE (the new_case alert id)"));
  c->add_option("--status", f.status,
                cw::client::tr("detained | transferred | released | returned"));
  c->add_option("--people", f.people, cw::client::tr("number of people arrested"));
  c->add_option("--children", f.children, cw::client::tr("of whom children"));
  c->add_option("--elderly", f.elderly, cw::client::tr("of whom elderly"));
  c->add_option("--sick", f.sick, cw::client::tr("of whom sick or injured"));
  c->add_option("--arrest-place", f.arrest_place, cw::client::tr("gazetteer code, e.g. CN-JL"));
  c->add_option("--held-place", f.held_place, cw::client::tr("gazetteer code, e.g. CN-JL-F01"));
  c->add_option("--arrested-at", f.arrested_at,
                cw::client::tr("UTC time, e.g. 2026-11-28T14:05:00Z (default now)"));
  c->add_option("--transfer", f.expected_transfer, cw::client::tr("expected transfer, UTC time"));
  c->add_option("--urgency", f.urgency, cw::client::tr("immediate | high | normal"));
  c->add_option("--consent", f.consent, cw::client::tr("private | advocacy"));
}

}  // namespace

namespace {

// The help text is built before CLI11 parses anything, so the language is
// taken from the command line first, wherever --lang was typed (as CLI11
// itself will accept it), else from the locale.
std::string language_in(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a(argv[i]);
    if (a == "--lang" && i + 1 < argc) return argv[i + 1];
    if (a.starts_with("--lang=")) return std::string(a.substr(7));
  }
  return "";
}

// CLI11's own words (headings, value types, the usage-error line) in the
// chosen language; its detail of a usage error ("--people: 1 required ...")
// stays English, after a translated lead.
void translate_cli(CLI::App& app) {
  using cw::client::tr;
  auto f = app.get_formatter();
  f->label("Usage", tr("Usage"));
  f->label("OPTIONS", tr("OPTIONS"));
  f->label("SUBCOMMAND", tr("SUBCOMMAND"));
  f->label("SUBCOMMANDS", tr("SUBCOMMANDS"));
  f->label("REQUIRED", tr("REQUIRED"));
  f->label("Positionals", tr("Positionals"));
  f->label("Excludes", tr("Excludes"));
  f->label("TEXT", tr("TEXT"));
  f->label("UINT", tr("UINT"));
  f->label("INT", tr("INT"));
  app.option_defaults()->group(tr("Options"));
  app.set_help_flag("-h,--help", tr("Print this help message and exit"));
  if (cw::client::language() == "en") {
    cw::use_error_prefix(app);
    return;
  }
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return cw::client::trf("error (usage): the command line is not right: {1}", {e.what()}) + "\n" +
           tr("Run with --help for more information.") + "\n";
  });
}

// Each subcommand's heading in the help, below `app` (the group is set per
// subcommand in CLI11, once they all exist).
void translate_subcommand_headings(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->group(cw::client::tr("Subcommands"));
    if (CLI::Option* help = sub->get_help_ptr()) help->group(cw::client::tr("Options"));
    translate_subcommand_headings(*sub);
  }
}

// English, whatever the locale: the build writes the installed page.
cw::ManPage man_page() {
  cw::ManPage m;
  m.name = "casewire";
  m.section = 1;
  m.summary = "send case alerts; follow notifications";
  m.description =
      "casewire is the client of casewired(8). Field contacts use it to send signed, encrypted "
      "case alerts (guided, or with flags), keep them in an outbox until a signed receipt "
      "arrives, and ask how a case goes. Organisations use it to follow the anonymised feed, "
      "acknowledge and answer, open disclosures, run a local dashboard and check the case "
      "log.\n\n"
      "Messages are in English, Korean or Chinese (--lang, or the locale). The guides are "
      "/usr/share/doc/casewire/FIELD_GUIDE.md (and .ko.md, .zh.md) for contacts and "
      "/usr/share/doc/casewire/ORGANISATIONS.md for organisations.";
  m.files = {{"~/.config/casewire",
              "the client directory (or $CASEWIRE_HOME, or --home): key, "
              "invite, outbox and receipts"}};
  m.exit_status =
      "0 done (for send: delivered and the receipt verified). 1 not done: a mistake in the "
      "alert, the setup or the command line (one line \"error: CODE: ...\" on standard error). "
      "2 refused by the daemon; the alert stays in the outbox, marked refused. 3 not delivered "
      "yet, or the receipt could not be saved; kept in the outbox. 4 warning: the server's "
      "identity or its receipt did not match; kept. 70 an internal failure.";
  m.see_also = "casewired(8), casewire-keys(8)";
  return m;
}

int real_main(int argc, char** argv) {
  cw::init_crypto();
  cw::client::set_language(language_in(argc, argv));
  CLI::App app{cw::client::tr("casewire: send case alerts; follow notifications")};
  app.require_subcommand(1);
  translate_cli(app);
  // Global options work after the subcommand too: `casewire send --json`.
  app.fallthrough();
  cw::client::Globals g;
  app.add_option("--home", g.home,
                 cw::client::tr("client directory (default $CASEWIRE_HOME or ~/.config/casewire)"));
  app.add_option("--passphrase-file", g.passphrase_file,
                 cw::client::tr("read the key passphrase from this file"));
  app.add_option("--proxy", g.proxy,
                 cw::client::tr("SOCKS5 proxy, e.g. socks5h://127.0.0.1:9050 (Tor)"));
  app.add_flag("--json", g.json, cw::client::tr("machine-readable output on stdout"));
  std::string lang;
  app.add_option("--lang", lang,
                 cw::client::tr("en | ko | zh: the language of messages (default: the locale)"));
  app.add_flag(
      "--insecure-no-passphrase", g.insecure_no_passphrase,
      cw::client::tr("accept a key file stored without a passphrase (tests and demos only)"));
  int rc = 0;

  std::string new_key_out;
  bool new_key_force = false;
  auto* new_key = app.add_subcommand(
      "new-key",
      cw::client::tr("make your own key on this device (FILE and FILE.pub, for the operator)"));
  new_key->add_option("--out", new_key_out, cw::client::tr("secret key file"))->required();
  new_key->add_flag("--force", new_key_force, cw::client::tr("replace existing files"));
  new_key->callback(
      [&] { rc = cw::client::cmd_new_key(g, new_key_out, new_key_force, std::cout, std::cerr); });

  std::string invite, key;
  bool force = false;
  auto* init = app.add_subcommand("init", cw::client::tr("set up this device from an invite"));
  init->add_option("--invite", invite, cw::client::tr("invite file from the operator"))->required();
  init->add_option("--key", key,
                   cw::client::tr("your secret key file (omit to only deliver carried files)"));
  init->add_flag("--force", force, cw::client::tr("replace an existing setup"));
  init->callback([&] { rc = cw::client::cmd_init(g, invite, key, force, std::cout, std::cerr); });

  cw::client::AlertFlags send_flags;
  auto* send = app.add_subcommand("send", cw::client::tr("seal, send and get a signed receipt"));
  add_alert_flags(send, send_flags);
  send->callback([&] { rc = cw::client::cmd_send(g, send_flags, std::cout, std::cerr); });

  cw::client::AlertFlags export_flags;
  std::string export_out;
  auto* exp = app.add_subcommand(
      "export", cw::client::tr("seal an alert into a file someone else can carry"));
  add_alert_flags(exp, export_flags);
  exp->add_option("-o,--out", export_out, cw::client::tr("envelope file (.cwe)"))->required();
  exp->callback(
      [&] { rc = cw::client::cmd_export(g, export_flags, export_out, std::cout, std::cerr); });

  std::string deliver_file;
  std::vector<std::string> servers;
  auto* del = app.add_subcommand("deliver",
                                 cw::client::tr("deliver a carried envelope file (needs no key)"));
  del->add_option("FILE", deliver_file, cw::client::tr("envelope file (.cwe)"))->required();
  del->add_option("--server", servers, cw::client::tr("daemon URL (default: the invite's)"));
  del->callback(
      [&] { rc = cw::client::cmd_deliver(g, deliver_file, servers, std::cout, std::cerr); });

  bool watch = false;
  auto* outbox = app.add_subcommand("outbox", cw::client::tr("alerts not yet receipted"));
  outbox->require_subcommand(1);
  outbox->add_subcommand("list", cw::client::tr("one line per queued alert (never content)"))
      ->callback([&] { rc = cw::client::cmd_outbox_list(g, std::cout, std::cerr); });
  auto* flush =
      outbox->add_subcommand("flush", cw::client::tr("try to deliver every queued alert"));
  flush->add_flag("--watch", watch,
                  cw::client::tr("keep trying, with backoff, until all are delivered"));
  flush->callback([&] { rc = cw::client::cmd_outbox_flush(g, watch, std::cout, std::cerr); });
  std::string drop_id;
  bool drop_yes = false;
  auto* drop = outbox->add_subcommand(
      "drop", cw::client::tr("remove one alert from the outbox (asks first)"));
  drop->add_option("ID", drop_id, cw::client::tr("the alert id shown by 'casewire outbox list'"))
      ->required();
  drop->add_flag("--yes", drop_yes, cw::client::tr("do not ask for confirmation"));
  drop->callback([&] {
    rc = cw::client::cmd_outbox_drop(g, drop_id, drop_yes, std::cin, std::cout, std::cerr);
  });

  app.add_subcommand("receipts",
                     cw::client::tr("verified receipts: proof of delivery, case references"))
      ->callback([&] { rc = cw::client::cmd_receipts(g, std::cout, std::cerr); });

  bool wipe_yes = false;
  auto* wipe = app.add_subcommand(
      "wipe", cw::client::tr("destroy this device's key, queued alerts and receipts"));
  wipe->add_flag("--yes", wipe_yes, cw::client::tr("do not ask for confirmation"));
  wipe->callback([&] { rc = cw::client::cmd_wipe(g, wipe_yes, std::cout, std::cerr); });

  cw::client::FeedOptions feed_opts;
  auto* feed = app.add_subcommand(
      "feed", cw::client::tr("organisations: stream, verify and print notifications"));
  feed->add_option("--key", feed_opts.key,
                   cw::client::tr("organisation key file (default: the one set up by init)"));
  feed->add_option("--count", feed_opts.count,
                   cw::client::tr("exit after this many notifications"));
  feed->add_flag("--pull", feed_opts.pull,
                 cw::client::tr("page through what is waiting, then exit (no streaming)"));
  feed->add_flag("--from-start", feed_opts.from_start, cw::client::tr("ignore the saved position"));
  feed->callback([&] { rc = cw::client::cmd_feed(g, feed_opts, std::cout, std::cerr); });

  std::string ack_key;
  std::uint64_t ack_id = 0;
  auto* ack = app.add_subcommand(
      "ack", cw::client::tr("organisations: say you are acting on a notification's case"));
  ack->add_option("ID", ack_id, cw::client::tr("notification id (the # in the feed)"))->required();
  ack->add_option("--key", ack_key, cw::client::tr("organisation key file"));
  ack->callback([&] { rc = cw::client::cmd_ack(g, ack_key, ack_id, std::cout, std::cerr); });

  std::string secret_key, secret_file;
  auto* webhook_secret = app.add_subcommand(
      "webhook-secret",
      cw::client::tr(
          "organisations: open the webhook secret the operator sealed to your key, print it"));
  webhook_secret->add_option("FILE", secret_file, cw::client::tr("the .webhook-secret file"))
      ->required();
  webhook_secret->add_option(
      "--key", secret_key,
      cw::client::tr("organisation key file (default: the one set up by init)"));
  webhook_secret->callback([&] {
    rc = cw::client::cmd_webhook_secret(g, secret_key, secret_file, std::cout, std::cerr);
  });

  app.add_subcommand(
         "update-invite",
         cw::client::tr("after the operator rotated the daemon's keys: fetch and apply the signed "
                        "update (send and flush do it by themselves)"))
      ->callback([&] { rc = cw::client::cmd_update_invite(g, std::cout, std::cerr); });

  app.add_subcommand(
         "doctor",
         cw::client::tr(
             "when something fails: check the setup, key, outbox, proxy, daemon and clock"))
      ->callback([&] { rc = cw::client::cmd_doctor(g, std::cout, std::cerr); });

  cw::client::PlacesOptions places;
  auto* gazetteer = app.add_subcommand(
      "gazetteer",
      cw::client::tr(
          "places you can report, by name in English, Chinese or Korean, with their codes"));
  gazetteer->add_option("SEARCH", places.search,
                        cw::client::tr("a place name in any language, or a code"));
  gazetteer->add_option("--lang", places.lang,
                        cw::client::tr("en | zh | ko (names shown in this language)"));
  gazetteer->add_flag("--update", places.update,
                      cw::client::tr("fetch the daemon's newest signed gazetteer first"));
  gazetteer->add_option("--key", places.key,
                        cw::client::tr("key file (default: the one set up by init)"));
  gazetteer->callback([&] { rc = cw::client::cmd_gazetteer(g, places, std::cout, std::cerr); });

  std::string disclosure_key, disclosure_file;
  auto* open_disc = app.add_subcommand(
      "open-disclosure",
      cw::client::tr(
          "organisations: open a case's details the operator disclosed to you, and print them"));
  open_disc->add_option("FILE", disclosure_file, cw::client::tr("the .disclosure file"))
      ->required();
  open_disc->add_option("--key", disclosure_key,
                        cw::client::tr("organisation key file (default: the one set up by init)"));
  open_disc->callback([&] {
    rc = cw::client::cmd_open_disclosure(g, disclosure_key, disclosure_file, std::cout, std::cerr);
  });

  std::string answer_key, cannot_act, need_info;
  std::uint64_t answer_id = 0;
  auto* answer = app.add_subcommand(
      "answer",
      cw::client::tr("organisations: say you cannot act on a case, or what you need to know"));
  answer->add_option("ID", answer_id, cw::client::tr("notification id (the # in the feed)"))
      ->required();
  auto* o_cannot =
      answer->add_option("--cannot-act", cannot_act,
                         cw::client::tr("why: outside_region | outside_mandate | no_capacity"));
  auto* o_need = answer->add_option(
      "--need-info", need_info,
      cw::client::tr("what: expected_transfer | held_place | arrested_at | people"));
  o_cannot->excludes(o_need);
  answer->add_option("--key", answer_key, cw::client::tr("organisation key file"));
  answer->callback([&] {
    if (o_cannot->count() + o_need->count() != 1) {
      std::cerr << cw::client::tr("error: usage: give --cannot-act REASON or --need-info WHAT")
                << "\n";
      rc = 1;  // a usage error, as CLI11 reports them
      return;
    }
    rc = o_cannot->count() ? cw::client::cmd_answer(g, answer_key, answer_id, "cannot_act",
                                                    cannot_act, std::cout, std::cerr)
                           : cw::client::cmd_answer(g, answer_key, answer_id, "need_information",
                                                    need_info, std::cout, std::cerr);
  });

  cw::client::DashboardOptions dash;
  auto* dashboard = app.add_subcommand(
      "dashboard",
      cw::client::tr("organisations: the cases in your browser - serves a page on this computer "
                     "and prints its address"));
  dashboard->add_option("--key", dash.key,
                        cw::client::tr("organisation key file (default: the one set up by init)"));
  dashboard->add_option(
      "--listen", dash.listen,
      cw::client::tr("HOST:PORT to serve on (default 127.0.0.1 and a free port)"));
  dashboard->add_flag("--allow-remote", dash.allow_remote,
                      cw::client::tr("listen beyond loopback: only behind your own TLS proxy"));
  dashboard->add_option("--public-origin", dash.public_origin,
                        cw::client::tr("with --allow-remote: your proxy's address, e.g. "
                                       "https://dashboard.example.org"));
  dashboard->callback([&] { rc = cw::client::cmd_dashboard(g, dash, std::cout, std::cerr); });

  cw::client::ReportOptions rep;
  auto* report = app.add_subcommand(
      "report", cw::client::tr("organisations: monthly counts from your own feed history, fit to "
                               "publish (no count below the threshold)"));
  report->add_option("--from", rep.from, cw::client::tr("first month, YYYY-MM"))->required();
  report->add_option("--to", rep.to, cw::client::tr("last month, YYYY-MM"))->required();
  report->add_option("--format", rep.format, cw::client::tr("csv | svg"));
  report->add_option("-o,--out", rep.out,
                     cw::client::tr("file to write (new; default: standard output)"));
  report->add_option("--threshold", rep.threshold,
                     cw::client::tr("smallest count shown (default 5, never below 3)"));
  report->add_option("--key", rep.key,
                     cw::client::tr("organisation key file (default: the one set up by init)"));
  report->callback([&] { rc = cw::client::cmd_report(g, rep, std::cout, std::cerr); });

  cw::client::VerifyLogOptions vlog;
  auto* verify_log = app.add_subcommand(
      "verify-log", cw::client::tr("check that the daemon's log still holds every alert you have a "
                                   "receipt for, and only grew"));
  verify_log->add_option("--key", vlog.key,
                         cw::client::tr("key file (default: the one set up by init)"));
  verify_log->add_option("--compare", vlog.compare,
                         cw::client::tr("another organisation's head (their verify-log --json "
                                        "output): is it the same log?"));
  verify_log->callback([&] { rc = cw::client::cmd_verify_log(g, vlog, std::cout, std::cerr); });

  std::string status_key, status_case;
  auto* status = app.add_subcommand(
      "status", cw::client::tr("contacts: is anyone acting on a case you reported?"));
  status
      ->add_option("CASE", status_case,
                   cw::client::tr("the case's alert id (see 'casewire receipts')"))
      ->required();
  status->add_option("--key", status_key, cw::client::tr("contact key file"));
  status->callback(
      [&] { rc = cw::client::cmd_status(g, status_key, status_case, std::cout, std::cerr); });

  translate_subcommand_headings(app);
  app.parse_complete_callback([&] { cw::client::set_language(lang); });
  if (cw::wants_man_page(argc, argv)) {
    cw::write_man_page(app, man_page(), std::cout);
    return 0;
  }
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
