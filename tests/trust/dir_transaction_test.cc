// Several files replaced as one (trust/dir_transaction.h): committed, all
// are in place; interrupted before the commit point, none changed; after it,
// finishing completes the rest, however far installing had gone.
#include "trust/dir_transaction.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "protocol/file_io.h"
#include "tests/support/temp_dir.h"

namespace cw {
namespace {

std::string content(const std::string& path) {
  auto b = read_file(path);
  return b ? std::string(as_chars(*b)) : std::string("<missing>");
}

class DirTransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        write_file_atomic(dir + "/a", as_bytes(std::string_view("old a")), 0600, Overwrite::yes)
            .ok());
    ASSERT_TRUE(
        write_file_atomic(dir + "/gone", as_bytes(std::string_view("x")), 0600, Overwrite::yes)
            .ok());
  }
  DirTransaction staged() {
    auto t = DirTransaction::begin(dir, "t");
    EXPECT_TRUE(t.ok());
    EXPECT_TRUE(t->stage("a", as_bytes(std::string_view("new a")), 0600).ok());
    EXPECT_TRUE(t->stage("b", as_bytes(std::string_view("new b")), 0644).ok());
    t->remove("gone");
    return std::move(*t);
  }
  test::TempDir tmp;
  std::string dir = tmp.path();
};

TEST_F(DirTransactionTest, ACommitInstallsEveryFileAndLeavesNothingPending) {
  auto t = staged();
  EXPECT_EQ(pending_state(dir, "t"), PendingState::uncommitted);
  EXPECT_EQ(content(dir + "/a"), "old a") << "nothing changes before the commit";
  ASSERT_TRUE(t.commit().ok());
  EXPECT_EQ(content(dir + "/a"), "new a");
  EXPECT_EQ(content(dir + "/b"), "new b");
  EXPECT_FALSE(file_exists(dir + "/gone"));
  EXPECT_EQ(pending_state(dir, "t"), PendingState::none);
}

TEST_F(DirTransactionTest, AnInterruptionBeforeTheCommitIsDiscarded) {
  { auto t = staged(); }  // the process dies: nothing more happens
  EXPECT_EQ(pending_state(dir, "t"), PendingState::uncommitted);
  EXPECT_EQ(DirTransaction::begin(dir, "t").code(), Errc::file_exists)
      << "never overlaid on an interrupted one";
  auto f = finish_pending(dir, "t");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, Finished::discarded);
  EXPECT_EQ(content(dir + "/a"), "old a");
  EXPECT_FALSE(file_exists(dir + "/b"));
  EXPECT_TRUE(file_exists(dir + "/gone"));
  EXPECT_EQ(pending_state(dir, "t"), PendingState::none);
}

TEST_F(DirTransactionTest, AnInterruptionAfterTheCommitIsCompletedFromWhereItStopped) {
  auto t = staged();
  // The commit point, written as commit() writes it, then a crash after the
  // first file was moved into place.
  const std::string staging = pending_dir(dir, "t");
  ASSERT_TRUE(write_file_atomic(staging + "/COMMIT",
                                as_bytes(std::string_view("install a\ninstall b\nremove gone\n")),
                                0600, Overwrite::no)
                  .ok());
  std::filesystem::rename(staging + "/a", dir + "/a");
  EXPECT_EQ(pending_state(dir, "t"), PendingState::committed);
  auto f = finish_pending(dir, "t");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(*f, Finished::completed);
  EXPECT_EQ(content(dir + "/a"), "new a");
  EXPECT_EQ(content(dir + "/b"), "new b");
  EXPECT_FALSE(file_exists(dir + "/gone"));
  EXPECT_EQ(pending_state(dir, "t"), PendingState::none);
  // Finishing again is a no-op.
  EXPECT_EQ(*finish_pending(dir, "t"), Finished::nothing_pending);
}

TEST_F(DirTransactionTest, AManifestNamingFilesOutsideTheDirectoryIsRefused) {
  auto t = staged();
  const std::string staging = pending_dir(dir, "t");
  ASSERT_TRUE(write_file_atomic(staging + "/COMMIT",
                                as_bytes(std::string_view("remove ../../etc/passwd\n")), 0600,
                                Overwrite::no)
                  .ok());
  EXPECT_EQ(finish_pending(dir, "t").code(), Errc::bad_config);
  EXPECT_EQ(t.stage("../x", as_bytes(std::string_view("x")), 0600).code(), Errc::bad_request);
}

TEST_F(DirTransactionTest, DiscardingFollowsNoLinkOutOfTheDirectory) {
  // Whoever can write the directory plants links where a discard would
  // overwrite: a file elsewhere, or the whole staging folder.
  const std::string victim = tmp / "victim";
  ASSERT_TRUE(
      write_file_atomic(victim, as_bytes(std::string_view("precious")), 0600, Overwrite::yes).ok());
  {
    auto t = staged();
    std::filesystem::create_symlink(victim, pending_dir(dir, "t") + "/x");
  }
  ASSERT_TRUE(finish_pending(dir, "t").ok());
  EXPECT_EQ(content(victim), "precious");
  const std::string elsewhere = tmp / "elsewhere";
  std::filesystem::create_directory(elsewhere);
  ASSERT_TRUE(
      write_file_atomic(elsewhere + "/f", as_bytes(std::string_view("kept")), 0600, Overwrite::yes)
          .ok());
  std::filesystem::create_directory_symlink(elsewhere, pending_dir(dir, "t"));
  EXPECT_EQ(finish_pending(dir, "t").code(), Errc::bad_config);
  EXPECT_EQ(content(elsewhere + "/f"), "kept");
}

TEST_F(DirTransactionTest, AnEmptyStagingFolderIsNoTransaction) {
  // Left by a crash after the manifest went (everything installed), or
  // before anything was staged: nothing to finish, nothing to warn about.
  std::filesystem::create_directory(pending_dir(dir, "t"));
  EXPECT_EQ(pending_state(dir, "t"), PendingState::none);
  EXPECT_EQ(*finish_pending(dir, "t"), Finished::nothing_pending);
  EXPECT_FALSE(file_exists(pending_dir(dir, "t")));
  std::filesystem::create_directory(pending_dir(dir, "t"));
  EXPECT_TRUE(DirTransaction::begin(dir, "t").ok());
}

}  // namespace
}  // namespace cw
