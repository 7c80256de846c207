// casewired: receives case alerts, records them durably, answers with signed
// receipts. See docs/OPERATOR.md.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/records/case_records.h"
#include "daemon/records/commands.h"
#include "daemon/report_command.h"
#include "daemon/store/fault_vfs.h"
#include "protocol/man_page.h"
#include "protocol/program.h"
#include "protocol/secret.h"

namespace {

cw::ManPage man_page() {
  cw::ManPage m;
  m.name = "casewired";
  m.section = 8;
  m.summary = "the casewire alert daemon";
  m.description =
      "casewired receives signed, encrypted case alerts from enrolled field contacts over TLS "
      "1.3 (directly or through Tor), verifies them against its trust store, records them "
      "durably in SQLite (WAL, fsync) or PostgreSQL, and answers with a signed receipt. It "
      "pushes anonymised notifications to subscribed organisations by webhook and streaming "
      "feed.\n\n"
      "Without a command it runs the daemon. SIGHUP re-reads the trust store and the gazetteer; "
      "SIGTERM stops it after the writes in flight are durable. Under systemd the key's "
      "passphrase comes from the credential named passphrase.\n\n"
      "The commands work on the recorded cases' sealed details and statistics; each is "
      "recorded in the audit trail where it reads anything sealed. The operator guide is "
      "/usr/share/doc/casewire/OPERATIONS.md.";
  m.files = {{"/etc/casewire/casewired.toml", "the configuration"},
             {"/etc/casewire/credentials/passphrase", "daemon.key's passphrase (root only)"},
             {"/var/lib/casewire", "keys, trust store, gazetteer and the database"}};
  m.exit_status =
      "0 on success; 1 on a configuration, key, store or usage error (one line "
      "\"error: CODE: ...\" on standard error); 70 on an internal failure.";
  m.see_also = "casewire(1), casewire-keys(8)";
  return m;
}

int real_main(int argc, char** argv) {
  cw::init_crypto();
  std::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-write is an error code, not a death
  CLI::App app{"casewired: the casewire alert daemon"};
  cw::use_error_prefix(app);
  std::string config_path;
  cw::daemon::Overrides ov;
  bool check = false;
  std::string listen, admin, db, passphrase_file;
  app.add_option("--config", config_path, "configuration file (TOML)");
  app.add_option("--listen", listen, "API address HOST:PORT (port 0 = any)");
  app.add_option("--admin-listen", admin, "admin address HOST:PORT (port 0 = any)");
  app.add_option("--db", db, "SQLite database path, or a postgresql:// URI");
  app.add_option("--passphrase-file", passphrase_file,
                 "file holding daemon.key's passphrase (- reads standard input), instead of the "
                 "configuration's passphrase_file or systemd's credential");
  app.add_flag("--check-config", check,
               "validate configuration, keys and database without changing anything, then exit");

  // Operator subcommands on sealed case details (daemon/records/commands.h).
  // fallthrough: --config and --db work after the subcommand too.
  cw::daemon::RecordsCommand records;
  bool records_chosen = false;
  std::string reasons;
  for (auto r : cw::daemon::access_reasons())
    reasons += (reasons.empty() ? "" : " | ") + std::string(r);
  auto* read_case = app.add_subcommand(
      "read-case", "print one case's sealed details (names, notes), recorded in the audit trail");
  read_case->add_option("CASE", records.case_id, "the case id organisations see")->required();
  read_case->add_option("--reason", records.reason, "why: " + reasons)->required();
  auto* disclose = app.add_subcommand(
      "disclose", "seal one case's details to one cleared organisation on the case (audit trail)");
  disclose->add_option("CASE", records.case_id, "the case id organisations see")->required();
  disclose->add_option("--org", records.org, "the organisation's key id")->required();
  disclose->add_option("--reason", records.reason, "why: " + reasons)->required();
  disclose->add_option("--out", records.out, "file to write (new)")->required();
  auto* audit = app.add_subcommand(
      "audit", "check the audit trail's chain and signatures and print every entry");
  auto* purge = app.add_subcommand(
      "purge", "destroy the keys of cases quiet for [retention] days (the daemon does it hourly)");
  purge->add_flag("--dry-run", records.dry_run, "only count what would go (never content)");
  purge->add_option("--older-than", records.older_than_days, "days, instead of [retention] days");
  using Kind = cw::daemon::RecordsCommand::Kind;
  for (auto [sub, kind] :
       {std::pair{read_case, Kind::read_case}, std::pair{disclose, Kind::disclose},
        std::pair{audit, Kind::audit}, std::pair{purge, Kind::purge}}) {
    sub->fallthrough();
    sub->callback([&records, &records_chosen, kind = kind] {
      records.kind = kind;
      records_chosen = true;
    });
  }
  // Advocacy statistics (daemon/report_command.h, docs/STATISTICS.md).
  cw::daemon::ReportCommand report;
  auto* report_cmd = app.add_subcommand(
      "report",
      "monthly counts by region and outcome, fit to publish (no count below the threshold)");
  report_cmd->add_option("--from", report.from, "first month, YYYY-MM")->required();
  report_cmd->add_option("--to", report.to, "last month, YYYY-MM")->required();
  report_cmd->add_option("--format", report.format, "csv | svg");
  report_cmd->add_option("-o,--out", report.out, "file to write (new; default: standard output)");
  report_cmd->add_option("--threshold", report.threshold,
                         "smallest count shown (default [report] threshold, 5; never below 3)");
  report_cmd->fallthrough();

  app.set_version_flag(
      "--version", std::string("casewired 0.1.0") +
                       (cw::daemon::fault::compiled_in() ? " (FAULT-INJECTION TEST BUILD)" : ""));
  if (cw::wants_man_page(argc, argv)) {
    cw::write_man_page(app, man_page(), std::cout);
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help prints and exits 0; every usage error is exit 1
  }
  if (config_path.empty()) {
    std::cerr << "error: --config is required\n";
    return 1;
  }
  if (!listen.empty()) ov.listen = listen;
  if (!admin.empty()) ov.admin_listen = admin;
  if (!db.empty()) ov.db_path = db;
  if (!passphrase_file.empty()) ov.passphrase_file = passphrase_file;

  auto config = cw::daemon::load_config(config_path, ov);
  if (!config) {
    std::cerr << "error: " << cw::code_name(config.code()) << ": " << config.error().message
              << "\n";
    return 1;
  }
  if (records_chosen)
    return cw::daemon::run_records_command(*config, records, std::cout, std::cerr);
  if (*report_cmd) return cw::daemon::run_report_command(*config, report, std::cout, std::cerr);
  if (check) {
    auto st = cw::daemon::check_config(*config, std::cerr);
    if (!st.ok()) {
      std::cerr << "error: " << cw::code_name(st.code()) << ": " << st.error().message << "\n";
      return 1;
    }
    std::cout << "configuration ok\n";
    return 0;
  }
  auto daemon = cw::daemon::Daemon::create(*config);
  if (!daemon) {
    std::cerr << "error: " << cw::code_name(daemon.code()) << ": " << daemon.error().message
              << "\n";
    return 1;
  }
  return (*daemon)->run();
}

}  // namespace

int main(int argc, char** argv) {
  return cw::guarded_main("casewired", real_main, argc, argv);
}
