#include "protocol/bytes.h"

#include <gtest/gtest.h>

namespace cw {
namespace {

TEST(Hex, RoundTripsAndRejectsOddOrNonHex) {
  Bytes b{0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0001abff");
  EXPECT_EQ(from_hex("0001abff"), b);
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
}

TEST(Hex, EmptyInputIsEmptyOutput) {
  auto b = from_hex("");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->empty());
  EXPECT_EQ(to_hex(Bytes{}), "");
}

TEST(Base64, IsStrict) {
  Bytes b{'h', 'i', '!'};
  EXPECT_EQ(to_base64(b), "aGkh");
  EXPECT_EQ(from_base64("aGkh"), b);
  EXPECT_FALSE(from_base64("aGk"));     // missing padding
  EXPECT_FALSE(from_base64("aGkh\n"));  // trailing whitespace
  EXPECT_FALSE(from_base64("aGl="));    // non-canonical trailing bits ("hi" is aGk=)
  EXPECT_TRUE(from_base64("aGk="));
}

TEST(ByteReader, FailsOnShortReadAndStaysFailed) {
  Bytes b{1, 2, 3};
  ByteReader r(b);
  EXPECT_EQ(r.u16(), 0x0102);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0);
  EXPECT_FALSE(r.ok());
}

TEST(ByteWriter, WritesBigEndian) {
  ByteWriter w;
  w.u8(1).u16(0x0203).u32(0x04050607).u64(0x08090a0b0c0d0e0fULL);
  EXPECT_EQ(to_hex(w.bytes()), "0102030405060708090a0b0c0d0e0f");
}

}  // namespace
}  // namespace cw
