#include "protocol/alert.h"

#include <gtest/gtest.h>

#include "tests/support/fixtures.h"

namespace cw {
namespace {

constexpr std::int64_t kNow = 1795000000;  // 2026-11-18

TEST(Alert, SampleValidatesAndRoundTripsThroughCanonicalForm) {
  auto a = test::sample_alert(kNow);
  ASSERT_TRUE(validate_alert(a, kNow).ok());
  auto bytes = canonical_alert(a);
  auto back = parse_canonical_alert(as_bytes(bytes), kNow);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, a);
  EXPECT_EQ(canonical_alert(*back), bytes);
}

TEST(Alert, CanonicalFormHasFixedKeyOrderAndNoWhitespace) {
  Alert a;
  a.kind = AlertKind::new_case;
  a.people = People{1, 0, 0, 0};
  a.arrest_place = Place{"CN-LN", ""};
  a.arrested_at = kNow - 60;
  a.urgency = Urgency::high;
  a.consent = Consent::private_only;
  EXPECT_EQ(canonical_alert(a),
            R"({"kind":"new_case","people":{"count":1,"children":0,"elderly":0,"sick":0},)"
            R"("arrest_place":{"code":"CN-LN"},"arrested_at":"2026-11-18T11:05:40Z",)"
            R"("urgency":"high","consent":"private"})");
}

TEST(Alert, ParsesAnyFormattingButCanonicalParseRefusesIt) {
  auto a = test::sample_alert(kNow);
  auto canon = canonical_alert(a);
  std::string spaced = canon;
  spaced.insert(1, " ");
  auto lenient = parse_alert_json(spaced, kNow);
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ(*lenient, a);
  EXPECT_EQ(parse_canonical_alert(as_bytes(spaced), kNow).code(), Errc::malformed_alert);
}

TEST(Alert, UnknownFieldsAreRefused) {
  EXPECT_EQ(parse_alert_json(R"({"kind":"new_case","gps":"41.1,129.2"})", kNow).code(),
            Errc::malformed_alert);
  EXPECT_EQ(
      parse_alert_json(
          R"({"kind":"retraction","case_ref":"00112233445566778899aabbccddeeff","people":{"count":1,"x":2}})",
          kNow)
          .code(),
      Errc::malformed_alert);
}

TEST(Alert, NotJsonOrWrongTypesAreMalformed) {
  for (const char* bad : {"", "[]", "{", R"({"kind":1})", R"({"kind":"new_case","names":"x"})",
                          R"({"kind":"new_case","people":{"count":"4"}})"})
    EXPECT_EQ(parse_alert_json(bad, kNow).code(), Errc::malformed_alert) << bad;
}

struct RuleCase {
  const char* name;
  void (*mutate)(Alert&);
};

class AlertRule : public ::testing::TestWithParam<RuleCase> {};

TEST_P(AlertRule, IsEnforcedWithFieldNameAndWithoutValue) {
  auto a = test::sample_alert(kNow);
  GetParam().mutate(a);
  auto st = validate_alert(a, kNow);
  ASSERT_FALSE(st.ok()) << GetParam().name;
  EXPECT_TRUE(st.code() == Errc::invalid_alert || st.code() == Errc::alert_too_large);
  for (const char* canary : test::kAllCanaries)
    EXPECT_EQ(st.error().message.find(canary), std::string::npos) << st.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, AlertRule,
    ::testing::Values(
        RuleCase{"no people", [](Alert& a) { a.people.reset(); }},
        RuleCase{"zero people", [](Alert& a) { a.people->count = 0; }},
        RuleCase{"children exceed count", [](Alert& a) { a.people->children = 9; }},
        RuleCase{"no arrest place", [](Alert& a) { a.arrest_place.reset(); }},
        RuleCase{"unknown place code", [](Alert& a) { a.arrest_place->code = "XX-99"; }},
        RuleCase{"no arrest time", [](Alert& a) { a.arrested_at.reset(); }},
        RuleCase{"arrest in the future", [](Alert& a) { a.arrested_at = kNow + 86400; }},
        RuleCase{"no urgency", [](Alert& a) { a.urgency.reset(); }},
        RuleCase{"no consent", [](Alert& a) { a.consent.reset(); }},
        RuleCase{"new case with case_ref", [](Alert& a) { a.case_ref = AlertId{}; }},
        RuleCase{"update without case_ref",
                 [](Alert& a) {
                   a.kind = AlertKind::update;
                   a.status = CaseStatus::transferred;
                 }},
        RuleCase{"update without status",
                 [](Alert& a) {
                   a.kind = AlertKind::update;
                   a.case_ref = AlertId{};
                 }},
        RuleCase{"control character in a name", [](Alert& a) { a.names[0] += '\x07'; }},
        RuleCase{"newline in contact details", [](Alert& a) { a.contact_details += "\n"; }},
        RuleCase{"empty name", [](Alert& a) { a.names.push_back(""); }},
        RuleCase{"too many names", [](Alert& a) { a.names.assign(21, "n"); }},
        RuleCase{"notes too long", [](Alert& a) { a.notes.assign(2001, 'x'); }},
        RuleCase{"detail too long", [](Alert& a) { a.held_place->detail.assign(201, 'x'); }},
        RuleCase{"too large overall",
                 [](Alert& a) {
                   a.notes.assign(2000, '"');  // each quote escapes to two bytes
                   a.names.assign(20, std::string(128, '"'));
                 }}),
    [](const auto& param_info) {
      std::string n = param_info.param.name;
      for (auto& c : n)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

TEST(Alert, FollowUpsNeedOnlyTheirCase) {
  Alert a;
  a.kind = AlertKind::retraction;
  a.case_ref = *parse_alert_id("00112233445566778899aabbccddeeff");
  EXPECT_TRUE(validate_alert(a, kNow).ok());
  a.kind = AlertKind::update;
  a.status = CaseStatus::transferred;
  a.held_place = Place{"CN-LN-F01", ""};
  EXPECT_TRUE(validate_alert(a, kNow).ok());
}

TEST(Alert, EveryFieldHasAClassificationAndRestrictedOnesAreTheSensitiveOnes) {
  int restricted = 0;
  for (const auto& f : alert_fields()) {
    if (f.classification == Classification::restricted) ++restricted;
  }
  EXPECT_EQ(restricted, 6);  // case_ref, two details, names, contact_details, notes
}

TEST(AlertId, ParsesOnlyLowerHex32) {
  EXPECT_TRUE(parse_alert_id("00112233445566778899aabbccddeeff"));
  EXPECT_FALSE(parse_alert_id("00112233445566778899AABBCCDDEEFF"));
  EXPECT_FALSE(parse_alert_id("0011"));
  EXPECT_NE(random_alert_id(), random_alert_id());
}

}  // namespace
}  // namespace cw
