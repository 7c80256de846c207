// casewire report (organisations): the advocacy statistics of
// docs/STATISTICS.md from this organisation's own feed history - only the
// cases the daemon sent it, every notification verified - with the same
// privacy floor as casewired report (stats/report.h).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "client/commands.h"

namespace cw::client {

struct ReportOptions {
  std::string key;              // organisation key file (default: the home's)
  std::string from, to;         // YYYY-MM
  std::string format = "csv";   // csv | svg
  std::string out;              // file (new); empty = stdout
  std::uint32_t threshold = 5;  // never below 3
};

int cmd_report(const Globals& g, const ReportOptions& o, std::ostream& out, std::ostream& err);

}  // namespace cw::client
