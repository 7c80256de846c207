// libcasewire's C API as an app developer calls it, in process: the
// termination and out-parameter rules docs/LIBCASEWIRE.md states, each
// checked. (tests/e2e/libcasewire_test.cc drives the same library from C
// against a real daemon.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/casewire.h"
#include "protocol/envelope.h"
#include "protocol/invite.h"
#include "protocol/keys.h"
#include "protocol/receipt.h"
#include "protocol/signed_payload.h"

namespace cw {
namespace {

class CApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(cw_init(), CW_OK);
    Invite inv;
    inv.urls = {"https://127.0.0.1:8443"};
    inv.tls_pin = "sha256/" + std::string(43, 'A') + "=";
    inv.daemon_sign = daemon_.public_key();
    inv.daemon_box = BoxKey::generate().public_key();
    const std::string json = invite_to_json(inv);
    ASSERT_EQ(cw_invite_parse(json.data(), json.size(), &invite_), CW_OK);
  }
  void TearDown() override { cw_invite_free(invite_); }

  cw_status open(const std::string& signed_json, char* buf, size_t cap, size_t* len) {
    return cw_notification_open(signed_json.data(), signed_json.size(), invite_, buf, cap, len);
  }

  SigningKey daemon_ = SigningKey::generate();
  cw_invite* invite_ = nullptr;
};

TEST_F(CApi, ANotificationsPayloadIsNulTerminatedWhenThereIsRoomAndItsLengthIsGivenFirst) {
  const std::string payload = R"({"id":7,"event":"new_case"})";
  const std::string signed_json = sign_payload(daemon_, kNotificationDomain, payload);
  size_t len = 0;
  EXPECT_EQ(open(signed_json, nullptr, 0, &len), CW_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, payload.size()) << "the length is given before any buffer";
  // A buffer of exactly the payload's length (what ABI 1 documented) is
  // filled, with no NUL and nothing written past it.
  std::vector<char> exact(len + 1, 'x');
  ASSERT_EQ(open(signed_json, exact.data(), len, &len), CW_OK);
  EXPECT_EQ(std::string(exact.data(), len), payload);
  EXPECT_EQ(exact[len], 'x') << "nothing written past the capacity given";
  std::vector<char> buf(len + 1, 'x');
  ASSERT_EQ(open(signed_json, buf.data(), buf.size(), &len), CW_OK);
  EXPECT_EQ(len, payload.size());
  EXPECT_EQ(buf[len], '\0');
  EXPECT_EQ(std::string(buf.data()), payload);

  // A webhook body: the Standard Webhooks payload around it.
  const std::string webhook =
      R"({"type":"casewire.notification","timestamp":"2026-12-07T15:00:00Z","data":)" +
      signed_json + "}";
  std::vector<char> again(payload.size() + 1, 'x');
  ASSERT_EQ(open(webhook, again.data(), again.size(), &len), CW_OK);
  EXPECT_EQ(std::string(again.data()), payload);
}

TEST_F(CApi, ANotificationNotSignedByTheInvitesDaemonIsRefusedAndNothingIsWritten) {
  const std::string forged =
      sign_payload(SigningKey::generate(), kNotificationDomain, R"({"id":7})");
  std::vector<char> buf(64, 'x');
  size_t len = 99;
  EXPECT_EQ(open(forged, buf.data(), buf.size(), &len), CW_ERR_BAD_SIGNATURE);
  EXPECT_EQ(len, 99u) << "untouched";
  EXPECT_EQ(buf[0], 'x');
  // Signed by the daemon, but for another purpose (a status answer).
  const std::string status = sign_payload(daemon_, kStatusDomain, R"({"id":7})");
  EXPECT_EQ(open(status, buf.data(), buf.size(), &len), CW_ERR_BAD_SIGNATURE);
  EXPECT_EQ(cw_notification_open(nullptr, 0, invite_, buf.data(), buf.size(), &len),
            CW_ERR_INVALID_ARGUMENT);
}

// An app may insist on the case log: cw_receipt_verify_logged refuses a
// receipt, however well signed, that commits the daemon to no log entry.
TEST_F(CApi, AnAppCanRefuseAReceiptThatPromisesNoCaseLogEntry) {
  const std::vector<std::uint8_t> envelope(64, 0x5a);
  const auto hash = envelope_hash(ByteView(envelope.data(), envelope.size()));
  AlertId id{};
  id.fill(7);
  const std::int64_t at = 1795000000;
  auto verify = [&](const Receipt& r, bool logged) {
    const std::string json = receipt_to_json(r);
    return logged ? cw_receipt_verify_logged(json.data(), json.size(), invite_, id.data(),
                                             envelope.data(), envelope.size())
                  : cw_receipt_verify(json.data(), json.size(), invite_, id.data(), envelope.data(),
                                      envelope.size());
  };
  ReceiptLogPromise promise;
  promise.leaf.fill(3);
  promise.include_by = at + 3600;
  const Receipt promised = sign_receipt(daemon_, id, hash, at, 1, std::nullopt, promise);
  EXPECT_EQ(verify(promised, false), CW_OK);
  EXPECT_EQ(verify(promised, true), CW_OK) << "a v3 leaf with its bounded promise";
  const Receipt bare = sign_receipt(daemon_, id, hash, at, 1);
  EXPECT_EQ(verify(bare, false), CW_OK) << "cw_receipt_verify, as in ABI 1";
  EXPECT_EQ(verify(bare, true), CW_ERR_BAD_RECEIPT) << "no leaf, no place: nothing to check later";
  const Receipt other =
      sign_receipt(SigningKey::generate(), id, hash, at, 1, std::nullopt, promise);
  EXPECT_EQ(verify(other, true), CW_ERR_BAD_RECEIPT) << "not the invite's daemon";
}

}  // namespace
}  // namespace cw
