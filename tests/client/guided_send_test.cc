// The guided send's dialogue, driven through streams: what a contact types,
// what alert comes out, and that stopping sends nothing.
#include "client/guided_send.h"

#include <gtest/gtest.h>

#include <sstream>

namespace cw::client {
namespace {

struct Dialogue {
  std::istringstream in;
  std::ostringstream out;
  GuidedInput io;
  explicit Dialogue(const std::string& typed, std::vector<StoredReceipt> cases = {})
      : in(typed), io{in, out, Gazetteer::builtin(), std::move(cases), 1795000000} {}
};

TEST(GuidedSend, ANewCaseWithPlacesFoundByTheirKoreanAndChineseNames) {
  Dialogue d(
      "1\n"           // a new arrest
      "6\n3\n\n1\n"   // 6 people, 3 children, elderly 0 (Enter), 1 sick
      "투먼\n1\n"     // arrested in Tumen (Korean name), first match
      "图们\n2\n"     // held: the Chinese name, second match (the detention centre)
      "\n\n"          // arrested now; transfer unknown
      "1\n1\n"        // immediate; private
      "Kim\nLee\n\n"  // two names
      "safe house near the market\n"
      "yes\n");
  auto a = ask_for_alert(d.io);
  ASSERT_TRUE(a.has_value()) << d.out.str();
  EXPECT_EQ(a->kind, AlertKind::new_case);
  EXPECT_EQ(a->people->count, 6u);
  EXPECT_EQ(a->people->children, 3u);
  EXPECT_EQ(a->people->elderly, 0u);
  EXPECT_EQ(a->people->sick, 1u);
  EXPECT_EQ(a->arrest_place->code, "CN-JL-222402");
  EXPECT_EQ(a->held_place->code, "CN-JL-F01");
  EXPECT_EQ(a->arrested_at, 1795000000);
  EXPECT_FALSE(a->expected_transfer.has_value());
  EXPECT_EQ(a->urgency, Urgency::immediate);
  EXPECT_EQ(a->consent, Consent::private_only);
  EXPECT_EQ(a->names, (std::vector<std::string>{"Kim", "Lee"}));
  EXPECT_EQ(a->notes, "safe house near the market");
  EXPECT_TRUE(validate_alert(*a, 1795000000).ok());
  // The summary shows the place by name and the names only as a count.
  const std::string shown = d.out.str();
  EXPECT_NE(shown.find("Tumen / 투먼시 / 图们市  (CN-JL-222402)"), std::string::npos) << shown;
  EXPECT_NE(shown.find("names: 2 (sealed)"), std::string::npos);
  EXPECT_EQ(shown.find("Kim\n"), std::string::npos) << "names are not echoed back";
}

TEST(GuidedSend, WrongAnswersAreAskedAgainInPlainWords) {
  Dialogue d("0\n1\n2\n셋\n2\n\n\n\nAtlantis\nDandong\n1\n\n\n\n3\n2\n\n\nyes\n");
  auto a = ask_for_alert(d.io);
  ASSERT_TRUE(a.has_value()) << d.out.str();
  EXPECT_EQ(a->people->count, 2u);
  EXPECT_EQ(a->arrest_place->code, "CN-LN-210600");
  EXPECT_FALSE(a->held_place.has_value());
  EXPECT_NE(d.out.str().find("Please type a number from 1 to 1"), std::string::npos);
  EXPECT_NE(d.out.str().find("No place matches \"Atlantis\""), std::string::npos);
  EXPECT_EQ(a->people->children, 2u) << "a number typed in Korean is asked again";
}

TEST(GuidedSend, EndOfInputOrNoSendsNothing) {
  Dialogue cut("1\n4\n");  // the input ends mid-dialogue (Ctrl-D)
  EXPECT_FALSE(ask_for_alert(cut.io).has_value());
  EXPECT_NE(cut.out.str().find("nothing was sent"), std::string::npos);
  Dialogue no("1\n1\n\n\n\nTumen\n1\n\n\n\n3\n1\n\n\nno\n");
  EXPECT_FALSE(ask_for_alert(no.io).has_value());
  EXPECT_NE(no.out.str().find("Nothing was sent"), std::string::npos);
}

TEST(GuidedSend, AnUpdateIsChosenFromTheContactsOwnCases) {
  StoredReceipt mine;
  mine.case_ref.fill(0xab);
  mine.kind = "new_case";
  mine.receipt.received_at = 1794990000;
  Dialogue d("2\n1\n1\n图们\n2\n\n\nyes\n", {mine});
  auto a = ask_for_alert(d.io);
  ASSERT_TRUE(a.has_value()) << d.out.str();
  EXPECT_EQ(a->kind, AlertKind::update);
  EXPECT_EQ(a->case_ref, mine.case_ref);
  EXPECT_EQ(a->status, CaseStatus::transferred);
  EXPECT_EQ(a->held_place->code, "CN-JL-F01");
  EXPECT_NE(d.out.str().find("case abababab"), std::string::npos);
}

}  // namespace
}  // namespace cw::client
