// Advocacy statistics with a privacy floor (docs/STATISTICS.md): monthly
// counts of case events by region - new cases (with people, children and
// elderly), releases, returns, retractions - from anonymised notifications
// only, and no count small enough to point at a family.
//
// The guarantee rests on three rules, each against one way of subtracting:
//  - every event is counted in the month it was RECORDED, and only complete
//    months are reported: a published month never changes, so a report of
//    the same range made later is the same report (counting cases by their
//    current outcome let "6 detained" become "5 detained" after one return);
//  - every cell with fewer than k events (k >= 3, default 5) is "<k", any
//    other number from 1 to k-1 too, and every total counts only what is
//    shown: no total minus its shown parts opens a hidden one;
//  - the daemon's report is built knowing every organisation's view (what
//    each was sent), and hides a number of its own whenever it differs from
//    an organisation's same number by 1 to k-1: its report minus any
//    organisation's report never yields a small count.
//
// The daemon (casewired report) and an organisation's client (casewire
// report, its dashboard) feed it the same way: verified notifications.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "protocol/error.h"
#include "protocol/notification.h"

namespace cw::stats {

// What a row counts, each in the month it was recorded.
enum class Event {
  reported,   // a new case (people, children and elderly count here only)
  released,   // a case's status became "released"
  returned,   // a case's status became "returned" (forcibly sent back)
  retracted,  // the reporter retracted the case
};
std::string_view to_string(Event e);
inline constexpr Event kEvents[] = {Event::reported, Event::released, Event::returned,
                                    Event::retracted};

struct ReportOptions {
  std::string from, to;  // YYYY-MM, inclusive
  std::uint32_t k = 5;   // the privacy floor; refused below kMinK
  // The month the report is made in (YYYY-MM; "" = the current UTC month).
  // It and every later month are not complete yet and are not reported.
  std::string now;
};
inline constexpr std::uint32_t kMinK = 3;

struct Cell {
  std::string month;  // YYYY-MM
  std::string region;
  Event event = Event::reported;
  // Lower bounds: records keep people in buckets (1, 2-4, 5-9, 10+), so a
  // cell can say "at least", never more exactly than the records allow.
  std::uint32_t cases = 0, people = 0, children = 0, elderly = 0;
  bool hidden = false;  // published as "<k" throughout, counted in no total
  // A number hidden alone (1 to k-1 itself, or differing from another view's
  // by that much): published as "<k" and left out of the totals.
  bool people_hidden = false, children_hidden = false, elderly_hidden = false;
};

struct Total {
  std::string month;  // "" for the whole range
  Event event = Event::reported;
  std::uint32_t cases = 0, people = 0, children = 0, elderly = 0;
  bool complete = true;  // false: some number in it is hidden (the total is a lower bound)
};

struct Report {
  ReportOptions options;
  std::vector<std::string> months;  // every complete month of the range, in order
  std::string not_complete_from;    // the first month asked for that is not complete ("": none)
  std::vector<Cell> cells;          // non-empty cells, by month, region, event
  std::vector<Total> month_totals;  // one per month and event
  std::vector<Total> totals;        // one per event, the range
};

// `view`: the notifications of whoever publishes (the daemon: all of them;
// an organisation: those it was sent), verified, in any order. `others`:
// for the daemon, every organisation's view. bad_request for a malformed
// range or k below kMinK.
Result<Report> build_report(std::span<const Notification> view, const ReportOptions& options,
                            std::span<const std::vector<Notification>> others = {});

// CSV (RFC 4180; '#' comment lines first say what the numbers are).
std::string report_csv(const Report& r);
// A labelled, self-contained SVG chart of events per month (fit to publish:
// no script, no external font or image).
std::string report_svg(const Report& r);

}  // namespace cw::stats
