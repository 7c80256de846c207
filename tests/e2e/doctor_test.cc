// casewire doctor against a real daemon: each failure a contact meets -
// an unprotected key, alerts waiting because the daemon is down, a proxy
// that is not Tor, an interceptor's certificate, a clock far off - is found
// and explained in a sentence with what to do.
#include <gtest/gtest.h>

#include <cstdlib>

#include "protocol/file_io.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace cw::test {
namespace {

class Doctor : public ::testing::Test {
 protected:
  void SetUp() override {
    alice = inst.add_contact("alice");
    inst.start();
    inst.reinit_homes_on_start = false;
  }
  RunResult doctor(std::vector<std::string> extra = {}, std::vector<std::string> prefix = {}) {
    std::vector<std::string> argv = prefix;
    argv.insert(argv.end(), {bin("casewire"), "--home", alice.home});
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("doctor");
    // libfaketime is preloaded ahead of a sanitizer build's runtime.
    const std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
    return run(argv,
               {{"ASAN_OPTIONS", asan + (asan.empty() ? "" : ":") + "verify_asan_link_order=0"}});
  }
  Instance inst;
  Contact alice;
};

TEST_F(Doctor, AHealthyDeviceIsToldSoAndAKeyWithoutPassphraseIsFlagged) {
  auto r = doctor();
  EXPECT_EQ(r.status, 1) << r.out;  // test keys have no passphrase
  EXPECT_NE(r.out.find("answers with the key pinned in your invite"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("clock agrees with the daemon's"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no alert is waiting"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PROBLEM  your key has no passphrase"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 problem(s) found"), std::string::npos) << r.out;
}

TEST_F(Doctor, AlertsWaitingForADaemonThatIsDown) {
  inst.stop();
  auto sent = inst.client(alice, {"send", "--people", "1", "--arrest-place", "CN-JL", "--urgency",
                                  "high", "--consent", "private"});
  ASSERT_EQ(sent.status, 3) << sent.err;
  auto r = doctor();
  EXPECT_NE(r.out.find("1 alert(s) not delivered yet"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cannot be reached"), std::string::npos) << r.out;
  inst.start();
}

TEST_F(Doctor, AProxyThatIsNotSocks5AndAnAddressWithNothingBehindIt) {
  const std::string admin = "socks5h://127.0.0.1:" + std::to_string(inst.admin_port());
  auto http = doctor({"--proxy", admin});
  EXPECT_NE(http.out.find("SOCKS5"), std::string::npos) << http.out;
  EXPECT_NE(http.out.find("PROBLEM  the proxy at 127.0.0.1:"), std::string::npos) << http.out;
  auto nothing = doctor({"--proxy", "socks5h://127.0.0.1:1"});
  EXPECT_NE(nothing.out.find("nothing listens there"), std::string::npos) << nothing.out;
}

TEST_F(Doctor, AnInterceptorsCertificateIsNamed) {
  const std::string path = alice.home + "/invite.json";
  std::string invite(as_chars(*read_file(path)));
  const auto pin = invite.find("sha256/") + 7;
  invite[pin] = invite[pin] == 'A' ? 'B' : 'A';
  ASSERT_TRUE(write_file_atomic(path, as_bytes(invite), 0600, Overwrite::yes).ok());
  auto r = doctor();
  EXPECT_NE(r.out.find("not the one in your invite"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("intercepting"), std::string::npos) << r.out;
}

TEST_F(Doctor, AClockFarOffIsFound) {
  // The client alone runs 20 minutes fast (libfaketime); the daemon does not.
  auto r = doctor({}, {"/usr/bin/faketime", "-f", "+20m"});
  EXPECT_NE(r.out.find("seconds ahead of the daemon's"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace cw::test
