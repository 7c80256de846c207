// CaseFacts is the one definition of what an organisation may learn about a
// case; these tests hold its field table to the struct and its stored form to
// itself.
#include "protocol/case_facts.h"

#include <gtest/gtest.h>

#include <set>

namespace cw {
namespace {

// Every field set to a distinct value, through the table: a member missing
// from the table would stay empty and fail the round trips below.
CaseFacts distinct_facts() {
  CaseFacts c;
  int i = 0;
  for (const auto& f : case_fact_fields()) c.*(f.member) = "v" + std::to_string(i++);
  return c;
}

TEST(CaseFacts, TheTableNamesEveryFieldOnceWithADistinctMember) {
  std::set<std::string_view> keys;
  CaseFacts c = distinct_facts();
  std::set<std::string> values;
  for (const auto& f : case_fact_fields()) {
    EXPECT_TRUE(keys.insert(f.key).second) << f.key;
    EXPECT_TRUE(values.insert(c.*(f.member)).second) << f.key << " shares a member";
  }
  EXPECT_EQ(keys.size(), 11u);
}

TEST(CaseFacts, StoredFormRoundTripsEveryField) {
  CaseFacts c = distinct_facts();
  auto back = CaseFacts::from_json(c.to_json());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
}

TEST(CaseFacts, AFollowUpChangesOnlyWhatItSays) {
  CaseFacts c = distinct_facts();
  CaseFacts update;
  update.status = "transferred";
  update.held_at = "CN-LN-F01";
  CaseFacts merged = c;
  merged.merge_from(update);
  EXPECT_EQ(merged.status, "transferred");
  EXPECT_EQ(merged.held_at, "CN-LN-F01");
  EXPECT_EQ(merged.region, c.region);
  EXPECT_EQ(merged.consent, c.consent);
  CaseFacts unchanged = c;
  unchanged.merge_from(CaseFacts{});
  EXPECT_EQ(unchanged, c) << "an empty follow-up changes nothing";
}

TEST(CaseFacts, DamagedStoredFactsAreAnErrorNotAnEmptyCase) {
  EXPECT_EQ(CaseFacts::from_json("not json").code(), Errc::store_unavailable);
  EXPECT_EQ(CaseFacts::from_json("[]").code(), Errc::store_unavailable);
  EXPECT_EQ(CaseFacts::from_json(R"({"region":5})").code(), Errc::store_unavailable);
  // A fact the case never had is simply absent (facts stored before it existed).
  auto partial = CaseFacts::from_json(R"({"region":"CN-JL"})");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->region, "CN-JL");
  EXPECT_EQ(partial->status, "");
}

}  // namespace
}  // namespace cw
