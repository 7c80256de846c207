#include "daemon/records/commands.h"

#include <ostream>

#include "daemon/daemon.h"
#include "daemon/records/case_records.h"
#include "daemon/store/open_store.h"
#include "protocol/file_io.h"
#include "protocol/timefmt.h"
#include "protocol/wiping_json.h"

namespace cw::daemon {
namespace {

int fail(std::ostream& err, const Error& e) {
  err << "error: " << code_name(e.code) << ": " << e.message << "\n";
  return 1;
}

void print_reading(const CaseReading& r, std::ostream& out) {
  out << "case " << r.case_id << " (" << r.state << "), read under audit entry " << r.audit_entry
      << "\n";
  if (r.purged) {
    out << "Its sealed details were destroyed by the retention purge; only the anonymised "
           "record remains.\n";
    return;
  }
  std::size_t i = 0;
  for (const auto& rec : r.records) {
    const auto& d = rec.details;
    out << "\n"
        << ++i << ". " << d.kind << ", sent " << format_rfc3339(d.sent_at) << ", by "
        << rec.reporter << "\n";
    print_disclosed_record(d, out);
  }
}

std::uint32_t purge_days(const Config& config, const RecordsCommand& cmd) {
  return cmd.older_than_days.value_or(config.retention_days);
}

// Counts only: no keys are opened, so no passphrase is asked for.
int dry_run_purge(const Config& config, const RecordsCommand& cmd, std::ostream& out,
                  std::ostream& err) {
  const std::uint32_t days = purge_days(config, cmd);
  if (days == 0 && !cmd.older_than_days)
    return fail(err, make_error(Errc::bad_config,
                                "[retention] days = 0 keeps everything; pass --older-than DAYS"));
  auto store = open_store({config.db_path, config.max_batch, nullptr, nullptr});
  if (!store) return fail(err, store.error());
  auto counts = count_purgeable(**store, unix_now() - std::int64_t{86400} * days);
  (*store)->close();
  if (!counts) return fail(err, counts.error());
  out << "would destroy the keys of " << counts->cases << " case(s) quiet for over " << days
      << " days (" << counts->records << " sealed record(s))\n";
  return 0;
}

}  // namespace

int run_records_command(const Config& config, const RecordsCommand& typed, std::ostream& out,
                        std::ostream& err) {
  if (auto st = refuse_root_in_foreign_dir(config.keys_dir, "casewired ..."); !st.ok())
    return fail(err, st.error());
  RecordsCommand cmd = typed;
  if (cmd.kind == RecordsCommand::Kind::purge && cmd.dry_run)
    return dry_run_purge(config, cmd, out, err);
  auto loaded = load_keys_and_trust(config);
  if (!loaded) return fail(err, loaded.error());
  auto store = open_store({config.db_path, config.max_batch, nullptr, &loaded->keys});
  if (!store) return fail(err, store.error());
  CaseRecords records(**store, loaded->keys, *loaded->trust);
  const std::int64_t now = unix_now();
  int rc = 0;
  if (cmd.kind == RecordsCommand::Kind::read_case || cmd.kind == RecordsCommand::Kind::disclose) {
    auto id = resolve_case_id(**store, cmd.case_id);
    if (!id) {
      (*store)->close();
      return fail(err, id.error());
    }
    cmd.case_id = *id;
  }
  switch (cmd.kind) {
    case RecordsCommand::Kind::read_case: {
      auto r = records.read(cmd.case_id, cmd.reason, now);
      if (!r) {
        rc = fail(err, r.error());
        break;
      }
      print_reading(*r, out);
      break;
    }
    case RecordsCommand::Kind::disclose: {
      auto org = parse_key_id(cmd.org);
      if (!org) {
        rc = fail(err, make_error(Errc::bad_request, "--org must be a key id (16 hex digits)"));
        break;
      }
      auto file = records.disclose(cmd.case_id, *org, cmd.reason, now);
      if (!file) {
        rc = fail(err, file.error());
        break;
      }
      if (auto st = write_file_atomic(cmd.out, as_bytes(*file), 0600, Overwrite::no); !st.ok()) {
        rc = fail(err, st.error());
        break;
      }
      out << "wrote " << cmd.out << ": case " << cmd.case_id
          << "'s details, sealed to organisation " << cmd.org
          << ". Only its key opens it (casewire open-disclosure).\n";
      break;
    }
    case RecordsCommand::Kind::audit: {
      auto report = records.audit();
      if (!report) {
        rc = fail(err, report.error());
        break;
      }
      for (const auto& e : report->entries)
        out << e.n << "  " << format_rfc3339(e.at) << "  " << e.what << "\n";
      out << report->entries.size() << " entries, head " << to_hex(ByteView(report->head.data(), 8))
          << "\n";
      if (!report->intact)
        rc = fail(err, make_error(Errc::internal_error,
                                  "the audit trail is broken at " + report->problem));
      break;
    }
    case RecordsCommand::Kind::purge: {
      const std::uint32_t days = purge_days(config, cmd);
      if (days == 0 && !cmd.older_than_days) {
        rc = fail(err, make_error(Errc::bad_config,
                                  "[retention] days = 0 keeps everything; pass --older-than DAYS"));
        break;
      }
      auto counts = records.purge(now - std::int64_t{86400} * days, cmd.dry_run, now);
      if (!counts) {
        rc = fail(err, counts.error());
        break;
      }
      out << "destroyed the keys of " << counts->cases << " case(s) quiet for over " << days
          << " days (" << counts->records << " sealed record(s))"
          << (counts->residual.empty() ? "" : "; " + counts->residual) << "\n";
      break;
    }
  }
  (*store)->close();
  return rc;
}

}  // namespace cw::daemon
