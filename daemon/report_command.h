// casewired report: the advocacy statistics of docs/STATISTICS.md from this
// daemon's anonymised case records (stats/report.h). It reads no sealed
// detail, needs no passphrase, and publishes no count below the threshold.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "daemon/config.h"

namespace cw::daemon {

struct ReportCommand {
  std::string from, to;                    // YYYY-MM
  std::string format = "csv";              // csv | svg
  std::string out;                         // file to write; empty = stdout
  std::optional<std::uint32_t> threshold;  // else [report] threshold
};

// 0, or 1 with "error: <code>: <message>" on `err`.
int run_report_command(const Config& config, const ReportCommand& cmd, std::ostream& out,
                       std::ostream& err);

}  // namespace cw::daemon
