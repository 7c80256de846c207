#include "daemon/report_command.h"

#include <map>
#include <ostream>
#include <vector>

#include "daemon/store/open_store.h"
#include "protocol/file_io.h"
#include "protocol/notification.h"
#include "stats/report.h"

namespace cw::daemon {

int run_report_command(const Config& config, const ReportCommand& cmd, std::ostream& out,
                       std::ostream& err) {
  auto fail = [&](const Error& e) {
    err << "error: " << code_name(e.code) << ": " << e.message << "\n";
    return 1;
  };
  if (cmd.format != "csv" && cmd.format != "svg")
    return fail(make_error(Errc::bad_request, "--format must be csv or svg"));
  // Opening the database writes beside it (-wal, -shm): as the service's user.
  if (auto st = refuse_root_in_foreign_dir(config.keys_dir, "casewired report ..."); !st.ok())
    return fail(st.error());
  // No keys: the anonymised records are all a report reads. (A database
  // from before schema v4 must be migrated by the daemon first.)
  auto store = open_store({config.db_path, config.max_batch, nullptr, nullptr});
  if (!store) return fail(store.error());
  auto sent = (*store)->sent_notifications();
  (*store)->close();
  if (!sent) return fail(sent.error());
  // Everything the daemon recorded, and what each organisation was sent:
  // the daemon's numbers are hidden wherever one of theirs would differ by
  // a small count (stats/report.h).
  std::vector<Notification> all;
  std::map<std::string, std::vector<Notification>> by_org;
  for (const auto& s : *sent) {
    auto n = decode_notification(s.body);
    if (!n) return fail(n.error());
    for (const auto& org : s.to) by_org[org].push_back(*n);
    all.push_back(std::move(*n));
  }
  std::vector<std::vector<Notification>> views;
  for (auto& [org, v] : by_org) views.push_back(std::move(v));
  stats::ReportOptions o{cmd.from, cmd.to, cmd.threshold.value_or(config.report_threshold), ""};
  auto report = stats::build_report(all, o, views);
  if (!report) return fail(report.error());
  const std::string text =
      cmd.format == "svg" ? stats::report_svg(*report) : stats::report_csv(*report);
  if (cmd.out.empty()) {
    out << text;
    return 0;
  }
  // Meant to be published: readable by others, but never over an older file.
  if (auto st = write_file_atomic(cmd.out, as_bytes(text), 0644, Overwrite::no); !st.ok())
    return fail(st.error());
  out << "wrote " << cmd.out << " (" << report->totals.front().cases
      << " new cases shown, threshold " << o.k << ")\n";
  return 0;
}

}  // namespace cw::daemon
