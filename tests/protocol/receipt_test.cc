#include "protocol/receipt.h"

#include <gtest/gtest.h>

#include "protocol/case_log.h"

namespace cw {
namespace {

class ReceiptTest : public ::testing::Test {
 protected:
  SigningKey daemon = SigningKey::from_seed(Bytes(32, 0x66));
  AlertId id = *parse_alert_id("00112233445566778899aabbccddeeff");
  std::array<std::uint8_t, 32> hash{};
  Receipt r = sign_receipt(daemon, id, hash, 1795000000, 42);
};

TEST_F(ReceiptTest, VerifiesWithTheDaemonKey) {
  EXPECT_TRUE(verify_receipt(r, daemon.public_key()).ok());
}

TEST_F(ReceiptTest, IsDeterministicSoARepeatIsByteIdentical) {
  EXPECT_EQ(receipt_to_json(r), receipt_to_json(sign_receipt(daemon, id, hash, 1795000000, 42)));
}

TEST_F(ReceiptTest, JsonRoundTrips) {
  auto back = receipt_from_json(receipt_to_json(r));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(verify_receipt(*back, daemon.public_key()).ok());
  EXPECT_EQ(back->sequence, 42u);
  EXPECT_EQ(back->alert_id, id);
}

TEST_F(ReceiptTest, EveryBoundFieldIsChecked) {
  auto t = r;
  t.sequence++;
  EXPECT_EQ(verify_receipt(t, daemon.public_key()).code(), Errc::bad_receipt);
  t = r;
  t.received_at++;
  EXPECT_EQ(verify_receipt(t, daemon.public_key()).code(), Errc::bad_receipt);
  t = r;
  t.alert_id[0] ^= 1;
  EXPECT_EQ(verify_receipt(t, daemon.public_key()).code(), Errc::bad_receipt);
  t = r;
  t.envelope_hash[31] ^= 1;
  EXPECT_EQ(verify_receipt(t, daemon.public_key()).code(), Errc::bad_receipt);
  t = r;
  t.signature[0] ^= 1;
  EXPECT_EQ(verify_receipt(t, daemon.public_key()).code(), Errc::bad_receipt);
}

TEST_F(ReceiptTest, AnotherDaemonsKeyIsRefused) {
  auto other = SigningKey::from_seed(Bytes(32, 0x67));
  EXPECT_EQ(verify_receipt(r, other.public_key()).code(), Errc::bad_receipt);
}

// Claim (a receipt's promise is bounded): a daemon's signature on a promise
// is not enough. One promising its log entry further off than two windows
// (or before the alert arrived) would keep a device's verify-log saying
// "waiting" instead of "withheld" for as long as it liked: refused.
TEST_F(ReceiptTest, APromiseOutsideTheProtocolsWindowIsRefusedThoughSigned) {
  auto with_promise = [&](std::int64_t include_by) {
    ReceiptLogPromise p;
    p.leaf.fill(0x42);
    p.include_by = include_by;
    return sign_receipt(daemon, id, hash, 1795000000, 42, std::nullopt, p);
  };
  EXPECT_TRUE(verify_receipt(with_promise(log_include_by(1795000000, kLogWindowSeconds)),
                             daemon.public_key())
                  .ok());
  EXPECT_TRUE(
      verify_receipt(with_promise(1795000000 + kLogMaxPromiseSeconds), daemon.public_key()).ok());
  for (std::int64_t bad : {std::int64_t{1795000000} + kLogMaxPromiseSeconds + 1,
                           std::int64_t{1795000000} + 365 * 86400, std::int64_t{1795000000},
                           std::int64_t{1794990000}}) {
    auto st = verify_receipt(with_promise(bad), daemon.public_key());
    EXPECT_EQ(st.code(), Errc::bad_receipt) << bad;
  }
}

// What a device concludes of a promise its log does not hold: the daemon's
// head signed after the promise is proof; the device's clock long past it,
// with only older heads shown, is "overdue"; otherwise the leaf waits.
TEST(LogPromise, AHeadPastThePromiseIsProofAndAClockLongPastItIsOverdue) {
  const std::int64_t by = 1795007200;
  EXPECT_EQ(judge_promise(by, by + 1, by + 2), PromiseVerdict::broken);
  EXPECT_EQ(judge_promise(by, by + 1, by - 99999), PromiseVerdict::broken)
      << "the daemon's word, whatever the device's clock says";
  EXPECT_EQ(judge_promise(by, by - 10, by - 5), PromiseVerdict::waiting);
  EXPECT_EQ(judge_promise(by, by - 10, by + kLogPromiseClockSlackSeconds), PromiseVerdict::waiting)
      << "a clock a few minutes fast does not cry wolf";
  EXPECT_EQ(judge_promise(by, by - 10, by + kLogPromiseClockSlackSeconds + 1),
            PromiseVerdict::overdue);
  EXPECT_EQ(judge_promise(by, by - 86400, by + 86400 * 30), PromiseVerdict::overdue)
      << "a daemon that stops signing new heads cannot keep an alert waiting for ever";
}

TEST_F(ReceiptTest, MalformedJsonIsRefused) {
  for (const char* bad : {"", "{}", "[]", R"({"alert_id":"zz"})"})
    EXPECT_EQ(receipt_from_json(bad).code(), Errc::bad_receipt) << bad;
}

}  // namespace
}  // namespace cw
