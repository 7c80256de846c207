// Backup and restore (keys/backup.h) against a running daemon: the backup is
// taken online, only the offline backup key opens it, it survives no
// tampering, restore goes only into an empty directory, and the restored
// daemon answers a repeat of an alert from before the backup with the
// byte-identical receipt.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "protocol/file_io.h"
#include "protocol/invite.h"
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
                 const std::string& dir = "", std::vector<std::string> more = {"--yes"}) {
    std::vector<std::string> a{what, "--from", file, "--key", key, "--insecure-no-passphrase"};
    if (!dir.empty()) a.insert(a.end(), {"--dir", dir});
    if (std::string_view(what) == "restore") a.insert(a.end(), more.begin(), more.end());
    return keys_tool(a);
  }
  // The original is gone (the server was lost): the restored instance
  // answers on its address.
  std::unique_ptr<Process> start_restored(const std::string& restored) {
    inst.stop();
    const std::string config = restored + "/casewired.toml";
    EXPECT_TRUE(
        write_file_atomic(config,
                          as_bytes("[keys]\ndir = \"" + restored +
                                   "\"\ninsecure_unencrypted_key = true\n[listen]\n"
                                   "address = \"127.0.0.1:" +
                                   std::to_string(inst.port()) + "\"\nadmin = \"127.0.0.1:0\"\n"),
                          0600, Overwrite::yes)
            .ok());
    auto p =
        std::make_unique<Process>(std::vector<std::string>{bin("casewired"), "--config", config},
                                  inst.dir() + "/restored-run-" + std::to_string(++runs_));
    EXPECT_TRUE(p->wait_for_output("admin listening on", 20s)) << p->err();
    return p;
  }
  int runs_ = 0;

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

TEST_F(Backup, ARevocationMadeAfterTheBackupSurvivesTheRestore) {
  // A phone enrolled, backed up, then seized and revoked; the server is lost
  // and the backup restored. The backup's trust.json still says "active".
  Contact seized = inst.add_contact("seized");
  inst.sighup();
  const std::string file = inst.dir() + "/b.cwbk";
  ASSERT_EQ(make_backup(file).status, 0);
  inst.revoke(seized.id);
  inst.sighup();
  ASSERT_EQ(post_alert(inst.port(), str(inst.seal(seized, sample_alert())))->status, 403);
  EXPECT_EQ(inst.metric("casewire_revocations"), 1u) << "a drop of it raises an alert";
  // The operator keeps a copy of the journal off the server, as told.
  const std::string copy = inst.dir() + "/offline/revocations.journal";
  ASSERT_TRUE(write_file_atomic(copy, *read_file(inst.keys_dir() + "/revocations.journal"), 0600,
                                Overwrite::no)
                  .ok());

  // Without the copy, restore says which keys it leaves active and when the
  // backup was made, and does nothing until the operator confirms.
  const std::string restored = inst.dir() + "/restored";
  auto asked = open("restore", file, backup_key, restored, {});
  EXPECT_NE(asked.status, 0);
  EXPECT_NE(asked.out.find("contact " + key_id_hex(seized.id)), std::string::npos) << asked.out;
  EXPECT_NE(asked.out.find("the backup was made "), std::string::npos) << asked.out;
  EXPECT_NE(asked.err.find("--yes"), std::string::npos) << asked.err;
  EXPECT_NE(asked.out.find("no copy was given from off the server"), std::string::npos)
      << asked.out;
  EXPECT_FALSE(file_exists(restored)) << "nothing written unconfirmed, not even staged";

  // With the copy, the revocation is applied again.
  auto r = open("restore", file, backup_key, restored, {"--revocations", copy, "--yes"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("re-applied 1 revocation"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("contact " + key_id_hex(seized.id)), std::string::npos)
      << "no longer listed as active: " << r.out;
  auto daemon = start_restored(restored);
  auto refused = post_alert(inst.port(), str(inst.seal(seized, sample_alert())));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << "the seized phone stays revoked: " << refused->body;
  EXPECT_EQ(post_alert(inst.port(), str(inst.seal(alice, sample_alert())))->status, 201);

  // The daemon applies the journal over trust.json: hand-editing the trust
  // store back to "active" does not bring the key back.
  daemon->signal(SIGTERM);
  daemon->wait(10s);
  std::string trust(as_chars(*read_file(restored + "/trust.json")));
  for (auto at = trust.find("\"revoked\":true"); at != std::string::npos;
       at = trust.find("\"revoked\":true"))
    trust.replace(at, 14, "\"revoked\":false");
  ASSERT_TRUE(
      write_file_atomic(restored + "/trust.json", as_bytes(trust), 0600, Overwrite::yes).ok());
  auto listed = keys_tool({"list", "--dir", restored});
  EXPECT_NE(listed.out.find(key_id_hex(seized.id) + "  revoked"), std::string::npos)
      << "the key tool shows what the daemon will do: " << listed.out;
  Process again({bin("casewired"), "--config", restored + "/casewired.toml"},
                inst.dir() + "/restored-again");
  ASSERT_TRUE(again.wait_for_output("admin listening on", 20s)) << again.err();
  EXPECT_EQ(post_alert(inst.port(), str(inst.seal(seized, sample_alert())))->status, 403);
  // A journal that is not the daemon's own stops it (an altered copy).
  again.signal(SIGTERM);
  again.wait(10s);
  std::string journal(as_chars(*read_file(restored + "/revocations.journal")));
  journal[journal.rfind("\"at\":") + 6] ^= 1;
  ASSERT_TRUE(
      write_file_atomic(restored + "/revocations.journal", as_bytes(journal), 0600, Overwrite::yes)
          .ok());
  auto check = run({bin("casewired"), "--config", restored + "/casewired.toml", "--check-config"});
  EXPECT_NE(check.status, 0);
  EXPECT_NE(check.err.find("revocations.journal"), std::string::npos) << check.err;
  daemon.reset();
}

TEST_F(Backup, RevocationsRunAtTheSameTimeAreAllKept) {
  // Two operators (or a script and a person) revoking at once: each reads,
  // changes and writes both files; without a lock all but one were lost.
  std::vector<Contact> phones;
  for (int i = 0; i < 6; ++i) phones.push_back(inst.add_contact("phone" + std::to_string(i)));
  std::vector<std::thread> runs;
  std::vector<RunResult> results(phones.size());
  for (std::size_t i = 0; i < phones.size(); ++i)
    runs.emplace_back([&, i] {
      results[i] = keys_tool({"revoke", "--dir", inst.keys_dir(), key_id_hex(phones[i].id)});
    });
  for (auto& t : runs) t.join();
  for (const auto& r : results) EXPECT_EQ(r.status, 0) << r.err;
  const std::string journal = read_text(inst.keys_dir() + "/revocations.journal");
  const std::string trust = read_text(inst.keys_dir() + "/trust.json");
  auto listed = keys_tool({"list", "--dir", inst.keys_dir()});
  for (const auto& p : phones) {
    EXPECT_NE(journal.find(key_id_hex(p.id)), std::string::npos) << key_id_hex(p.id);
    EXPECT_NE(listed.out.find(key_id_hex(p.id) + "  revoked"), std::string::npos) << listed.out;
  }
}

TEST_F(Backup, ARestoreAfterARotationCarriesContactsAcross) {
  // Bob never hears of the rotation before the server is lost; the backup,
  // made after it, must hold what carries him across.
  Contact bob = inst.add_contact("bob");
  inst.sighup();
  inst.reinit_homes_on_start = false;
  auto rot =
      keys_tool({"rotate", "--dir", inst.keys_dir(), "--url", inst.url(), "--box", "--sign"});
  ASSERT_EQ(rot.status, 0) << rot.err;
  inst.stop();
  inst.start();
  const std::string file = inst.dir() + "/b.cwbk";
  ASSERT_EQ(make_backup(file).status, 0);
  const std::string restored = inst.dir() + "/restored";
  ASSERT_EQ(open("restore", file, backup_key, restored).status, 0);
  for (const char* f : {"invite-update.json", "rotation.json", "gazetteer.json"})
    EXPECT_TRUE(file_exists(restored + "/" + f)) << f;
  auto daemon = start_restored(restored);
  auto sent = inst.client(bob, {"send", "--people", "2", "--arrest-place", "CN-JL", "--urgency",
                                "high", "--consent", "private"});
  EXPECT_EQ(sent.status, 0) << sent.out << sent.err;
  auto inv = invite_from_json(as_chars(*read_file(bob.home + "/invite.json")));
  EXPECT_EQ(inv->sequence, 1u) << "he walked the restored chain";
}

TEST_F(Backup, ARestoreServesTheOperatorsGazetteerAndTheDaemonSaysWhenItIsMissing) {
  const std::string path = inst.keys_dir() + "/gazetteer.json";
  std::string g(as_chars(*read_file(path)));
  g.replace(g.find("\"version\": 1,"), 13, "\"version\": 7,");
  ASSERT_TRUE(write_file_atomic(path, as_bytes(g), 0600, Overwrite::yes).ok());
  inst.sighup();
  const std::string file = inst.dir() + "/b.cwbk";
  ASSERT_EQ(make_backup(file).status, 0);
  const std::string restored = inst.dir() + "/restored";
  ASSERT_EQ(open("restore", file, backup_key, restored).status, 0);
  auto daemon = start_restored(restored);
  auto fetched = inst.client(alice, {"gazetteer", "--update"});
  EXPECT_EQ(fetched.status, 0) << fetched.err;
  EXPECT_NE(fetched.out.find("7"), std::string::npos) << "version 7 is served: " << fetched.out;
  daemon->signal(SIGTERM);
  daemon->wait(10s);
  // Lost (or never restored): said at every start and by --check-config.
  ::unlink((restored + "/gazetteer.json").c_str());
  for (int i = 0; i < 2; ++i) {
    Process p({bin("casewired"), "--config", restored + "/casewired.toml"},
              inst.dir() + "/missing-run-" + std::to_string(i));
    ASSERT_TRUE(p.wait_for_output("admin listening on", 20s)) << p.err();
    p.signal(SIGTERM);
    p.wait(10s);
    EXPECT_NE(p.err().find("event=gazetteer_missing"), std::string::npos) << i << p.err();
  }
  auto check = run({bin("casewired"), "--config", restored + "/casewired.toml", "--check-config"});
  EXPECT_EQ(check.status, 0) << check.err;
  EXPECT_NE(check.err.find("warning: " + restored + "/gazetteer.json is missing"),
            std::string::npos)
      << check.err;
  EXPECT_NE(check.err.find("gazetteer version 7"), std::string::npos) << check.err;
}

TEST_F(Backup, TheBackupKeyIsNamedByOneIdEverywhere) {
  const std::string key = inst.dir() + "/offline/named.key";
  auto made = keys_tool({"new-backup-key", "--out", key, "--insecure-no-passphrase"});
  ASSERT_EQ(made.status, 0) << made.err;
  const std::string id = made.out.substr(made.out.find("key ") + 4, 16);
  auto b = keys_tool({"backup", "--dir", inst.keys_dir(), "--to", key + ".pub", "--out",
                      inst.dir() + "/named.cwbk"});
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_NE(b.out.find("for backup key " + id), std::string::npos) << made.out << b.out;
}

}  // namespace
}  // namespace cw::test
