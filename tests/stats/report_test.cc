// Advocacy statistics (stats/report.h): small counts hidden, totals that no
// subtraction can open - within a report, or between reports of different
// ranges - and the numbers the records really allow.
#include "stats/report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace cw::stats {
namespace {

CaseSummary a_case(const std::string& month, const std::string& region, const std::string& status,
                   const std::string& people = "2-4", const std::string& children = "1") {
  CaseSummary c;
  c.state = "open";
  c.facts.region = region;
  c.facts.status = status;
  c.facts.people = people;
  c.facts.children = children;
  c.facts.elderly = "0";
  c.facts.arrested_at = month + "-10T08:00:00Z";
  c.opened = month + "-11T00:00:00Z";
  return c;
}

std::vector<CaseSummary> n_cases(int n, const std::string& month, const std::string& region,
                                 const std::string& status) {
  return std::vector<CaseSummary>(static_cast<std::size_t>(n), a_case(month, region, status));
}

void append(std::vector<CaseSummary>& to, const std::vector<CaseSummary>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

const Cell* cell(const Report& r, const std::string& month, const std::string& region, Outcome o) {
  for (const auto& c : r.cells)
    if (c.month == month && c.region == region && c.outcome == o) return &c;
  return nullptr;
}

TEST(Report, SmallCellsAreHiddenAndNoTotalCountsThem) {
  std::vector<CaseSummary> cases;
  append(cases, n_cases(7, "2026-07", "CN-JL", "returned"));
  append(cases, n_cases(2, "2026-07", "CN-JL", "released"));  // below k: hidden
  append(cases, n_cases(5, "2026-08", "CN-LN", "released"));
  auto r = build_report(cases, {"2026-07", "2026-08", 5});
  ASSERT_TRUE(r.ok());
  const Cell* hidden = cell(*r, "2026-07", "CN-JL", Outcome::released);
  ASSERT_TRUE(hidden);
  EXPECT_TRUE(hidden->hidden);
  EXPECT_FALSE(cell(*r, "2026-07", "CN-JL", Outcome::returned)->hidden);
  EXPECT_FALSE(cell(*r, "2026-08", "CN-LN", Outcome::released)->hidden) << "exactly k is shown";
  // July's total is the shown cell only, and says it is incomplete.
  EXPECT_EQ(r->month_totals[0].cases, 7u);
  EXPECT_FALSE(r->month_totals[0].complete);
  EXPECT_TRUE(r->month_totals[1].complete);
  EXPECT_EQ(r->total.cases, 12u);
  EXPECT_FALSE(r->total.complete);

  const std::string csv = report_csv(*r);
  EXPECT_NE(csv.find("2026-07,CN-JL,Jilin,released,<5,<5,<5,<5,yes"), std::string::npos) << csv;
  EXPECT_NE(csv.find("2026-07,all,all,all,7,14,7,0,no"), std::string::npos) << csv;
  EXPECT_NE(csv.find("all,all,all,all,12,24,12,0,no"), std::string::npos) << csv;
  // The hidden count (2) and the hidden people (4) appear nowhere as a
  // difference of two published numbers in July: 7 - 7 = 0.
  EXPECT_EQ(csv.find(",9,"), std::string::npos) << "no total includes the hidden cell";
}

TEST(Report, ASmallNumberInsideAShownCellIsHiddenToo) {
  // Six cases, one of them with two children: "2 children" would point at
  // that family. Hidden, and left out of the totals.
  std::vector<CaseSummary> cases = n_cases(5, "2026-07", "CN-JL", "returned");
  for (auto& c : cases) c.facts.children = "0";
  cases.push_back(a_case("2026-07", "CN-JL", "returned", "2-4", "2-4"));
  auto r = build_report(cases, {"2026-07", "2026-07", 5});
  ASSERT_TRUE(r.ok());
  const std::string csv = report_csv(*r);
  EXPECT_NE(csv.find("2026-07,CN-JL,Jilin,returned,6,12,<5,0,yes"), std::string::npos) << csv;
  EXPECT_NE(csv.find("2026-07,all,all,all,6,12,0,0,no"), std::string::npos)
      << "the total children leave the hidden 2 out: " << csv;
  EXPECT_EQ(r->total.children, 0u);
  EXPECT_FALSE(r->total.complete);
}

TEST(Report, SubtractingReportsOfDifferentRangesRevealsNoHiddenCell) {
  // An attacker asks for June-July and June alone, hoping July's hidden cell
  // falls out of (total A - total B).
  std::vector<CaseSummary> cases;
  append(cases, n_cases(6, "2026-06", "CN-JL", "returned"));
  append(cases, n_cases(3, "2026-07", "CN-JL", "returned"));  // hidden in every report
  append(cases, n_cases(8, "2026-07", "CN-LN", "released"));
  auto both = build_report(cases, {"2026-06", "2026-07", 5});
  auto june = build_report(cases, {"2026-06", "2026-06", 5});
  auto july = build_report(cases, {"2026-07", "2026-07", 5});
  ASSERT_TRUE(both.ok() && june.ok() && july.ok());
  // Every difference is made of shown cells only.
  EXPECT_EQ(both->total.cases - june->total.cases, 8u);
  EXPECT_EQ(july->total.cases, 8u);
  EXPECT_EQ(both->total.people - june->total.people, july->total.people);
  // The same cell is hidden the same way whatever the range.
  EXPECT_TRUE(cell(*both, "2026-07", "CN-JL", Outcome::returned)->hidden);
  EXPECT_TRUE(cell(*july, "2026-07", "CN-JL", Outcome::returned)->hidden);
  // And raising the threshold never shows more.
  auto strict = build_report(cases, {"2026-06", "2026-07", 7});
  EXPECT_EQ(strict->total.cases, 8u);
}

TEST(Report, PeopleAreAtLeastWhatTheBucketsAllowAndRetractionsDoNotCount) {
  std::vector<CaseSummary> cases;
  for (const char* bucket : {"1", "2-4", "5-9", "10+", ""}) {
    auto c = a_case("2026-05", "CN-JL", "detained", bucket, "0");
    cases.push_back(c);
  }
  auto retracted = a_case("2026-05", "CN-JL", "detained", "10+", "0");
  retracted.state = "retracted";
  cases.push_back(retracted);
  auto r = build_report(cases, {"2026-05", "2026-05", 5});
  ASSERT_TRUE(r.ok());
  const Cell* c = cell(*r, "2026-05", "CN-JL", Outcome::unknown);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->cases, 5u);
  EXPECT_EQ(c->people, 1u + 2u + 5u + 10u + 0u);
}

TEST(Report, TheMonthIsTheArrestsOrElseWhenTheCaseWasOpened) {
  auto c = a_case("2026-03", "CN-JL", "returned");
  c.facts.arrested_at.clear();
  c.opened = "2026-04-02T10:00:00Z";
  std::vector<CaseSummary> cases(5, c);
  auto r = build_report(cases, {"2026-03", "2026-04", 5});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(cell(*r, "2026-04", "CN-JL", Outcome::returned));
  EXPECT_FALSE(cell(*r, "2026-03", "CN-JL", Outcome::returned));
  ASSERT_EQ(r->months.size(), 2u);
}

TEST(Report, AThresholdBelowThreeAndBadRangesAreRefused) {
  std::vector<CaseSummary> none;
  EXPECT_EQ(build_report(none, {"2026-01", "2026-02", 2}).code(), Errc::bad_request);
  EXPECT_EQ(build_report(none, {"2026-13", "2026-02", 5}).code(), Errc::bad_request);
  EXPECT_EQ(build_report(none, {"2026-03", "2026-02", 5}).code(), Errc::bad_request);
  EXPECT_EQ(build_report(none, {"26-01", "2026-02", 5}).code(), Errc::bad_request);
  auto dec = build_report(none, {"2025-11", "2026-02", 3});
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->months, (std::vector<std::string>{"2025-11", "2025-12", "2026-01", "2026-02"}));
}

TEST(Report, TheSvgIsSelfContainedLabelledAndShowsOnlyShownCells) {
  std::vector<CaseSummary> cases;
  append(cases, n_cases(9, "2026-07", "CN-JL", "returned"));
  append(cases, n_cases(4, "2026-07", "CN-JL", "released"));
  auto r = build_report(cases, {"2026-07", "2026-08", 5});
  const std::string svg = report_svg(*r);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos) << "nothing external";
  EXPECT_NE(svg.find("<title>Cases by month of arrest and outcome, 2026-07 to 2026-08</title>"),
            std::string::npos);
  EXPECT_NE(svg.find("9 cases shown"), std::string::npos) << svg;
  EXPECT_NE(svg.find("2026-07 returned: 9"), std::string::npos);
  EXPECT_EQ(svg.find("released: 4"), std::string::npos) << "a hidden cell is in no bar";
  EXPECT_NE(svg.find("fewer than 5 cases are not shown (1 such"), std::string::npos);
}

}  // namespace
}  // namespace cw::stats
