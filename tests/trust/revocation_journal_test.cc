// The revocation journal (trust/revocation_journal.h): one test per way a
// journal is refused, and what applying one does.
#include "trust/revocation_journal.h"

#include <gtest/gtest.h>

#include "protocol/file_io.h"
#include "tests/support/temp_dir.h"

namespace cw {
namespace {

KeyId id_of(std::uint8_t b) {
  KeyId k{};
  k.fill(b);
  return k;
}

class RevocationJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RevocationJournal j(signer.public_key());
    ASSERT_TRUE(j.append(path, signer, id_of(1), false, 1795000000).ok());
    ASSERT_TRUE(j.append(path, signer, id_of(2), true, 1795000100).ok());
    ASSERT_TRUE(j.append(path, signer, id_of(3), false, 1795000200).ok());
  }
  std::string text() { return std::string(as_chars(*read_file(path))); }
  void write(const std::string& t) {
    ASSERT_TRUE(write_file_atomic(path, as_bytes(t), 0600, Overwrite::yes).ok());
  }
  SigningKey signer = SigningKey::generate();
  test::TempDir tmp;
  std::string path = tmp / "revocations.journal";
};

TEST_F(RevocationJournalTest, ItRoundTripsAndAKeyIsAddedOnce) {
  auto j = RevocationJournal::load(path, &signer.public_key());
  ASSERT_TRUE(j.ok()) << j.error().message;
  ASSERT_EQ(j->entries().size(), 3u);
  EXPECT_TRUE(j->revoked(id_of(2)));
  EXPECT_TRUE(j->entries()[1].org);
  EXPECT_FALSE(j->revoked(id_of(9)));
  ASSERT_TRUE(j->append(path, signer, id_of(2), true, 1795000300).ok());
  EXPECT_EQ(RevocationJournal::load(path, &signer.public_key())->entries().size(), 3u);
}

TEST_F(RevocationJournalTest, AnEditedEntryIsRefused) {
  std::string t = text();
  const auto at = t.find("\"at\":1795000100");
  t.replace(at, 15, "\"at\":1795000101");
  write(t);
  EXPECT_EQ(RevocationJournal::load(path, &signer.public_key()).code(), Errc::bad_config);
}

TEST_F(RevocationJournalTest, ADroppedOrReorderedMiddleEntryIsRefused) {
  std::string t = text();
  std::vector<std::string> lines;
  for (std::size_t s = 0, e; (e = t.find('\n', s)) != std::string::npos; s = e + 1)
    lines.push_back(t.substr(s, e - s + 1));
  write(lines[0] + lines[1] + lines[3]);  // entry 2 gone
  EXPECT_EQ(RevocationJournal::load(path, &signer.public_key()).code(), Errc::bad_config);
  write(lines[0] + lines[2] + lines[1] + lines[3]);
  EXPECT_EQ(RevocationJournal::load(path, &signer.public_key()).code(), Errc::bad_config);
  // Cutting the end is what a signature cannot show: it loads, shorter
  // (restore compares it with the copy, the metric's drop raises an alert).
  write(lines[0] + lines[1] + lines[2]);
  auto cut = RevocationJournal::load(path, &signer.public_key());
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->entries().size(), 2u);
}

TEST_F(RevocationJournalTest, AJournalOfAnotherKeyIsRefused) {
  const SigningKey other = SigningKey::generate();
  EXPECT_EQ(RevocationJournal::load(path, &other.public_key()).code(), Errc::bad_config);
  // Re-signed whole by another key: it verifies under its own header, but
  // not as this daemon's.
  RevocationJournal forged(other.public_key());
  ASSERT_TRUE(forged.append(tmp / "forged", other, id_of(7), false, 1).ok());
  EXPECT_TRUE(RevocationJournal::load(tmp / "forged", nullptr).ok());
  EXPECT_EQ(RevocationJournal::load(tmp / "forged", &signer.public_key()).code(), Errc::bad_config);
}

TEST_F(RevocationJournalTest, APrefixIsRecognisedAndADivergenceIsNot) {
  auto full = *RevocationJournal::load(path, &signer.public_key());
  std::string t = text();
  write(t.substr(0, t.rfind('\n', t.size() - 2) + 1));  // without entry 3
  auto shorter = *RevocationJournal::load(path, &signer.public_key());
  EXPECT_TRUE(shorter.is_prefix_of(full));
  EXPECT_FALSE(full.is_prefix_of(shorter));
  ASSERT_TRUE(shorter.append(tmp / "diverged", signer, id_of(4), false, 5).ok());
  EXPECT_FALSE(shorter.is_prefix_of(full));
  EXPECT_FALSE(full.is_prefix_of(shorter));
}

TEST_F(RevocationJournalTest, ApplyRevokesByKeyIdWhateverTheRoleNow) {
  auto j = *RevocationJournal::load(path, &signer.public_key());
  TrustStore ts;
  // Key 1 was journalled as a contact's; here it is an organisation's.
  OrgEntry org;
  org.key.kind = KeyKind::sign;
  const SigningKey k1 = SigningKey::generate();
  org.key = k1.public_key();
  org.name = "x";
  ASSERT_TRUE(ts.add_org(std::move(org)).ok());
  RevocationJournal j2(signer.public_key());
  ASSERT_TRUE(j2.append(tmp / "j2", signer, k1.public_key().id(), false, 1).ok());
  EXPECT_EQ(j2.apply(ts), 1u);
  EXPECT_TRUE(ts.find_org(k1.public_key().id())->revoked);
  EXPECT_EQ(j2.apply(ts), 0u) << "already revoked";
  EXPECT_EQ(j.apply(ts), 0u) << "keys the store does not know are left";
}

}  // namespace
}  // namespace cw
