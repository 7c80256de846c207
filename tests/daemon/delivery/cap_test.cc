// CAP 1.2 is what organisations' existing tools import: every event must
// validate against the OASIS schema, and every body has the same length.
#include "daemon/delivery/cap.h"

#include <gtest/gtest.h>

#include "daemon/anon/anonymiser.h"
#include "protocol/file_io.h"
#include "tests/support/fixtures.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace cw::daemon {
namespace {

constexpr std::int64_t kNow = 1795000000;

TEST(Cap, OutputValidatesAgainstTheCap12SchemaForEveryEvent) {
  test::TempDir dir;
  auto facts = anonymise(test::sample_alert(kNow));
  for (const char* event :
       {"new_case", "update", "resolved", "retraction", "escalation", "acknowledged"}) {
    auto n = *decode_notification(
        *encode_notification(make_notification(facts, event, 5, std::string(32, 'd'), 1, kNow)));
    auto xml = to_cap_xml(n, "0011223344556677");
    EXPECT_EQ(xml.size(), kCapBodySize);
    ASSERT_TRUE(write_file_atomic(dir / "a.xml", as_bytes(xml), 0644, Overwrite::yes).ok());
    // tests/data/CAP-v1.2.xsd is the OASIS schema, unchanged.
    auto r =
        test::run({"/usr/bin/xmllint", "--noout", "--schema",
                   std::string(CASEWIRE_SOURCE_DIR) + "/tests/data/CAP-v1.2.xsd", dir / "a.xml"});
    EXPECT_EQ(r.status, 0) << event << ": " << r.err << "\n" << xml;
  }
}

}  // namespace
}  // namespace cw::daemon
