// A key rotation interrupted at every step must never cut a contact off
// (docs/OPERATIONS.md §9, keys/rotate.h, trust/dir_transaction.h).
//
// `casewire-keys rotate` is killed (SIGKILL, injected by strace at the Nth
// rename, fsync, unlink or mkdir it makes: before and after every file it
// writes) and interrupted by Ctrl-C and SIGKILL at each passphrase prompt.
// After each interruption: --check-config passes, or refuses naming the
// pending rotation and --finish; after --finish it passes; and a contact
// that applied the previous update and one that applied none both send and
// get a verified receipt - and still do after the operator rotates again.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "protocol/file_io.h"
#include "protocol/invite.h"
#include "protocol/key_file.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"

namespace cw::test {
namespace {

namespace fs = std::filesystem;

// The instance's files (the store aside: rotate only reads it).
std::map<std::string, std::string> files_of(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), dir).string();
    if (rel.starts_with("casewired.db")) continue;
    out[rel] = std::string(as_chars(*read_file(e.path().string(), 64 << 20)));
  }
  return out;
}

std::string fingerprint(const std::map<std::string, std::string>& files) {
  std::string all;
  for (const auto& [name, content] : files) all += name + '\0' + content + '\0';
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const std::uint8_t*>(all.data()),
                     all.size(), nullptr, 0);
  return to_hex(h);
}

// A directory tree copied aside and put back, modes and all.
class Saved {
 public:
  Saved(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {
    fs::remove_all(to_);
    fs::copy(from_, to_, fs::copy_options::recursive);
  }
  void restore() const {
    fs::remove_all(from_);
    fs::copy(to_, from_, fs::copy_options::recursive);
  }

 private:
  std::string from_, to_;
};

class RotationCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    alice = inst.add_contact("alice");
    bob = inst.add_contact("bob");
    inst.start();
    inst.reinit_homes_on_start = false;
    // One rotation done: alice applies its update, bob never does.
    ASSERT_EQ(send(alice).status, 0);
    ASSERT_EQ(rotate({"--box", "--sign"}).status, 0);
    restart();
    ASSERT_EQ(send(alice).status, 0);
    ASSERT_EQ(invite_of(alice).sequence, 1u);
    ASSERT_EQ(invite_of(bob).sequence, 0u);
    inst.stop();
  }
  std::vector<std::string> rotate_argv(std::vector<std::string> what) const {
    std::vector<std::string> argv{bin("casewire-keys"), "rotate", "--dir",
                                  inst.keys_dir(),      "--url",  inst.url()};
    argv.insert(argv.end(), what.begin(), what.end());
    return argv;
  }
  RunResult rotate(std::vector<std::string> what) { return run(rotate_argv(std::move(what))); }
  RunResult send(const Contact& c) {
    return inst.client(c, {"send", "--people", "2", "--arrest-place", "CN-JL", "--urgency", "high",
                           "--consent", "private"});
  }
  RunResult check_config() {
    return run({bin("casewired"), "--config", inst.config_path(), "--check-config"});
  }
  static Invite invite_of(const Contact& c) {
    return *invite_from_json(as_chars(*read_file(c.home + "/invite.json")));
  }
  void restart() {
    inst.stop();
    inst.start();
  }
  // After an interruption: the directory is usable, by --finish if needed.
  void expect_settles(const std::string& where, const std::string& old_key) {
    auto check = check_config();
    // What it says must be true: "the keys in use are the old ones" only
    // when they are.
    if (check.err.find("interrupted before it was committed") != std::string::npos) {
      EXPECT_EQ(std::string(as_chars(*read_file(inst.keys_dir() + "/daemon.key"))), old_key)
          << where << check.err;
    }
    if (check.status != 0) {
      EXPECT_NE(check.err.find("rotation.pending"), std::string::npos) << where << check.err;
      EXPECT_NE(check.err.find("--finish"), std::string::npos) << where << check.err;
      auto fin = rotate({"--finish"});
      ASSERT_EQ(fin.status, 0) << where << fin.err;
      if (fin.out.find("discarded") != std::string::npos) {
        EXPECT_EQ(std::string(as_chars(*read_file(inst.keys_dir() + "/daemon.key"))), old_key)
            << where << fin.out;
      }
      check = check_config();
    }
    ASSERT_EQ(check.status, 0) << where << check.out << check.err;
  }
  // Both contacts send and verify their receipts; then a fresh rotation
  // carries them across too.
  void expect_contacts_served(const std::string& where) {
    inst.start();
    auto a = send(alice);
    EXPECT_EQ(a.status, 0) << where << a.out << a.err;
    auto b = send(bob);
    EXPECT_EQ(b.status, 0) << where << b.out << b.err;
    auto again = rotate({"--box", "--sign"});
    EXPECT_EQ(again.status, 0) << where << again.err;
    restart();
    a = send(alice);
    EXPECT_EQ(a.status, 0) << where << "after the next rotation: " << a.out << a.err;
    b = send(bob);
    EXPECT_EQ(b.status, 0) << where << "after the next rotation: " << b.out << b.err;
    EXPECT_EQ(invite_of(alice).daemon_sign.id(), inst.invite().daemon_sign.id()) << where;
    EXPECT_EQ(invite_of(bob).daemon_sign.id(), inst.invite().daemon_sign.id()) << where;
    inst.stop();
  }

  Instance inst;
  Contact alice, bob;
};

TEST_F(RotationCrash, AKillAtAnyFileStepLeavesTheOldStateOrTheNewOne) {
  const Saved keys(inst.keys_dir(), inst.dir() + "/saved-keys");
  const Saved a_home(alice.home, inst.dir() + "/saved-alice");
  const Saved b_home(bob.home, inst.dir() + "/saved-bob");
  const auto before = files_of(inst.keys_dir());
  // Each group counted apart (strace counts per system call): a kill before
  // the Nth of each is a kill between two of rotate's steps.
  const std::vector<std::string> groups = {"rename,renameat,renameat2", "fsync,fdatasync",
                                           "unlink,unlinkat", "mkdir,mkdirat"};
  std::set<std::string> seen_states;
  int kills = 0;
  bool reached_new = false, kept_old = false;
  for (const auto& group : groups) {
    for (int n = 1; n < 200; ++n) {
      std::vector<std::string> argv = {
          "/usr/bin/strace",
          "-f",
          "-o",
          "/dev/null",
          "-e",
          "trace=" + group,
          "-e",
          "inject=" + group + ":signal=KILL:when=" + std::to_string(n)};
      auto rot = rotate_argv({"--sign", "--box"});
      argv.insert(argv.end(), rot.begin(), rot.end());
      // LeakSanitizer cannot run under ptrace (a sanitizer build's rotate
      // that ran through would abort at exit): leaks are checked elsewhere.
      const char* asan = std::getenv("ASAN_OPTIONS");
      auto r = run(argv, {{"ASAN_OPTIONS", std::string(asan ? asan : "") + ":detect_leaks=0"}});
      if (r.status == 0) break;  // past the last such call: the rotation ran through
      ASSERT_TRUE(r.status == 128 + SIGKILL || r.status == -SIGKILL)
          << "killed at " << group << " #" << n << ": " << r.status << r.err;
      ++kills;
      const std::string where = "(killed before " + group + " #" + std::to_string(n) + ") ";
      expect_settles(where, before.at("daemon.key"));
      const auto now = files_of(inst.keys_dir());
      (now.at("daemon.key") == before.at("daemon.key") ? kept_old : reached_new) = true;
      // The same files behave the same: each distinct state is served once.
      if (seen_states.insert(fingerprint(now)).second) expect_contacts_served(where);
      keys.restore();
      a_home.restore();
      b_home.restore();
    }
  }
  std::cout << "[ info     ] " << kills << " kills, " << seen_states.size()
            << " distinct states served\n";
  EXPECT_GE(kills, 15) << "every step of the rotation was interrupted";
  EXPECT_TRUE(kept_old && reached_new) << "some kills came before the commit and some after";
}

class RotationPrompt : public RotationCrash {
 protected:
  void SetUp() override {
    RotationCrash::SetUp();
    // daemon.key under a passphrase, as in production; the daemon reads it
    // from a file as it would from its systemd credential.
    const std::string key = inst.keys_dir() + "/daemon.key";
    auto id = open_identity(as_chars(*read_file(key)), [] {
      return Result<SecretBytes>(make_error(Errc::no_passphrase, ""));
    });
    ASSERT_TRUE(id.ok());
    auto pass = SecretBytes::copy_of(as_bytes(std::string_view("old pass phrase")));
    auto sealed = seal_identity(*id, &pass, KdfParams::interactive());
    ASSERT_TRUE(sealed.ok());
    ASSERT_TRUE(write_file_atomic(key, as_bytes(*sealed), 0600, Overwrite::yes).ok());
    pass_file = inst.dir() + "/passphrase";
    ASSERT_TRUE(write_file_atomic(pass_file, as_bytes(std::string_view("old pass phrase\n")), 0600,
                                  Overwrite::yes)
                    .ok());
    std::string cfg(as_chars(*read_file(inst.config_path())));
    const std::string flag = "insecure_unencrypted_key = true";
    cfg.replace(cfg.find(flag), flag.size(), "passphrase_file = \"" + pass_file + "\"");
    ASSERT_TRUE(write_file_atomic(inst.config_path(), as_bytes(cfg), 0644, Overwrite::yes).ok());
  }
  RunResult interrupt(const std::string& prompt, const std::string& how,
                      std::vector<std::string> what) {
    std::vector<std::string> argv{
        "/usr/bin/python3", std::string(CASEWIRE_SOURCE_DIR) + "/tests/e2e/rotate_interrupt_pty.py",
        prompt, how, "--"};
    auto rot = rotate_argv(std::move(what));
    argv.insert(argv.end(), rot.begin(), rot.end());
    return run(argv, {{"ROTATE_OLD", "old pass phrase"}, {"ROTATE_NEW", "new pass phrase"}});
  }
  std::string pass_file;
};

TEST_F(RotationPrompt, CtrlCOrAKillAtAnyPromptChangesNothing) {
  const auto before = files_of(inst.keys_dir());
  struct Case {
    const char* prompt;
    std::vector<std::string> what;
  };
  const std::vector<Case> cases = {
      {"casewired key passphrase", {"--box", "--sign"}},
      {"casewired key passphrase", {"--box", "--sign", "--new-passphrase"}},
      {"New passphrase", {"--box", "--sign", "--new-passphrase"}},
      {"Repeat passphrase", {"--box", "--sign", "--new-passphrase"}},
  };
  for (const auto& c : cases)
    for (const char* how : {"int", "kill"}) {
      const std::string where = std::string("(") + how + " at '" + c.prompt + "') ";
      auto r = interrupt(c.prompt, how, c.what);
      ASSERT_EQ(r.status, 0) << where << r.out << r.err;
      EXPECT_EQ(files_of(inst.keys_dir()), before) << where << "nothing written, nothing staged";
      auto check = check_config();
      ASSERT_EQ(check.status, 0) << where << check.err;
    }
  inst.start();
  EXPECT_EQ(send(alice).status, 0);
  EXPECT_EQ(send(bob).status, 0);
  EXPECT_EQ(invite_of(bob).sequence, 1u);
}

TEST_F(RotationPrompt, ANewPassphraseTakesEffectWithTheCredentialChange) {
  // As OPERATIONS §9 says: rotate --new-passphrase, then the credential.
  auto r = run(
      {"/usr/bin/python3", std::string(CASEWIRE_SOURCE_DIR) + "/tests/e2e/rotate_interrupt_pty.py",
       "none", "int", "--", bin("casewire-keys"), "rotate", "--dir", inst.keys_dir(), "--url",
       inst.url(), "--box", "--sign", "--new-passphrase"},
      {{"ROTATE_OLD", "old pass phrase"}, {"ROTATE_NEW", "new pass phrase"}});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("NEW passphrase"), std::string::npos) << r.out;
  auto stale = check_config();
  EXPECT_NE(stale.status, 0) << "the old credential no longer opens daemon.key";
  EXPECT_NE(stale.err.find("wrong_passphrase"), std::string::npos) << stale.err;
  ASSERT_TRUE(write_file_atomic(pass_file, as_bytes(std::string_view("new pass phrase\n")), 0600,
                                Overwrite::yes)
                  .ok());
  ASSERT_EQ(check_config().status, 0);
  inst.start();
  EXPECT_EQ(send(alice).status, 0);
  EXPECT_EQ(send(bob).status, 0);
  EXPECT_EQ(invite_of(bob).sequence, 2u);
}

}  // namespace
}  // namespace cw::test
