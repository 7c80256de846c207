// libcasewire from C (tests/lib/seal_and_verify.c, built against
// lib/casewire.h only): an alert sealed by the library is accepted by a real
// daemon, and the library verifies the daemon's receipt - and refuses a
// receipt for another envelope.
#include <gtest/gtest.h>

#include "protocol/file_io.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"

namespace cw::test {
namespace {

std::string c_program() {
  return std::string(CASEWIRE_BINARY_DIR) + "/tests/seal_and_verify";
}

TEST(LibCasewire, AnAlertSealedByTheCLibraryIsAcceptedAndItsReceiptVerified) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  inst.start();
  const std::string d = inst.dir();
  const std::string alert = canonical_alert(sample_alert());
  ASSERT_TRUE(write_file_atomic(d + "/alert.json", as_bytes(alert), 0600, Overwrite::no).ok());

  auto sealed = run({c_program(), "seal", inst.invite_path(), alice.key_path, d + "/alert.json",
                     d + "/alert.cwe", d + "/alert.id"});
  ASSERT_EQ(sealed.status, 0) << sealed.out << sealed.err;
  auto envelope = read_file(d + "/alert.cwe");
  ASSERT_TRUE(envelope.ok());
  EXPECT_EQ(envelope->size(), 8253u);
  for (const char* canary : kAllCanaries)
    EXPECT_EQ(std::string(as_chars(*envelope)).find(canary), std::string::npos);

  auto answer = post_alert(inst.port(), std::string(as_chars(*envelope)));
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 201) << answer->body;
  ASSERT_TRUE(
      write_file_atomic(d + "/receipt.json", as_bytes(answer->body), 0600, Overwrite::no).ok());
  auto verified = run({c_program(), "verify", inst.invite_path(), d + "/receipt.json",
                       d + "/alert.cwe", d + "/alert.id"});
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_EQ(verified.out, "ok\n");

  // The same receipt does not vouch for another envelope.
  auto other = run({c_program(), "seal", inst.invite_path(), alice.key_path, d + "/alert.json",
                    d + "/other.cwe", d + "/other.id"});
  ASSERT_EQ(other.status, 0);
  auto wrong = run({c_program(), "verify", inst.invite_path(), d + "/receipt.json",
                    d + "/other.cwe", d + "/alert.id"});
  EXPECT_EQ(wrong.status, 1);
  EXPECT_EQ(wrong.out, "bad_receipt\n");
  EXPECT_EQ(inst.count_alerts(), 1u);

  // Nor with the time its leaf is promised by moved (a receipt that would
  // excuse a daemon's late or missing leaf): the promise is signed (v3).
  std::string forged = answer->body;
  const auto at = forged.find("\"log_include_by\":");
  ASSERT_NE(at, std::string::npos) << forged;
  forged.replace(at, 17, "\"log_include_by\":9");
  ASSERT_TRUE(write_file_atomic(d + "/forged.json", as_bytes(forged), 0600, Overwrite::no).ok());
  auto refused = run({c_program(), "verify", inst.invite_path(), d + "/forged.json",
                      d + "/alert.cwe", d + "/alert.id"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.out, "bad_receipt\n");
}

TEST(LibCasewire, OnlyTheCApiIsExported) {
  auto syms = run({"/usr/bin/nm", "-D", "--defined-only",
                   std::string(CASEWIRE_BINARY_DIR) + "/lib/libcasewire.so.1"});
  ASSERT_EQ(syms.status, 0) << syms.err;
  std::istringstream in(syms.out);
  std::size_t exported = 0;
  for (std::string line; std::getline(in, line);) {
    const std::string name = line.substr(line.rfind(' ') + 1);
    if (name.rfind("CASEWIRE_1", 0) == 0) continue;  // the version nodes
    EXPECT_EQ(name.rfind("cw_", 0), 0u) << "exported: " << name;
    ++exported;
  }
  EXPECT_EQ(exported, 13u) << syms.out;  // every function in lib/casewire.h
  // A function added after the first release is versioned with its release.
  auto versioned =
      run({"/usr/bin/objdump", "-T", std::string(CASEWIRE_BINARY_DIR) + "/lib/libcasewire.so.1"});
  ASSERT_EQ(versioned.status, 0) << versioned.err;
  std::istringstream table(versioned.out);
  bool logged_in_1_1 = false, verify_in_1 = false;
  auto ends_with = [](const std::string& l, const std::string& tail) {
    return l.size() >= tail.size() && l.compare(l.size() - tail.size(), tail.size(), tail) == 0;
  };
  for (std::string line; std::getline(table, line);) {
    if (line.find("CASEWIRE_1.1") != std::string::npos &&
        ends_with(line, " cw_receipt_verify_logged"))
      logged_in_1_1 = true;
    if (line.find("CASEWIRE_1 ") != std::string::npos && ends_with(line, " cw_receipt_verify"))
      verify_in_1 = true;
  }
  EXPECT_TRUE(logged_in_1_1) << versioned.out;
  EXPECT_TRUE(verify_in_1) << "ABI 1's functions keep their node: " << versioned.out;
}

}  // namespace
}  // namespace cw::test
