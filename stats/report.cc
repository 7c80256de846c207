#include "stats/report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>

#include "protocol/gazetteer.h"
#include "protocol/timefmt.h"

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

using Key = std::tuple<std::string, std::string, Event>;  // month, region, event
struct Raw {
  std::uint32_t cases = 0, people = 0, children = 0, elderly = 0;
};

// One view's events in [from, last], each in the month it was recorded.
std::map<Key, Raw> tally(std::span<const Notification> view, const std::string& from,
                         const std::string& last) {
  std::map<std::string, std::map<std::uint64_t, const Notification*>> by_case;
  for (const auto& n : view) by_case[n.case_id].emplace(n.id, &n);
  std::map<Key, Raw> out;
  for (const auto& [id, events] : by_case) {
    std::string status;
    for (const auto& [seq, n] : events) {
      if (n->issued_at.size() < 7) continue;
      const std::string month = n->issued_at.substr(0, 7);
      const std::string region = n->facts.region.empty() ? "unknown" : n->facts.region;
      auto count = [&](Event e) -> Raw* {
        if (month < from || month > last) return nullptr;
        Raw& r = out[{month, region, e}];
        r.cases++;
        return &r;
      };
      if (n->event == "new_case") {
        if (Raw* r = count(Event::reported)) {
          r->people += at_least(n->facts.people);
          r->children += at_least(n->facts.children);
          r->elderly += at_least(n->facts.elderly);
        }
      } else if (n->event == "retraction") {
        count(Event::retracted);
      } else if (n->event == "update" || n->event == "resolved") {
        // An outcome is the event that made it so: counted once, then.
        const std::string& now = n->facts.status;
        if ((now == "released" || now == "returned") && now != status)
          count(now == "released" ? Event::released : Event::returned);
      }
      if (!n->facts.status.empty()) status = n->facts.status;
    }
  }
  return out;
}

// Hidden when it is itself 1 to k-1, or differs by 1 to k-1 from the same
// number of any other view (their difference would be a small count).
bool too_small(std::uint32_t value, std::uint32_t k, const std::vector<std::uint32_t>& others) {
  if (below_floor(value, k)) return true;
  for (auto o : others)
    if (value > o && value - o < k) return true;
  return false;
}

void add(Total& t, const Cell& c) {
  if (c.hidden) {
    t.complete = false;  // counted nowhere: a total never includes a hidden cell
    return;
  }
  t.cases += c.cases;
  for (auto [value, hidden, sum] : {std::tuple{c.people, c.people_hidden, &t.people},
                                    std::tuple{c.children, c.children_hidden, &t.children},
                                    std::tuple{c.elderly, c.elderly_hidden, &t.elderly}}) {
    if (hidden)
      t.complete = false;
    else
      *sum += value;
  }
}

std::string previous_month(const std::string& m) {
  int y = std::stoi(m.substr(0, 4)), mo = std::stoi(m.substr(5, 2)) - 1;
  if (mo == 0) {
    mo = 12;
    --y;
  }
  std::string out = std::to_string(y);
  out = std::string(4 - std::min<std::size_t>(4, out.size()), '0') + out;
  return out + (mo < 10 ? "-0" : "-") + std::to_string(mo);
}

}  // namespace

std::string_view to_string(Event e) {
  switch (e) {
    case Event::reported:
      return "new_cases";
    case Event::released:
      return "released";
    case Event::returned:
      return "returned";
    case Event::retracted:
      return "retracted";
  }
  return "new_cases";
}

Result<Report> build_report(std::span<const Notification> view, const ReportOptions& options,
                            std::span<const std::vector<Notification>> others) {
  if (!is_month(options.from) || !is_month(options.to) || options.from > options.to)
    return make_error(Errc::bad_request, "--from and --to must be months, YYYY-MM, from <= to");
  if (options.k < kMinK)
    return make_error(Errc::bad_request, "the threshold may not be below " + std::to_string(kMinK) +
                                             ": smaller counts can point at one family");
  const std::string now =
      options.now.empty() ? format_rfc3339(unix_now()).substr(0, 7) : options.now;
  if (!is_month(now)) return make_error(Errc::bad_request, "the report's month is malformed");
  Report r;
  r.options = options;
  r.options.now = now;
  // Only complete months: a month still going on would change after it
  // was published, and the change would be a count of its own.
  const std::string last = std::min(options.to, previous_month(now));
  if (options.to >= now) r.not_complete_from = std::max(options.from, now);
  for (std::string m = options.from; m <= last; m = next_month(m)) {
    r.months.push_back(m);
    if (r.months.size() > 1200) return make_error(Errc::bad_request, "at most 100 years");
  }
  const auto mine = tally(view, options.from, last);
  std::vector<std::map<Key, Raw>> theirs;
  for (const auto& o : others) theirs.push_back(tally(o, options.from, last));
  auto their = [&](const Key& key, std::uint32_t Raw::*field) {
    std::vector<std::uint32_t> v;
    for (const auto& t : theirs) {
      auto it = t.find(key);
      v.push_back(it == t.end() ? 0 : it->second.*field);
    }
    return v;
  };
  std::map<std::pair<std::string, Event>, Total> by_month;
  std::map<Event, Total> range;
  for (const auto& m : r.months)
    for (Event e : kEvents) by_month[{m, e}] = Total{m, e};
  for (Event e : kEvents) range[e] = Total{"", e};
  for (const auto& [key, raw] : mine) {
    Cell c;
    std::tie(c.month, c.region, c.event) = key;
    c.cases = raw.cases;
    c.people = raw.people;
    c.children = raw.children;
    c.elderly = raw.elderly;
    c.hidden = too_small(c.cases, options.k, their(key, &Raw::cases));
    c.people_hidden = too_small(c.people, options.k, their(key, &Raw::people));
    c.children_hidden = too_small(c.children, options.k, their(key, &Raw::children));
    c.elderly_hidden = too_small(c.elderly, options.k, their(key, &Raw::elderly));
    add(by_month[{c.month, c.event}], c);
    add(range[c.event], c);
    r.cells.push_back(c);
  }
  for (const auto& m : r.months)
    for (Event e : kEvents) r.month_totals.push_back(by_month[{m, e}]);
  for (Event e : kEvents) r.totals.push_back(range[e]);
  return r;
}

std::string report_csv(const Report& r) {
  const std::string hidden = "<" + std::to_string(r.options.k);
  auto num = [&](bool hide, std::uint32_t n) { return hide ? hidden : std::to_string(n); };
  std::ostringstream o;
  o << "# casewire report " << r.options.from << " to " << r.options.to
    << ": events by the month they were recorded, region and kind, from anonymised "
       "notifications\n";
  if (!r.not_complete_from.empty())
    o << "# " << r.not_complete_from
      << " and later are not complete yet and are not reported (a published month never "
         "changes)\n";
  o << "# people, children and elderly (new cases only) are at least these (records keep them "
       "in buckets)\n"
    << "# a cell with fewer than " << r.options.k << " events shows " << hidden
    << " throughout, and any other number that could point at fewer than " << r.options.k
    << " cases shows " << hidden
    << "; totals count only the numbers shown (complete=no: some are hidden) - "
       "docs/STATISTICS.md\n"
    << "month,region,region_name,event,cases,people_at_least,children_at_least,elderly_at_least,"
       "complete\n";
  auto people = [&](const auto& x, bool hide_all, bool hp, bool hc, bool he) {
    if (x.event != Event::reported) return std::string(",,");
    return num(hide_all || hp, x.people) + "," + num(hide_all || hc, x.children) + "," +
           num(hide_all || he, x.elderly);
  };
  auto total_row = [&](const Total& t, const std::string& month) {
    o << month << ",all,all," << to_string(t.event) << "," << t.cases << ","
      << people(t, false, false, false, false) << "," << (t.complete ? "yes" : "no") << "\n";
  };
  for (const auto& m : r.months) {
    for (const auto& c : r.cells) {
      if (c.month != m) continue;
      o << c.month << "," << csv_field(c.region) << "," << csv_field(region_name(c.region)) << ","
        << to_string(c.event) << "," << num(c.hidden, c.cases) << ","
        << people(c, c.hidden, c.people_hidden, c.children_hidden, c.elderly_hidden) << ",yes\n";
    }
    for (const auto& t : r.month_totals)
      if (t.month == m) total_row(t, m);
  }
  for (const auto& t : r.totals) total_row(t, "all");
  return o.str();
}

std::string report_svg(const Report& r) {
  // Events per month, stacked by kind, from the cells shown (the same
  // numbers as the totals: a hidden cell is in no bar either).
  constexpr int kW = 760, kH = 420, kLeft = 56, kRight = 160, kTop = 64, kBottom = 72;
  const int plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  const char* colours[] = {"#1a5fb4", "#26a269", "#a51d2d", "#77767b"};
  const char* labels[] = {"new cases", "released", "returned", "retracted"};
  std::map<std::string, std::array<std::uint32_t, 4>> bars;
  std::uint32_t hidden_cells = 0, top = 0;
  for (const auto& c : r.cells) {
    if (c.hidden) {
      ++hidden_cells;
      continue;
    }
    bars[c.month][static_cast<std::size_t>(c.event)] += c.cases;
  }
  for (const auto& [m, b] : bars) top = std::max(top, b[0] + b[1] + b[2] + b[3]);
  top = std::max<std::uint32_t>(top, 1);
  const Total& reported = r.totals.front();
  std::ostringstream o;
  o << R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" << kW << " " << kH
    << R"(" width=")" << kW << R"(" height=")" << kH
    << R"(" font-family="sans-serif" font-size="12" role="img">)"
    << "\n";
  o << R"(<title>Case events by month recorded, )" << r.options.from << " to " << r.options.to
    << "</title>\n";
  o << R"(<rect width="100%" height="100%" fill="#ffffff"/>)"
    << "\n";
  o << R"(<text x=")" << kLeft << R"(" y="28" font-size="17" font-weight="bold">)"
    << "Case events by month recorded, " << r.options.from << " to " << r.options.to << "</text>\n";
  o << R"(<text x=")" << kLeft << R"(" y="48" fill="#444">)" << reported.cases
    << " new cases shown, at least " << reported.people << " people (" << reported.children
    << " children, " << reported.elderly << " elderly)</text>\n";
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
      for (std::size_t k = 0; k < 4; ++k) {
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
  for (std::size_t k = 0; k < 4; ++k) {
    const int y = kTop + 10 + static_cast<int>(k) * 22;
    o << R"(<rect x=")" << kW - kRight + 16 << R"(" y=")" << y - 10
      << R"(" width="12" height="12" fill=")" << colours[k] << R"("/>)"
      << R"(<text x=")" << kW - kRight + 34 << R"(" y=")" << y << R"(">)" << xml_text(labels[k])
      << "</text>\n";
  }
  o << R"(<text x=")" << kLeft << R"(" y=")" << kH - 30 << R"(" fill="#444">)"
    << "Counts of fewer than " << r.options.k << " are not shown (" << hidden_cells
    << " such groups of month, region and kind); months not yet complete are not shown.</text>\n";
  o << R"(<text x=")" << kLeft << R"(" y=")" << kH - 12 << R"(" fill="#444">)"
    << "Source: casewire, anonymised notifications. Method: docs/STATISTICS.md.</text>\n";
  o << "</svg>\n";
  return o.str();
}

}  // namespace cw::stats
