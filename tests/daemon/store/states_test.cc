// The store's states (daemon/store/store.h): names round-trip, and text a
// damaged row might hold reads as the cautious state, never as "done".
#include <gtest/gtest.h>

#include "daemon/store/store.h"

namespace cw::daemon {
namespace {

TEST(StoreStates, NamesRoundTripAndDamagedTextReadsCautiously) {
  for (auto s : {CaseState::open, CaseState::resolved, CaseState::retracted})
    EXPECT_EQ(parse_case_state(case_state_name(s)), s);
  for (auto s : {WebhookState::ok, WebhookState::failing, WebhookState::disabled})
    EXPECT_EQ(parse_webhook_state(webhook_state_name(s)), s);
  EXPECT_EQ(case_state_name(CaseState::retracted), "retracted");
  EXPECT_EQ(parse_case_state("RESOLVED"), CaseState::open);  // still needs attention
  EXPECT_EQ(parse_webhook_state(""), WebhookState::failing);
}

TEST(StoreTimes, SecondsAndMillisecondsAreDifferentTypes) {
  static_assert(!std::is_convertible_v<UnixMillis, UnixSeconds>);
  EXPECT_EQ(seconds_of(unix_seconds(1795000000)), 1795000000);
  EXPECT_EQ(millis_of(unix_millis(1795000000123)), 1795000000123);
  // A deadline in seconds compared with a schedule in milliseconds: the
  // conversion is explicit and exact.
  EXPECT_EQ(millis_of(UnixMillis{unix_seconds(2)}), 2000);
}

}  // namespace
}  // namespace cw::daemon
