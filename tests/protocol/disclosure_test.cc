#include "protocol/disclosure.h"

#include <gtest/gtest.h>

#include "protocol/bytes.h"

namespace cw {
namespace {

class DisclosureTest : public ::testing::Test {
 protected:
  DisclosureTest() {
    d.case_id = std::string(32, 'c');
    d.org = org.sign.id();
    d.issued_at = 1795000000;
    DisclosedRecord r;
    r.kind = "new_case";
    r.sent_at = 1794990000;
    r.names = {"NAME-one", "NAME-two"};
    r.contact_details = "PHONE-1";
    r.notes = "NOTES-1";
    r.held_place_detail = "HELD-1";
    d.records.push_back(std::move(r));
  }
  Identity daemon = Identity::generate(Role::daemon);
  Identity org = Identity::generate(Role::org);
  Identity other = Identity::generate(Role::org);
  Disclosure d;
};

TEST_F(DisclosureTest, OpensOnlyWithTheOrganisationsKeyAndTheDaemonsSignature) {
  const std::string file = seal_disclosure(d, daemon.sign, org.box->public_key());
  EXPECT_EQ(file.find("NAME-one"), std::string::npos);
  auto opened = open_disclosure(file, org, daemon.sign.public_key());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->case_id, d.case_id);
  ASSERT_EQ(opened->records.size(), 1u);
  EXPECT_EQ(opened->records[0].names, d.records[0].names);
  EXPECT_EQ(opened->records[0].held_place_detail, "HELD-1");

  EXPECT_EQ(open_disclosure(file, other, daemon.sign.public_key()).code(), Errc::bad_key_file);
  const Identity impostor = Identity::generate(Role::daemon);
  EXPECT_EQ(open_disclosure(file, org, impostor.sign.public_key()).code(), Errc::bad_signature);
}

TEST_F(DisclosureTest, AFileForOneOrganisationCannotBeResealedForAnother) {
  // The operator's daemon sealed it to `other`'s box key but named `org`:
  // `other` must refuse it (it is not for them).
  const std::string file = seal_disclosure(d, daemon.sign, other.box->public_key());
  EXPECT_EQ(open_disclosure(file, other, daemon.sign.public_key()).code(), Errc::bad_key_file);
}

TEST_F(DisclosureTest, DamageIsRefused) {
  std::string file = seal_disclosure(d, daemon.sign, org.box->public_key());
  const auto at = file.rfind(' ') + 10;
  file[at] = file[at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(open_disclosure(file, org, daemon.sign.public_key()).code(), Errc::bad_key_file);
  EXPECT_EQ(open_disclosure("cwdisclosure1 x y\n", org, daemon.sign.public_key()).code(),
            Errc::bad_key_file);
  EXPECT_EQ(open_disclosure("", org, daemon.sign.public_key()).code(), Errc::bad_key_file);
}

}  // namespace
}  // namespace cw
