// A notification is what every subscribed organisation receives: fixed size,
// codes only, and every case fact carried across the wire.
#include "protocol/notification.h"

#include <gtest/gtest.h>

namespace cw {
namespace {

Notification full() {
  Notification n;
  n.id = 123456789012ull;
  n.event = "acknowledged";
  n.case_id = std::string(32, 'c');
  int i = 0;
  for (const auto& f : case_fact_fields()) n.facts.*(f.member) = "code-" + std::to_string(i++);
  n.acks = 4000000000u;
  n.issued_at = "2026-11-29T05:00:00Z";
  return n;
}

TEST(Notification, EveryFieldCrossesTheWire) {
  auto body = encode_notification(full());
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto back = decode_notification(*body);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, full());
}

TEST(Notification, EveryNotificationHasTheSameSize) {
  Notification tiny;
  tiny.event = "retraction";
  tiny.case_id = std::string(32, 'b');
  auto small = encode_notification(tiny);
  auto big = encode_notification(full());
  ASSERT_TRUE(small.ok() && big.ok());
  EXPECT_EQ(small->size(), kNotificationBodySize);
  EXPECT_EQ(big->size(), kNotificationBodySize);
}

TEST(Notification, RefusesToCarryAnythingButCodes) {
  for (const auto& f : case_fact_fields()) {
    Notification n = full();
    n.facts.*(f.member) = "Kim's \"house\"";
    EXPECT_FALSE(encode_notification(n).ok()) << f.key;
  }
  Notification n = full();
  n.case_id = "a b";
  EXPECT_FALSE(encode_notification(n).ok());
}

TEST(Notification, DecodingRefusesWrongSizesAndMissingFields) {
  auto body = *encode_notification(full());
  EXPECT_EQ(decode_notification(body.substr(1)).code(), Errc::bad_notification);
  std::string no_region = body;
  no_region.replace(no_region.find("\"region\""), 8, "\"regiox\"");
  EXPECT_EQ(decode_notification(no_region).code(), Errc::bad_notification);
}

}  // namespace
}  // namespace cw
