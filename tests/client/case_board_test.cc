// The dashboard's board (client/dashboard/case_board.h): built from verified
// notifications only, each applied once, the newest facts standing, states
// from the events, and the month-by-region history for the chart.
#include "client/dashboard/case_board.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace cw::client {
namespace {

Notification note(std::uint64_t id, const std::string& event, const std::string& case_id,
                  std::uint32_t acks = 0) {
  Notification n;
  n.id = id;
  n.event = event;
  n.case_id = case_id;
  n.acks = acks;
  n.issued_at = "2026-11-29T10:00:00Z";
  n.facts.region = "CN-JL";
  n.facts.held_at = "CN-JL-F01";
  n.facts.urgency = "high";
  n.facts.arrested_at = "2026-11-28T09:00:00Z";
  return n;
}

boost::json::object board_of(const CaseBoard& b) {
  return boost::json::parse(b.snapshot_json()).as_object();
}

const std::string kCase(32, 'a'), kOther(32, 'b');

TEST(CaseBoard, ANewCaseItsNamesAndItsTimeline) {
  CaseBoard b;
  int changes = 0;
  b.on_change([&] { ++changes; });
  b.apply(note(1, "new_case", kCase));
  auto o = board_of(b);
  ASSERT_EQ(o["cases"].as_array().size(), 1u);
  const auto& c = o["cases"].as_array()[0].as_object();
  EXPECT_EQ(c.at("case").as_string(), kCase);
  EXPECT_EQ(c.at("state").as_string(), "open");
  EXPECT_EQ(c.at("held_at").as_string(), "CN-JL-F01");
  // Names from the (signed) gazetteer, in each language.
  EXPECT_EQ(c.at("held_names").as_object().at("en").as_string(), "Tumen border detention centre");
  EXPECT_FALSE(c.at("region_names").as_object().at("ko").as_string().empty());
  EXPECT_EQ(c.at("timeline").as_array().size(), 1u);
  EXPECT_TRUE(c.at("timeline").as_array()[0].as_object().at("verified").as_bool());
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(b.latest_notification(kCase), 1u);
}

TEST(CaseBoard, ARepeatChangesNothingAndTheNewestFactsStand) {
  CaseBoard b;
  b.apply(note(1, "new_case", kCase));
  auto upd = note(5, "update", kCase);
  upd.facts.status = "transferred";
  b.apply(upd);
  const auto v = b.version();
  b.apply(upd);  // the same notification again (a reconnect)
  EXPECT_EQ(b.version(), v);
  auto stale = note(3, "acknowledged", kCase, 1);  // older, arriving late
  b.apply(stale);
  const auto c = board_of(b)["cases"].as_array()[0].as_object();
  EXPECT_EQ(c.at("status").as_string(), "transferred");
  EXPECT_EQ(c.at("state").as_string(), "updated");
  const auto& tl = c.at("timeline").as_array();
  ASSERT_EQ(tl.size(), 3u);
  EXPECT_EQ(tl[0].as_object().at("id").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(tl[1].as_object().at("id").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(tl[2].as_object().at("id").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(b.latest_notification(kCase), 5u);
}

TEST(CaseBoard, StatesAcksAndOurOwnAcknowledgement) {
  CaseBoard b;
  b.apply(note(1, "new_case", kCase));
  b.apply(note(2, "acknowledged", kCase, 2));
  auto c = board_of(b)["cases"].as_array()[0].as_object();
  EXPECT_EQ(c.at("acks").as_int64(), 2);
  EXPECT_EQ(c.at("state").as_string(), "open");  // an ack does not change the state
  EXPECT_FALSE(c.at("acknowledged_by_us").as_bool());
  b.acknowledged(kCase, 3);
  c = board_of(b)["cases"].as_array()[0].as_object();
  EXPECT_TRUE(c.at("acknowledged_by_us").as_bool());
  EXPECT_EQ(c.at("acks").as_int64(), 3);
  b.apply(note(4, "retraction", kCase, 3));
  EXPECT_EQ(board_of(b)["cases"].as_array()[0].as_object().at("state").as_string(), "retracted");
  b.acknowledged(kOther, 1);  // a case this board never saw: ignored
  EXPECT_EQ(board_of(b)["cases"].as_array().size(), 1u);
  EXPECT_FALSE(b.latest_notification(kOther));
}

TEST(CaseBoard, HistoryCountsNewCasesByMonthOfArrestAndRegion) {
  CaseBoard b;
  b.apply(note(1, "new_case", kCase));
  auto other = note(2, "new_case", kOther);
  other.facts.arrested_at = "2026-10-03T02:00:00Z";
  b.apply(other);
  b.apply(note(3, "update", kCase));  // not a new case
  const auto h = board_of(b)["history"].as_array();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].as_object().at("month").as_string(), "2026-10");
  EXPECT_EQ(h[1].as_object().at("month").as_string(), "2026-11");
  EXPECT_EQ(h[1].as_object().at("count").as_int64(), 1);
  EXPECT_EQ(h[1].as_object().at("region").as_string(), "CN-JL");
}

}  // namespace
}  // namespace cw::client
