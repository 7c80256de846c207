#include "client/report.h"

#include <ostream>

#include "client/context.h"
#include "client/feed_reader.h"
#include "client/submit.h"
#include "protocol/file_io.h"
#include "stats/report.h"

namespace cw::client {

int cmd_report(const Globals& g, const ReportOptions& o, std::ostream& out, std::ostream& err) {
  if (o.format != "csv" && o.format != "svg")
    return fail(err, make_error(Errc::bad_request, "--format must be csv or svg"));
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  auto id = load_identity(g, ctx->home, o.key);
  if (!id) return fail(err, id.error());
  // The whole history, each notification verified (and opened, if sealed).
  std::vector<Notification> history;
  std::uint64_t cursor = 0;
  std::size_t dropped = 0;
  for (;;) {
    auto page = pull_page(*ctx, *id, cursor);
    if (!page) return fail(err, page.error(), kExitQueued);
    if (page->status != 200)
      return fail(err, make_error(Errc::bad_response, "HTTP " + std::to_string(page->status)), 2);
    for (const auto& item : page->items) {
      auto n = open_notification(item, ctx->invite, *id);
      if (!n) {
        ++dropped;
        continue;
      }
      cursor = std::max(cursor, n->id);
      history.push_back(std::move(*n));
    }
    if (page->items.empty()) break;
  }
  // Counted, never silently: figures built without some notifications are
  // lower than the truth, and whoever publishes them must know.
  if (dropped)
    err << "warning: " << dropped
        << " notification(s) did not verify and are not counted (tell the operator)\n";
  auto report = stats::build_report(history, {o.from, o.to, o.threshold, ""});
  if (!report) return fail(err, report.error());
  const std::string text =
      o.format == "svg" ? stats::report_svg(*report) : stats::report_csv(*report);
  if (o.out.empty()) {
    out << text;
    return kExitOk;
  }
  if (auto st = write_file_atomic(o.out, as_bytes(text), 0644, Overwrite::no); !st.ok())
    return fail(err, st.error());
  out << "wrote " << o.out << "\n";
  return kExitOk;
}

}  // namespace cw::client
