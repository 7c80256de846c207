// Backup and restore (keys/backup.h) against a running daemon: the backup is
// taken online, only the offline backup key opens it, it survives no
// tampering, restore goes only into an empty directory, and the restored
// daemon answers a repeat of an alert from before the backup with the
// byte-identical receipt.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "protocol/file_io.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"
#include "tests/support/seized.h"

namespace cw::test {
namespace {

using namespace std::chrono_literals;

std::string str(const Bytes& b) {
  return std::string(as_chars(b));
}

RunResult keys_tool(std::vector<std::string> args) {
  args.insert(args.begin(), bin("casewire-keys"));
  return run(args);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

class Backup : public ::testing::Test {
 protected:
  void SetUp() override {
    alice = inst.add_contact("alice");
    inst.start();
    backup_key = inst.dir() + "/offline/backup.key";
    ASSERT_EQ(::mkdir((inst.dir() + "/offline").c_str(), 0700), 0);
    auto made = keys_tool({"new-backup-key", "--out", backup_key, "--insecure-no-passphrase"});
    ASSERT_EQ(made.status, 0) << made.err;
    // An alert recorded before the backup: its envelope and receipt are kept.
    before_envelope = str(inst.seal(alice, sample_alert()));
    auto r = post_alert(inst.port(), before_envelope);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201);
    before_receipt = r->body;
  }
  RunResult make_backup(const std::string& out) {
    return keys_tool(
        {"backup", "--dir", inst.keys_dir(), "--to", backup_key + ".pub", "--out", out});
  }
  RunResult open(const char* what, const std::string& file, const std::string& key,
                 const std::string& dir = "") {
    std::vector<std::string> a{what, "--from", file, "--key", key, "--insecure-no-passphrase"};
    if (!dir.empty()) a.insert(a.end(), {"--dir", dir});
    return keys_tool(a);
  }

  Instance inst;
  Contact alice;
  std::string backup_key, before_envelope, before_receipt;
};

TEST_F(Backup, ARestoredDaemonServesTheSameRecords) {
  const std::string file = inst.dir() + "/instance.cwbk";
  auto made = make_backup(file);  // the daemon is running
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_NE(made.out.find("verified"), std::string::npos) << made.out;
  EXPECT_EQ(mode_of(file), 0600u);
  // An alert after the backup: not in it.
  const std::string after_envelope = str(inst.seal(alice, sample_alert()));
  ASSERT_EQ(post_alert(inst.port(), after_envelope)->status, 201);

  auto verified = open("verify-backup", file, backup_key);
  ASSERT_EQ(verified.status, 0) << verified.err;
  EXPECT_NE(verified.out.find("integrity ok, 1 alerts"), std::string::npos) << verified.out;

  const std::string restored = inst.dir() + "/restored";
  auto r = open("restore", file, backup_key, restored);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(mode_of(restored), 0700u);
  EXPECT_EQ(mode_of(restored + "/daemon.key"), 0600u);
  EXPECT_EQ(mode_of(restored + "/trust.json"), 0600u);
  EXPECT_EQ(mode_of(restored + "/casewired.db"), 0600u);

  // The original goes away (the server was lost); the restored one starts.
  inst.stop();
  const std::string config = restored + "/casewired.toml";
  ASSERT_TRUE(write_file_atomic(config,
                                as_bytes("[keys]\ndir = \"" + restored +
                                         "\"\ninsecure_unencrypted_key = true\n[listen]\naddress = "
                                         "\"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n"),
                                0600, Overwrite::yes)
                  .ok());
  Process daemon({bin("casewired"), "--config", config}, inst.dir() + "/restored-run");
  ASSERT_TRUE(daemon.wait_for_output("admin listening on", 20s)) << daemon.err();
  const auto out = daemon.out();
  const auto line = out.substr(0, out.find('\n'));
  const auto port = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  auto repeat = post_alert(port, before_envelope);
  ASSERT_TRUE(repeat);
  EXPECT_EQ(repeat->status, 200) << "the restored daemon knows the alert from before the backup";
  EXPECT_EQ(receipt_of(repeat->body), receipt_of(before_receipt))
      << "and answers with the byte-identical receipt";
  auto later = post_alert(port, after_envelope);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 201) << "an alert after the backup is new to the restored daemon";
  daemon.signal(SIGTERM);
  daemon.wait(10s);
}

TEST_F(Backup, RestoreGoesOnlyIntoAnEmptyDirectory) {
  const std::string file = inst.dir() + "/b.cwbk";
  ASSERT_EQ(make_backup(file).status, 0);
  auto over = open("restore", file, backup_key, inst.keys_dir());
  EXPECT_EQ(over.status, 1);
  EXPECT_NE(over.err.find("file_exists"), std::string::npos) << over.err;
  EXPECT_NE(over.err.find("not empty"), std::string::npos) << over.err;
  EXPECT_EQ(make_backup(file).status, 1) << "a backup never overwrites a file";
}

TEST_F(Backup, OnlyTheBackupKeyOpensItAndNoTamperingPasses) {
  const std::string file = inst.dir() + "/b.cwbk";
  ASSERT_EQ(make_backup(file).status, 0);
  const std::string bytes = read_text(file);
  // Nothing readable inside: no canary, no key id of a contact.
  for (const char* c : kAllCanaries) EXPECT_EQ(bytes.find(c), std::string::npos) << c;
  expect_absent(bytes, alice.id, "a contact's key id");
  expect_absent(bytes, alice.identity->sign.public_key().bytes, "a contact's public key");

  const std::string other = inst.dir() + "/offline/other.key";
  ASSERT_EQ(keys_tool({"new-backup-key", "--out", other, "--insecure-no-passphrase"}).status, 0);
  auto wrong = open("verify-backup", file, other);
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.err.find("bad_backup"), std::string::npos) << wrong.err;

  auto expect_refused = [&](const std::string& damaged, const char* what) {
    const std::string f = inst.dir() + "/damaged.cwbk";
    ::unlink(f.c_str());
    ASSERT_TRUE(write_file_atomic(f, as_bytes(damaged), 0600, Overwrite::yes).ok());
    auto r = open("verify-backup", f, backup_key);
    EXPECT_EQ(r.status, 1) << what;
    EXPECT_NE(r.err.find("bad_backup"), std::string::npos) << what << ": " << r.err;
    EXPECT_NE(open("restore", f, backup_key, inst.dir() + "/never").status, 0) << what;
    EXPECT_FALSE(file_exists(inst.dir() + "/never/daemon.key")) << what;
  };
  for (std::size_t at :
       {std::size_t{5}, std::size_t{40}, std::size_t{130}, bytes.size() / 2, bytes.size() - 3}) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x01);
    expect_refused(flipped, ("a flipped byte at " + std::to_string(at)).c_str());
  }
  expect_refused(bytes.substr(0, bytes.size() - 40), "truncated");
  expect_refused(bytes + "x", "a trailing byte");
  expect_refused(bytes.substr(0, 20), "only a header");
}

}  // namespace
}  // namespace cw::test
