// `casewired --check-config` as OPERATIONS §2 uses it: it looks, and changes
// nothing. A check run as root once created the database root-owned, after
// which the service (as casewire) could not open it; and a check run as the
// service user against root's credential said only "no passphrase". These
// tests run the real binary; the ones that change users need root (CI is).
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "keys/commands.h"
#include "protocol/file_io.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace cw::test {
namespace {

namespace fs = std::filesystem;

std::string bytes_of(const std::string& path) {
  auto b = read_file(path, 64 << 20);
  return b ? std::string(as_chars(*b)) : std::string();
}

TEST(CheckConfig, CreatesNoDatabaseAndLeavesAnExistingOneAsItWas) {
  Instance inst;
  const std::string db = inst.db_path();
  auto first = run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("configuration ok"), std::string::npos);
  EXPECT_NE(first.err.find("does not exist yet"), std::string::npos) << first.err;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    EXPECT_FALSE(fs::exists(db + suffix)) << db << suffix << " made by --check-config";

  // A database the daemon made and closed: the check reads its version and
  // writes nothing (no -wal or -shm appears either).
  inst.start();
  inst.stop();
  ASSERT_TRUE(fs::exists(db));
  const std::string before = bytes_of(db);
  const auto mtime = fs::last_write_time(db);
  const bool had_wal = fs::exists(db + "-wal"), had_shm = fs::exists(db + "-shm");
  auto second = run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.err.find("schema version"), std::string::npos) << second.err;
  EXPECT_EQ(bytes_of(db), before);
  EXPECT_EQ(fs::last_write_time(db), mtime);
  EXPECT_EQ(fs::exists(db + "-wal"), had_wal);
  EXPECT_EQ(fs::exists(db + "-shm"), had_shm);
}

TEST(CheckConfig, RefusesAFileThatIsNotADatabaseOrIsFromANewerDaemon) {
  Instance inst;
  const std::string db = inst.db_path();
  ASSERT_TRUE(write_file_atomic(db, as_bytes(std::string(200, 'x')), 0600, Overwrite::yes).ok());
  auto junk = run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  EXPECT_NE(junk.status, 0);
  EXPECT_NE(junk.err.find("store_unavailable"), std::string::npos) << junk.err;
  EXPECT_NE(junk.err.find("is not a SQLite database"), std::string::npos) << junk.err;

  // A real database whose header says a later schema (user_version, offset 60).
  ASSERT_TRUE(fs::remove(db));
  inst.start();
  inst.stop();
  std::string b = bytes_of(db);
  ASSERT_GE(b.size(), 100u);
  b[60] = 0x7f;
  ASSERT_TRUE(write_file_atomic(db, as_bytes(b), 0600, Overwrite::yes).ok());
  auto newer = run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  EXPECT_NE(newer.status, 0);
  EXPECT_NE(newer.err.find("newer casewired"), std::string::npos) << newer.err;
}

// The rest changes users: root only (CI runs as root), with `nobody` as the
// service user.
struct AsNobody : ::testing::Test {
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (runs a check as another user)";
    if (!fs::exists("/usr/sbin/runuser") && !fs::exists("/sbin/runuser"))
      GTEST_SKIP() << "no runuser";
    passwd* pw = ::getpwnam("nobody");
    if (pw == nullptr) GTEST_SKIP() << "no user nobody";
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  // Gives the instance's directories and files to nobody, as the package
  // gives /var/lib/casewire to casewire.
  void give_to_nobody(const Instance& inst) {
    ASSERT_EQ(::chown(inst.dir().c_str(), uid, gid), 0);
    for (const auto& e : fs::recursive_directory_iterator(inst.dir()))
      ASSERT_EQ(::lchown(e.path().c_str(), uid, gid), 0) << e.path();
  }
  RunResult as_nobody(std::vector<std::string> argv) {
    const std::string runuser =
        fs::exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser";
    argv.insert(argv.begin(), {runuser, "-u", "nobody", "--"});
    return run(argv);
  }
  uid_t uid = 0;
  gid_t gid = 0;
};

TEST_F(AsNobody, ACheckAsRootSaysItIsNotTheServiceUserAndLeavesNothingOfRoots) {
  Instance inst;
  give_to_nobody(inst);
  auto r = run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("checked as root"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("runuser -u casewire"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(inst.db_path()));
  // ...so the service user's own check, and then its start, still work.
  auto mine = as_nobody({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  EXPECT_EQ(mine.status, 0) << mine.err;
  EXPECT_EQ(mine.err.find("checked as root"), std::string::npos) << mine.err;
}

TEST_F(AsNobody, ADatabaseTheServiceUserCannotWriteIsNamedWithItsOwner) {
  Instance inst;
  inst.start();  // made by this (root) process: root-owned, 0600
  inst.stop();
  give_to_nobody(inst);
  ASSERT_EQ(::chown(inst.db_path().c_str(), 0, 0), 0);
  auto r = as_nobody({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("store_unavailable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(inst.db_path() + " is not readable and writable by nobody"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("belongs to uid 0"), std::string::npos) << r.err;
}

TEST_F(AsNobody, ARootOnlyCredentialIsNamedAndCanBePipedIn) {
  Instance inst;
  // The daemon's key under a passphrase, kept as OPERATIONS §2 keeps it:
  // a root-only credentials directory.
  const std::string creds = inst.dir() + "/credentials";
  ASSERT_EQ(::mkdir(creds.c_str(), 0700), 0);
  const std::string pass = creds + "/passphrase";
  ASSERT_TRUE(
      write_file_atomic(pass, as_bytes("correct horse battery staple\n"), 0600, Overwrite::yes)
          .ok());
  std::ostringstream sink;
  keys::InitOptions o;
  o.dir = inst.keys_dir();
  o.secret.passphrase_file = pass;
  o.secret.force = true;
  o.secret.kdf = KdfParams::interactive();
  ASSERT_TRUE(keys::init(o, sink).ok());
  give_to_nobody(inst);
  ASSERT_EQ(::chown(creds.c_str(), 0, 0), 0);
  ASSERT_EQ(::chown(pass.c_str(), 0, 0), 0);

  const std::string runuser =
      fs::exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser";
  auto named = run({runuser, "-u", "nobody", "--", "env", "CREDENTIALS_DIRECTORY=" + creds,
                    bin("casewired"), "--config", inst.config_path(), "--check-config"});
  EXPECT_NE(named.status, 0);
  EXPECT_NE(named.err.find("no_passphrase"), std::string::npos) << named.err;
  EXPECT_NE(named.err.find(pass + " cannot be read by nobody"), std::string::npos) << named.err;
  // What the error suggests, as OPERATIONS §2 writes it.
  auto piped =
      run({"/bin/sh", "-c",
           "cat '" + pass + "' | " + runuser + " -u nobody -- '" + bin("casewired") +
               "' --config '" + inst.config_path() + "' --check-config --passphrase-file -"});
  EXPECT_EQ(piped.status, 0) << piped.err;
  EXPECT_NE(piped.out.find("configuration ok"), std::string::npos) << piped.out;
}

// casewire-keys as root in the service's directory would leave trust.json
// root's (the daemon's next reload could not read it): refused, naming the
// user to run as; and as that user, from a directory it cannot write, the
// sealed webhook secret's file is named and nothing changes.
TEST_F(AsNobody, TheKeyToolRefusesRootInTheServicesDirectoryAndChangesNothing) {
  Instance inst;
  const std::string keys = bin("casewire-keys");
  const std::string contact = inst.dir() + "/guide.key", org = inst.dir() + "/ngo.key";
  ASSERT_EQ(run({keys, "new-contact", "--out", contact, "--insecure-no-passphrase"}).status, 0);
  ASSERT_EQ(run({keys, "new-org", "--out", org, "--insecure-no-passphrase"}).status, 0);
  give_to_nobody(inst);
  const std::string trust = inst.keys_dir() + "/trust.json";
  const std::string before = bytes_of(trust);

  auto as_root = run(
      {keys, "enroll", "--dir", inst.keys_dir(), "--pub", contact + ".pub", "--label", "guide-07"});
  EXPECT_NE(as_root.status, 0);
  EXPECT_NE(as_root.err.find("belongs to nobody"), std::string::npos) << as_root.err;
  EXPECT_NE(as_root.err.find("runuser -u nobody -- casewire-keys"), std::string::npos)
      << as_root.err;
  EXPECT_EQ(bytes_of(trust), before);
  EXPECT_EQ(owner_of(trust), uid);

  // As the owner it works (and the file stays the owner's).
  auto mine = as_nobody(
      {keys, "enroll", "--dir", inst.keys_dir(), "--pub", contact + ".pub", "--label", "guide-07"});
  EXPECT_EQ(mine.status, 0) << mine.err;
  EXPECT_EQ(owner_of(trust), uid);
  const std::string enrolled = bytes_of(trust);
  EXPECT_NE(enrolled, before);

  // add-org from a working directory nobody cannot write (this test's, root's).
  auto org_add =
      as_nobody({keys, "add-org", "--dir", inst.keys_dir(), "--pub", org + ".pub", "--name",
                 "ngo-a", "--webhook", "https://hooks.ngo-a.example/casewire"});
  EXPECT_NE(org_add.status, 0);
  EXPECT_NE(org_add.err.find("ngo-a.webhook-secret"), std::string::npos) << org_add.err;
  EXPECT_NE(org_add.err.find("as nobody"), std::string::npos) << org_add.err;
  EXPECT_NE(org_add.err.find("nothing was changed"), std::string::npos) << org_add.err;
  EXPECT_EQ(bytes_of(trust), enrolled);
}

// casewired's own commands on the store (purge, read-case, report) open the
// database, which writes its -wal and -shm beside it: as root in the
// service's directory they refuse, before anything is created.
TEST_F(AsNobody, TheDaemonsCommandsRefuseRootInTheServicesDirectory) {
  Instance inst;
  give_to_nobody(inst);
  const std::string daemon = bin("casewired");
  for (std::vector<std::string> args :
       {std::vector<std::string>{"purge", "--dry-run"},
        std::vector<std::string>{"read-case", std::string(12, 'a'), "--reason", "verification"},
        std::vector<std::string>{"report", "--from", "2026-01", "--to", "2026-02"}}) {
    args.insert(args.begin(), daemon);
    args.insert(args.end(), {"--config", inst.config_path()});
    auto r = run(args);
    EXPECT_EQ(r.status, 1) << args[1];
    EXPECT_NE(r.err.find("runuser -u nobody -- casewired"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(file_exists(inst.db_path())) << "no database, no -wal, nothing of root's";
  EXPECT_FALSE(file_exists(inst.db_path() + "-wal"));
  auto dry = as_nobody({daemon, "purge", "--dry-run", "--config", inst.config_path()});
  EXPECT_EQ(dry.status, 0) << dry.err;
}

}  // namespace
}  // namespace cw::test
