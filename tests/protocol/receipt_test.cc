#include "protocol/receipt.h"

#include <gtest/gtest.h>

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

TEST_F(ReceiptTest, MalformedJsonIsRefused) {
  for (const char* bad : {"", "{}", "[]", R"({"alert_id":"zz"})"})
    EXPECT_EQ(receipt_from_json(bad).code(), Errc::bad_receipt) << bad;
}

}  // namespace
}  // namespace cw
