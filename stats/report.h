// Advocacy statistics with a privacy floor (docs/STATISTICS.md): monthly
// counts of cases by region and outcome, with people, children and elderly,
// from anonymised records only - and no count small enough to point at a
// family. Every cell with fewer than k cases (k >= 3, default 5) is
// published as "<k", and every total counts only the cells published, so no
// subtraction - within one report or across reports of different ranges -
// recovers a hidden cell.
//
// The daemon (casewired report) and an organisation's client (casewire
// report, from its own feed history) feed it the same way.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "protocol/case_facts.h"
#include "protocol/error.h"

namespace cw::stats {

// One case, as the anonymised record has it.
struct CaseSummary {
  std::string state;   // open | updated | resolved | retracted (retracted: not counted)
  CaseFacts facts;     // buckets, codes, hour-truncated times
  std::string opened;  // RFC 3339 (hour) the case was recorded: the month when arrested_at is ""
};

enum class Outcome { returned, released, unknown };
std::string_view to_string(Outcome o);

struct ReportOptions {
  std::string from, to;  // YYYY-MM, inclusive
  std::uint32_t k = 5;   // the privacy floor; refused below kMinK
};
inline constexpr std::uint32_t kMinK = 3;

struct Cell {
  std::string month;  // YYYY-MM
  std::string region;
  Outcome outcome = Outcome::unknown;
  // Lower bounds: records keep people in buckets (1, 2-4, 5-9, 10+), so a
  // cell can say "at least", never more exactly than the records allow.
  std::uint32_t cases = 0, people = 0, children = 0, elderly = 0;
  bool hidden = false;  // cases < k: published as "<k", counted in no total
  // (people, children or elderly from 1 to k-1 in a shown cell are hidden
  // alone, the same way, and left out of the totals too)
};

struct Total {
  std::string month;  // "" for the whole range
  std::uint32_t cases = 0, people = 0, children = 0, elderly = 0;
  bool complete = true;  // false: some cell in it is hidden (the total is a lower bound)
};

struct Report {
  ReportOptions options;
  std::vector<std::string> months;  // every month of the range, in order
  std::vector<Cell> cells;          // non-empty cells, by month, region, outcome
  std::vector<Total> month_totals;  // one per month
  Total total;                      // the range
};

// bad_request for a malformed range or k below kMinK.
Result<Report> build_report(std::span<const CaseSummary> cases, const ReportOptions& options);

// CSV (RFC 4180; '#' comment lines first say what the numbers are).
std::string report_csv(const Report& r);
// A labelled, self-contained SVG chart of cases per month by outcome (fit
// to publish: no script, no external font or image).
std::string report_svg(const Report& r);

}  // namespace cw::stats
