// Advocacy statistics end to end: casewired report from a real daemon's
// database and casewire report from an organisation's own feed history give
// the same publishable numbers, hide the small cell in both, and carry no
// restricted value.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "protocol/file_io.h"
#include "protocol/timefmt.h"
#include "tests/support/eventually.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"

namespace cw::test {
namespace {

Alert in_region(const char* region) {
  Alert a = sample_alert();  // 4 people (2-4), 2 children (2-4), 1 elderly; no status yet
  a.arrest_place = Place{region, kCanaryDetail};
  a.held_place.reset();
  return a;
}

TEST(Report, TheDaemonAndAnOrganisationPublishTheSameNumbersAndHideTheSmallCell) {
  Instance inst;
  Contact alice = inst.add_contact("alice");
  Org ngo = inst.add_org("ngo", OrgOptions{});
  inst.start();
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(post_alert(inst.port(), std::string(as_chars(inst.seal(alice, in_region("CN-JL")))))
                  ->status,
              201);
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(post_alert(inst.port(), std::string(as_chars(inst.seal(alice, in_region("CN-LN")))))
                  ->status,
              201);
  const std::string month = format_rfc3339(unix_now()).substr(0, 7);

  // This month is not complete: nothing of it is published yet (it would
  // change before it ends, and the change would be a count of its own).
  auto early = run(
      {bin("casewired"), "--config", inst.config_path(), "report", "--from", month, "--to", month});
  ASSERT_EQ(early.status, 0) << early.err;
  EXPECT_NE(early.out.find("# " + month + " and later are not complete yet"), std::string::npos)
      << early.out;
  EXPECT_EQ(early.out.find(month + ",CN-JL"), std::string::npos) << early.out;

  // A month later (the daemon, the organisation's client and the report all
  // on a clock 35 days ahead: libfaketime), the month is complete.
  const std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  const std::map<std::string, std::string> later = {
      {"LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"},
      {"FAKETIME", "+35d"},
      {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
      {"ASAN_OPTIONS", asan + (asan.empty() ? "" : ":") + "verify_asan_link_order=0"}};
  inst.stop();
  for (const auto& [k, v] : later) inst.set_env(k, v);
  inst.start();
  auto daemon = run(
      {bin("casewired"), "--config", inst.config_path(), "report", "--from", month, "--to", month},
      later);
  ASSERT_EQ(daemon.status, 0) << daemon.err;
  EXPECT_NE(daemon.out.find(month + ",CN-JL,Jilin,new_cases,6,12,12,6,yes"), std::string::npos)
      << daemon.out;
  EXPECT_NE(daemon.out.find(month + ",CN-LN,Liaoning,new_cases,<5,<5,<5,<5,yes"), std::string::npos)
      << daemon.out;
  EXPECT_NE(daemon.out.find("all,all,all,new_cases,6,12,12,6,no"), std::string::npos)
      << "the total leaves the hidden cell out: 6, not 8";

  auto org = inst.client(ngo, {"report", "--from", month, "--to", month}, later);
  ASSERT_EQ(org.status, 0) << org.err;
  EXPECT_EQ(org.out, daemon.out) << "the organisation saw every case: the same report";

  // A threshold below 3 is refused by both; an SVG is written, never over a file.
  EXPECT_EQ(run({bin("casewired"), "--config", inst.config_path(), "report", "--from", month,
                 "--to", month, "--threshold", "2"})
                .status,
            1);
  EXPECT_EQ(inst.client(ngo, {"report", "--from", month, "--to", month, "--threshold", "1"}, later)
                .status,
            1);
  const std::string svg = inst.dir() + "/report.svg";
  auto wrote = run({bin("casewired"), "--config", inst.config_path(), "report", "--from", month,
                    "--to", month, "--format", "svg", "-o", svg},
                   later);
  ASSERT_EQ(wrote.status, 0) << wrote.err;
  const std::string text(as_chars(*read_file(svg)));
  EXPECT_NE(text.find("6 new cases shown"), std::string::npos) << text;
  EXPECT_NE(run({bin("casewired"), "--config", inst.config_path(), "report", "--from", month,
                 "--to", month, "--format", "svg", "-o", svg})
                .status,
            0);
  for (const char* canary : kAllCanaries) {
    EXPECT_EQ(daemon.out.find(canary), std::string::npos);
    EXPECT_EQ(text.find(canary), std::string::npos);
  }
}

}  // namespace
}  // namespace cw::test
