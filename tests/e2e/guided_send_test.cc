// The guided send through a real pseudo-terminal against a real daemon
// (tests/e2e/guided_send_pty.py drives it with python3-pexpect): a contact
// who knows no codes reports an arrest by typing place names in Korean and
// Chinese, and Ctrl-C in the middle sends nothing and writes nothing.
#include <gtest/gtest.h>

#include "tests/support/db_reader.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace cw::test {
namespace {

RunResult dialogue(const char* mode, const Contact& c) {
  return run({"/usr/bin/python3",
              std::string(CASEWIRE_SOURCE_DIR) + "/tests/e2e/guided_send_pty.py", mode,
              bin("casewire"), c.home});
}

TEST(GuidedSendPty, AContactReportsAnArrestByPlaceNamesAndTheDaemonRecordsIt) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  inst.start();
  auto r = dialogue("full", alice);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(inst.count_alerts(), 1u);
  DbReader db(inst.db_path());
  const std::string body = db.text("SELECT body FROM notifications");
  EXPECT_NE(body.find(R"("held_at":"CN-JL-F01")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("children":"2-4")"), std::string::npos) << body;
  EXPECT_EQ(body.find("CANARY"), std::string::npos);
}

TEST(GuidedSendPty, TheSameReportInKorean) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  inst.start();
  auto r = dialogue("ko", alice);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(inst.count_alerts(), 1u);
}

TEST(GuidedSendPty, CtrlCMidDialogueSendsNothingAndLeavesNothing) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  inst.start();
  auto r = dialogue("abort", alice);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(inst.count_alerts(), 0u);
}

TEST(GuidedSendPty, FromAScriptWithNoAlertItSaysWhatIsMissingAndFails) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  inst.start();
  auto r = inst.client(alice, {"send"});  // stdin and stdout are not a terminal
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no alert given"), std::string::npos) << r.err;
  EXPECT_EQ(inst.count_alerts(), 0u);
}

}  // namespace
}  // namespace cw::test
