#include "stats/report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>

#include "protocol/gazetteer.h"

namespace cw::stats {
namespace {

bool is_month(const std::string& m) {
  return m.size() == 7 && m[4] == '-' &&
         std::all_of(m.begin(), m.begin() + 4, [](char c) { return c >= '0' && c <= '9'; }) &&
         m[5] >= '0' && m[5] <= '1' && m[6] >= '0' && m[6] <= '9' && m.substr(5) >= "01" &&
         m.substr(5) <= "12";
}

std::string next_month(const std::string& m) {
  int y = std::stoi(m.substr(0, 4)), mo = std::stoi(m.substr(5, 2)) + 1;
  if (mo == 13) {
    mo = 1;
    ++y;
  }
  std::string out = std::to_string(y);
  out = std::string(4 - std::min<std::size_t>(4, out.size()), '0') + out;
  return out + (mo < 10 ? "-0" : "-") + std::to_string(mo);
}

// The least a bucket can hold ("2-4" -> 2, "10+" -> 10, "" -> 0).
std::uint32_t at_least(const std::string& bucket) {
  if (bucket.empty()) return 0;
  std::uint32_t n = 0;
  for (char c : bucket) {
    if (c < '0' || c > '9') break;
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return n;
}

Outcome outcome_of(const CaseFacts& f) {
  if (f.status == "returned") return Outcome::returned;
  if (f.status == "released") return Outcome::released;
  return Outcome::unknown;  // detained, transferred, or not said: no outcome yet
}

std::string region_name(const std::string& code) {
  auto p = find_place(code);
  return p ? p->names.en : code;
}

// RFC 4180: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string xml_text(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else if (c == '"')
      o += "&quot;";
    else
      o += c;
  }
  return o;
}

// The floor holds for every number, not only the count of cases: "1 child"
// in a cell of 7 cases points at a family as surely as 1 case would.
bool below_floor(std::uint32_t n, std::uint32_t k) {
  return n > 0 && n < k;
}

// A total counts a value only where the cell shows it.
void add(Total& t, const Cell& c, std::uint32_t k) {
  if (c.hidden) {
    t.complete = false;  // counted nowhere: a total never includes a hidden cell
    return;
  }
  t.cases += c.cases;
  for (auto [value, sum] : {std::pair{c.people, &t.people}, std::pair{c.children, &t.children},
                            std::pair{c.elderly, &t.elderly}}) {
    if (below_floor(value, k))
      t.complete = false;
    else
      *sum += value;
  }
}

}  // namespace

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::returned:
      return "returned";
    case Outcome::released:
      return "released";
    case Outcome::unknown:
      return "unknown";
  }
  return "unknown";
}

Result<Report> build_report(std::span<const CaseSummary> cases, const ReportOptions& options) {
  if (!is_month(options.from) || !is_month(options.to) || options.from > options.to)
    return make_error(Errc::bad_request, "--from and --to must be months, YYYY-MM, from <= to");
  if (options.k < kMinK)
    return make_error(Errc::bad_request, "the threshold may not be below " + std::to_string(kMinK) +
                                             ": smaller counts can point at one family");
  Report r;
  r.options = options;
  for (std::string m = options.from; m <= options.to; m = next_month(m)) {
    r.months.push_back(m);
    if (r.months.size() > 1200) return make_error(Errc::bad_request, "at most 100 years");
  }
  std::map<std::tuple<std::string, std::string, Outcome>, Cell> cells;
  for (const auto& c : cases) {
    if (c.state == "retracted") continue;  // the reporter said it was wrong
    const std::string& when = c.facts.arrested_at.empty() ? c.opened : c.facts.arrested_at;
    if (when.size() < 7) continue;
    const std::string month = when.substr(0, 7);
    if (month < options.from || month > options.to) continue;
    const Outcome o = outcome_of(c.facts);
    const std::string region = c.facts.region.empty() ? "unknown" : c.facts.region;
    Cell& cell = cells[{month, region, o}];
    cell.month = month;
    cell.region = region;
    cell.outcome = o;
    cell.cases++;
    cell.people += at_least(c.facts.people);
    cell.children += at_least(c.facts.children);
    cell.elderly += at_least(c.facts.elderly);
  }
  std::map<std::string, Total> by_month;
  for (const auto& m : r.months) by_month[m].month = m;
  for (auto& [key, cell] : cells) {
    cell.hidden = cell.cases < options.k;
    add(by_month[cell.month], cell, options.k);
    add(r.total, cell, options.k);
    r.cells.push_back(cell);
  }
  for (const auto& m : r.months) r.month_totals.push_back(by_month[m]);
  return r;
}

std::string report_csv(const Report& r) {
  const std::string hidden = "<" + std::to_string(r.options.k);
  auto num = [&](bool hide, std::uint32_t n) {
    return hide || below_floor(n, r.options.k) ? hidden : std::to_string(n);
  };
  std::ostringstream o;
  o << "# casewire report " << r.options.from << " to " << r.options.to
    << ": cases by month of arrest, region and outcome, from anonymised records\n"
    << "# people, children and elderly are at least these (records keep them in buckets)\n"
    << "# a cell with fewer than " << r.options.k << " cases shows " << hidden
    << " throughout, and any other number from 1 to " << r.options.k - 1 << " shows " << hidden
    << "; totals count only the numbers shown (complete=no: some are hidden) - "
       "docs/STATISTICS.md\n"
    << "month,region,region_name,outcome,cases,people_at_least,children_at_least,elderly_at_least,"
       "complete\n";
  auto total_row = [&](const Total& t, const std::string& month) {
    o << month << ",all,all,all," << t.cases << "," << t.people << "," << t.children << ","
      << t.elderly << "," << (t.complete ? "yes" : "no") << "\n";
  };
  for (const auto& m : r.months) {
    for (const auto& c : r.cells) {
      if (c.month != m) continue;
      o << c.month << "," << csv_field(c.region) << "," << csv_field(region_name(c.region)) << ","
        << to_string(c.outcome) << "," << num(c.hidden, c.cases) << "," << num(c.hidden, c.people)
        << "," << num(c.hidden, c.children) << "," << num(c.hidden, c.elderly) << ",yes\n";
    }
    for (const auto& t : r.month_totals)
      if (t.month == m) total_row(t, m);
  }
  total_row(r.total, "all");
  return o.str();
}

std::string report_svg(const Report& r) {
  // Cases per month, stacked by outcome, from the cells shown (the same
  // numbers as the totals: a hidden cell is in no bar either).
  constexpr int kW = 760, kH = 420, kLeft = 56, kRight = 160, kTop = 64, kBottom = 72;
  const int plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  const Outcome outcomes[] = {Outcome::returned, Outcome::released, Outcome::unknown};
  const char* colours[] = {"#a51d2d", "#26a269", "#77767b"};
  const char* labels[] = {"returned", "released", "outcome not known yet"};
  std::map<std::string, std::array<std::uint32_t, 3>> bars;
  std::uint32_t hidden_cells = 0, top = 0;
  for (const auto& c : r.cells) {
    if (c.hidden) {
      ++hidden_cells;
      continue;
    }
    bars[c.month][static_cast<std::size_t>(c.outcome)] += c.cases;
  }
  for (const auto& t : r.month_totals) top = std::max(top, t.cases);
  top = std::max<std::uint32_t>(top, 1);
  std::ostringstream o;
  o << R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" << kW << " " << kH
    << R"(" width=")" << kW << R"(" height=")" << kH
    << R"(" font-family="sans-serif" font-size="12" role="img">)"
    << "\n";
  o << R"(<title>Cases by month of arrest and outcome, )" << r.options.from << " to "
    << r.options.to << "</title>\n";
  o << R"(<rect width="100%" height="100%" fill="#ffffff"/>)"
    << "\n";
  o << R"(<text x=")" << kLeft << R"(" y="28" font-size="17" font-weight="bold">)"
    << "Cases by month of arrest and outcome, " << r.options.from << " to " << r.options.to
    << "</text>\n";
  o << R"(<text x=")" << kLeft << R"(" y="48" fill="#444">)" << r.total.cases
    << " cases shown, at least " << r.total.people << " people (" << r.total.children
    << " children, " << r.total.elderly << " elderly)</text>\n";
  // Axis and grid.
  for (int i = 0; i <= 4; ++i) {
    const double v = top * i / 4.0;
    const int y = kTop + plot_h - static_cast<int>(plot_h * i / 4.0);
    o << R"(<line x1=")" << kLeft << R"(" x2=")" << kLeft + plot_w << R"(" y1=")" << y
      << R"(" y2=")" << y << R"(" stroke="#ddd"/>)"
      << R"(<text x=")" << kLeft - 6 << R"(" y=")" << y + 4 << R"(" text-anchor="end" fill="#444">)"
      << std::lround(v) << "</text>\n";
  }
  const double slot = static_cast<double>(plot_w) / std::max<std::size_t>(r.months.size(), 1);
  const double bw = std::min(48.0, slot * 0.7);
  for (std::size_t i = 0; i < r.months.size(); ++i) {
    const auto& m = r.months[i];
    const double x = kLeft + slot * i + (slot - bw) / 2;
    double y = kTop + plot_h;
    if (auto it = bars.find(m); it != bars.end()) {
      for (std::size_t k = 0; k < 3; ++k) {
        const std::uint32_t n = it->second[k];
        if (!n) continue;
        const double h = plot_h * static_cast<double>(n) / top;
        y -= h;
        o << R"(<rect x=")" << x << R"(" y=")" << y << R"(" width=")" << bw << R"(" height=")" << h
          << R"(" fill=")" << colours[k] << R"("><title>)" << m << " " << labels[k] << ": " << n
          << "</title></rect>\n";
      }
    }
    o << R"(<text x=")" << x + bw / 2 << R"(" y=")" << kTop + plot_h + 16
      << R"(" text-anchor="middle" fill="#444">)" << m << "</text>\n";
  }
  for (std::size_t k = 0; k < 3; ++k) {
    const int y = kTop + 10 + static_cast<int>(k) * 22;
    o << R"(<rect x=")" << kW - kRight + 16 << R"(" y=")" << y - 10
      << R"(" width="12" height="12" fill=")" << colours[k] << R"("/>)"
      << R"(<text x=")" << kW - kRight + 34 << R"(" y=")" << y << R"(">)"
      << xml_text(labels[static_cast<std::size_t>(outcomes[k])]) << "</text>\n";
  }
  o << R"(<text x=")" << kLeft << R"(" y=")" << kH - 30 << R"(" fill="#444">)"
    << "Counts of fewer than " << r.options.k << " cases are not shown (" << hidden_cells
    << " such groups of month, region and outcome); people are counted as at least.</text>\n";
  o << R"(<text x=")" << kLeft << R"(" y=")" << kH - 12 << R"(" fill="#444">)"
    << "Source: casewire, anonymised case records. Method: docs/STATISTICS.md.</text>\n";
  o << "</svg>\n";
  return o.str();
}

}  // namespace cw::stats
