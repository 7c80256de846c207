// Issue 9 §11: passphrases are never silently truncated, CASEWIRE_PASSPHRASE
// does not stay in the environment, and an unencrypted key file is refused
// unless the program was told, explicitly, to accept one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "protocol/file_io.h"
#include "protocol/key_file.h"
#include "tests/support/temp_dir.h"

namespace cw {
namespace {

TEST(Passphrase, AnOverLongPassphraseFileIsAnErrorNotTruncated) {
  test::TempDir d;
  const std::string exact(kMaxPassphrase, 'p'), over(kMaxPassphrase + 1, 'p');
  ASSERT_TRUE(write_file_atomic(d / "ok", as_bytes(exact + "\n"), 0600, Overwrite::yes).ok());
  ASSERT_TRUE(write_file_atomic(d / "long", as_bytes(over + "\n"), 0600, Overwrite::yes).ok());
  auto ok = PassphraseSource{d / "ok"}.get("", false);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->size(), kMaxPassphrase);
  auto long_one = PassphraseSource{d / "long"}.get("", false);
  ASSERT_FALSE(long_one.ok()) << "a longer passphrase must not be cut to 1024 bytes";
  EXPECT_EQ(long_one.code(), Errc::no_passphrase);
  EXPECT_NE(long_one.error().message.find("longer than"), std::string::npos);
}

TEST(Passphrase, TheEnvironmentVariableIsWipedAndRemovedOnceRead) {
  static char entry[] = "CASEWIRE_PASSPHRASE=correct-horse-battery";
  char* value = entry + std::strlen("CASEWIRE_PASSPHRASE=");
  ASSERT_EQ(::putenv(entry), 0);
  auto p = PassphraseSource{}.get("", false);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(std::string(as_chars(p->view())), "correct-horse-battery");
  EXPECT_EQ(std::getenv("CASEWIRE_PASSPHRASE"), nullptr) << "removed from the environment";
  for (std::size_t i = 0; i < std::strlen("correct-horse-battery"); ++i)
    EXPECT_EQ(value[i], '\0') << "the bytes the environment held are wiped";
}

TEST(Passphrase, AnOverLongEnvironmentPassphraseIsAnError) {
  ASSERT_EQ(::setenv("CASEWIRE_PASSPHRASE", std::string(kMaxPassphrase + 1, 'x').c_str(), 1), 0);
  EXPECT_EQ(PassphraseSource{}.get("", false).code(), Errc::no_passphrase);
  EXPECT_EQ(std::getenv("CASEWIRE_PASSPHRASE"), nullptr);
}

TEST(KeyFilePolicy, AnUnencryptedKeyFileOpensOnlyWhenExplicitlyAllowed) {
  auto text = seal_identity(Identity::generate(Role::contact), nullptr);
  ASSERT_TRUE(text.ok());
  ASSERT_TRUE(identity_file_is_insecure(*text));
  auto refused = open_identity_file(*text, PassphraseSource{}, "");
  EXPECT_EQ(refused.code(), Errc::bad_key_file);
  EXPECT_NE(refused.error().message.find("WITHOUT a passphrase"), std::string::npos);
  EXPECT_TRUE(open_identity_file(*text, PassphraseSource{"", true}, "").ok());
}

}  // namespace
}  // namespace cw
