// Known-answer tests: the committed vectors pin the envelope and receipt
// formats byte for byte, so a change to either cannot slip in silently.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/envelope.h"
#include "protocol/envelope_testing.h"
#include "protocol/file_io.h"
#include "protocol/receipt.h"

namespace json = boost::json;

namespace cw {
namespace {

class Vectors : public ::testing::Test {
 protected:
  void SetUp() override {
    auto text = read_file(std::string(CASEWIRE_SOURCE_DIR) + "/tests/vectors/envelope_v1.json");
    ASSERT_TRUE(text.ok());
    v = json::parse(as_chars(*text)).as_object();
  }
  Bytes hex(const char* key) { return *from_hex(std::string(v.at(key).as_string())); }
  std::string str(const char* key) { return std::string(v.at(key).as_string()); }
  json::object v;
};

TEST_F(Vectors, SealingReproducesTheCommittedWireBytes) {
  auto contact = SigningKey::from_seed(hex("contact_seed"));
  auto daemon_box = BoxKey::from_secret(hex("daemon_box_secret"));
  auto eph = BoxKey::from_secret(hex("ephemeral_secret"));
  const auto created_at = v.at("created_at").as_int64();
  auto alert = parse_canonical_alert(as_bytes(str("alert")), created_at);
  ASSERT_TRUE(alert.ok());
  auto id = *parse_alert_id(str("alert_id"));
  auto wire = testing::seal_envelope_with_ephemeral(*alert, id, created_at, contact,
                                                    daemon_box.public_key(), eph);
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(to_hex(*wire), str("wire"));
  EXPECT_EQ(key_id_hex(contact.id()), str("contact_key_id"));
  EXPECT_EQ(key_id_hex(daemon_box.id()), str("daemon_box_key_id"));
}

TEST_F(Vectors, OpeningTheCommittedWireYieldsTheAlert) {
  auto contact = SigningKey::from_seed(hex("contact_seed"));
  auto daemon_box = BoxKey::from_secret(hex("daemon_box_secret"));
  auto wire = hex("wire");
  auto opened = open_envelope(
      wire, daemon_box, [&](const KeyId&) -> Result<PublicKey> { return contact.public_key(); },
      OpenOptions{v.at("created_at").as_int64(), nullptr});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->canonical, str("alert"));
  EXPECT_EQ(to_hex(opened->alert_id), str("alert_id"));
  EXPECT_EQ(to_hex(envelope_hash(wire)), str("envelope_hash"));
}

TEST_F(Vectors, ReceiptBytesAndSignatureMatch) {
  auto daemon = SigningKey::from_seed(hex("daemon_sign_seed"));
  std::array<std::uint8_t, 32> h{};
  auto hb = hex("envelope_hash");
  std::copy(hb.begin(), hb.end(), h.begin());
  auto r = sign_receipt(daemon, *parse_alert_id(str("alert_id")), h,
                        v.at("receipt_received_at").as_int64(),
                        static_cast<std::uint64_t>(v.at("receipt_sequence").as_int64()));
  EXPECT_EQ(to_hex(receipt_signed_bytes(r)), str("receipt_signed_bytes"));
  EXPECT_EQ(to_hex(r.signature), str("receipt_signature"));
  EXPECT_EQ(receipt_to_json(r), str("receipt_json"));
}

}  // namespace
}  // namespace cw
