// The anonymiser is where a name could leak to every organisation at once.
// These tests tie its rules to the schema and prove with canaries that no
// restricted field reaches a notification, JSON or CAP.
#include "daemon/anon/anonymiser.h"

#include <gtest/gtest.h>

#include <set>

#include "daemon/delivery/cap.h"
#include "tests/support/fixtures.h"

namespace cw::daemon {
namespace {

constexpr std::int64_t kNow = 1795000000;

TEST(Anonymiser, HasARuleForExactlyTheNonRestrictedSchemaFields) {
  std::set<std::string_view> rules(anonymiser_rule_paths().begin(), anonymiser_rule_paths().end());
  std::set<std::string_view> allowed;
  for (const auto& f : alert_fields())
    if (f.classification != Classification::restricted) allowed.insert(f.path);
  EXPECT_EQ(rules, allowed)
      << "every public/generalised field needs a rule, and no restricted field may have one";
}

TEST(Anonymiser, NoRestrictedCanaryReachesFactsNotificationOrCap) {
  auto a = test::sample_alert(kNow);
  auto facts = anonymise(a);
  auto body =
      encode_notification(make_notification(facts, "new_case", 7, std::string(32, 'a'), 0, kNow));
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto cap = to_cap_xml(*decode_notification(*body), "0011223344556677");
  for (const char* c : test::kAllCanaries) {
    EXPECT_EQ(facts.to_json().find(c), std::string::npos) << c;
    EXPECT_EQ(body->find(c), std::string::npos) << c;
    EXPECT_EQ(cap.find(c), std::string::npos) << c;
  }
}

TEST(Anonymiser, GeneralisesPlacesCountsAndTimes) {
  auto a = test::sample_alert(kNow);
  a.arrest_place = Place{"CN-JL-F02", "x"};  // a facility as the place of arrest...
  a.people = People{7, 3, 1, 0};
  a.arrested_at = 1795001234;
  auto f = anonymise(a);
  EXPECT_EQ(f.region, "CN-JL") << "...is reported only as its region";
  EXPECT_EQ(f.held_at, "CN-JL-F01") << "where people are held stays a facility";
  EXPECT_EQ(f.people, "5-9");
  EXPECT_EQ(f.children, "2-4");
  EXPECT_EQ(f.elderly, "1");
  EXPECT_EQ(f.sick, "0");
  EXPECT_EQ(f.arrested_at, "2026-11-18T11:00:00Z");
  EXPECT_EQ(f.urgency, "immediate");
  EXPECT_EQ(f.consent, "advocacy");
}

// Where people are held is kept only when it is a known facility. A
// division (a city, a county: it can name a village a family hid in) or a
// code the gazetteer does not know is reported as its region, or not at all.
TEST(Anonymiser, AHeldPlaceThatIsNoFacilityIsReportedOnlyAsItsRegion) {
  auto a = test::sample_alert(kNow);
  a.held_place = Place{"CN-LN-210600", "x"};  // Dandong, a prefecture
  EXPECT_EQ(anonymise(a).held_at, "CN-LN");
  a.held_place = Place{"CN-LN-210624", "x"};  // Kuandian, a county inside it
  EXPECT_EQ(anonymise(a).held_at, "CN-LN") << "a nested division: still only the region";
  a.held_place = Place{"CN-LN", "x"};
  EXPECT_EQ(anonymise(a).held_at, "CN-LN");
  a.held_place = Place{"CN-LN-999999", "x"};  // not in the gazetteer
  EXPECT_EQ(anonymise(a).held_at.find("999999"), std::string::npos);
}

TEST(Anonymiser, CountBuckets) {
  EXPECT_EQ(count_bucket(0), "0");
  EXPECT_EQ(count_bucket(1), "1");
  EXPECT_EQ(count_bucket(2), "2-4");
  EXPECT_EQ(count_bucket(4), "2-4");
  EXPECT_EQ(count_bucket(5), "5-9");
  EXPECT_EQ(count_bucket(10), "10+");
  EXPECT_EQ(count_bucket(500), "10+");
}

TEST(Anonymiser, FollowUpsMergeIntoTheCase) {
  CaseFacts c = anonymise(test::sample_alert(kNow));
  Alert upd;
  upd.kind = AlertKind::update;
  upd.status = CaseStatus::transferred;
  upd.held_place = Place{"CN-LN-F01", "somewhere"};
  c.merge_from(anonymise(upd));
  EXPECT_EQ(c.status, "transferred");
  EXPECT_EQ(c.held_at, "CN-LN-F01");
  EXPECT_EQ(c.region, "CN-JL") << "unchanged facts stay";
  EXPECT_EQ(*CaseFacts::from_json(c.to_json()), c);
  EXPECT_EQ(CaseFacts::from_json("not json").code(), Errc::store_unavailable)
      << "damaged facts are an error";
  EXPECT_EQ(CaseFacts::from_json(R"({"region":5})").code(), Errc::store_unavailable);
}

}  // namespace
}  // namespace cw::daemon
