// casewired as a systemd service (deploy/systemd/casewired.service): the
// unit's sandbox as systemd itself scores it, the readiness protocol over a
// real notification socket, and the key passphrase from a credential.
// (CI containers have no systemd as PID 1, so the unit is checked by
// `systemd-analyze security --offline` rather than started.)
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <regex>

#include "keys/commands.h"
#include "protocol/file_io.h"
#include "tests/support/eventually.h"
#include "tests/support/fixtures.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"
#include "tests/support/temp_dir.h"

namespace cw::test {
namespace {

using namespace std::chrono_literals;

const std::string kUnit = std::string(CASEWIRE_SOURCE_DIR) + "/deploy/systemd/casewired.service";

// Returns the "Overall exposure level" systemd-analyze gives `unit`.
double exposure_of(const std::string& unit) {
  auto r = run({"/usr/bin/systemd-analyze", "security", "--offline=true", "--no-pager", unit});
  EXPECT_EQ(r.status, 0) << r.err;
  std::smatch m;
  const std::string all = r.out + r.err;
  if (!std::regex_search(all, m, std::regex(R"(Overall exposure level for \S+: ([0-9.]+))"))) {
    ADD_FAILURE() << all;
    return 10.0;
  }
  return std::stod(m[1]);
}

TEST(Service, TheBackupUnitIsSandboxedAndValid) {
  const std::string dir = std::string(CASEWIRE_SOURCE_DIR) + "/deploy/systemd/";
  const double exposure = exposure_of(dir + "casewire-backup.service");
  EXPECT_LE(exposure, 1.0) << "a backup needs no network and no privilege";
  auto verify = run({"/usr/bin/systemd-analyze", "verify", "--man=no",
                     dir + "casewire-backup.service", dir + "casewire-backup.timer"});
  EXPECT_EQ(verify.err.find("Unknown key"), std::string::npos) << verify.err;
  EXPECT_EQ(verify.err.find("Unknown section"), std::string::npos) << verify.err;
}

TEST(Service, TheUnitScoresTwoOrLowerInSystemdAnalyzeSecurity) {
  // deploy/install-deps.sh installs systemd; a machine without it is not
  // one this test may silently pass on.
  const double exposure = exposure_of(kUnit);
  EXPECT_LE(exposure, 2.0);
  std::cout << "[ systemd-analyze security ] overall exposure " << exposure << "\n";
  auto verify = run({"/usr/bin/systemd-analyze", "verify", "--man=no", kUnit});
  EXPECT_EQ(verify.err.find("Unknown key"), std::string::npos) << verify.err;
  EXPECT_EQ(verify.err.find("Unknown section"), std::string::npos) << verify.err;
}

// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{0, 100 * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { ::close(fd_); }
  // Everything received so far, one datagram per line.
  const std::string& received() {
    char buf[512];
    for (;;) {
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      log_.append(buf, static_cast<std::size_t>(n)).append("|");
    }
    return log_;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_, log_;
  int fd_ = -1;
};

TEST(Service, TellsSystemdWhenItIsReadyReloadingAndStopping) {
  Instance inst;
  auto alice = inst.add_contact("alice");
  NotifySocket sd(inst.dir() + "/notify.sock");
  inst.set_env("NOTIFY_SOCKET", sd.path());
  inst.start();
  ASSERT_TRUE(eventually([&] { return sd.received().find("READY=1") != std::string::npos; }))
      << sd.received();
  // Ready means serving.
  auto r = post_alert(inst.port(), std::string(as_chars(inst.seal(alice, sample_alert()))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  inst.sighup();
  ASSERT_TRUE(eventually([&] {
    const auto& log = sd.received();
    auto reloading = log.find("RELOADING=1");
    return reloading != std::string::npos && log.find("READY=1", reloading) != std::string::npos;
  })) << sd.received();
  inst.stop();
  EXPECT_NE(sd.received().find("STOPPING=1"), std::string::npos) << sd.received();
}

TEST(Service, ReadsTheKeyPassphraseFromASystemdCredential) {
  Instance inst("", "");
  // Re-make the daemon's identity encrypted under a passphrase.
  const std::string secret_dir = inst.dir() + "/secret";
  ASSERT_EQ(::mkdir(secret_dir.c_str(), 0700), 0);
  const std::string pass = secret_dir + "/passphrase";
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
  const std::string config = inst.dir() + "/casewired.toml";
  // Without the credential (and no terminal) the daemon refuses to guess.
  auto without = run({bin("casewired"), "--config", config, "--check-config"});
  EXPECT_NE(without.status, 0);
  EXPECT_NE(without.err.find("no_passphrase"), std::string::npos) << without.err;
  // With it, as LoadCredential=passphrase:... provides it.
  std::map<std::string, std::string> env{{"CREDENTIALS_DIRECTORY", secret_dir}};
  auto with = run({bin("casewired"), "--config", config, "--check-config"}, env);
  EXPECT_EQ(with.status, 0) << with.err;
  inst.set_env("CREDENTIALS_DIRECTORY", secret_dir);
  inst.start();
  auto alice = inst.add_contact("alice");
  inst.sighup();
  auto r = post_alert(inst.port(), std::string(as_chars(inst.seal(alice, sample_alert()))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
}

TEST(Service, TheOnionServiceConfigPassesTorVerifyConfig) {
  TempDir tmp;
  const std::string dir = tmp.path();
  // The shipped snippet, with only the service directory moved somewhere
  // this test may create it.
  auto torrc = read_text(std::string(CASEWIRE_SOURCE_DIR) + "/deploy/tor/casewired.torrc");
  const std::string hs = dir + "/hs/";
  ASSERT_NE(torrc.find("/var/lib/tor/casewired/"), std::string::npos);
  torrc.replace(torrc.find("/var/lib/tor/casewired/"), 23, hs);
  ASSERT_EQ(::mkdir(hs.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((dir + "/data").c_str(), 0700), 0);
  auto verify = [&](const std::string& snippet) {
    const std::string main =
        "DataDirectory " + dir + "/data\nSocksPort 0\n%include " + dir + "/casewired.conf\n";
    EXPECT_TRUE(
        write_file_atomic(dir + "/casewired.conf", as_bytes(snippet), 0600, Overwrite::yes).ok());
    EXPECT_TRUE(write_file_atomic(dir + "/torrc", as_bytes(main), 0600, Overwrite::yes).ok());
    return run({"/usr/sbin/tor", "--verify-config", "-f", dir + "/torrc"});
  };
  auto ok = verify(torrc);
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("Configuration was valid"), std::string::npos) << ok.out;
  for (const char* defence :
       {"HiddenServiceEnableIntroDoSDefense 1", "HiddenServicePoWDefensesEnabled 1"})
    EXPECT_NE(torrc.find(defence), std::string::npos) << defence;
  // The check can fail: a misspelt option is refused. (Not a truncation: tor
  // accepts any unambiguous prefix of an option name.)
  auto typo = verify(torrc + "\nHiddenServicePoWDefencesEnabled 1\n");
  EXPECT_NE(typo.status, 0) << "tor --verify-config accepted an unknown option";
}

TEST(Service, PrometheusRulesPassPromtoolAndTheirUnitTests) {
  const std::string rules = std::string(CASEWIRE_SOURCE_DIR) + "/deploy/prometheus/";
  auto check = run({"/usr/bin/promtool", "check", "rules", rules + "casewire-rules.yml"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  // The unit tests fire each alert on the series that mean trouble.
  auto unit = run({"/usr/bin/promtool", "test", "rules", rules + "casewire-rules.test.yml"});
  EXPECT_EQ(unit.status, 0) << unit.out << unit.err;
  // Every metric the rules use is one the daemon exports.
  Instance inst;
  inst.start();
  // One refusal, so the labelled rejection counter has a series.
  ASSERT_TRUE(post_alert(inst.port(), std::string(100, 'x')));
  const std::string exported = inst.metrics();
  const std::string text = read_text(rules + "casewire-rules.yml");
  std::regex metric(R"(casewire_[a-z_]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), metric);
       it != std::sregex_iterator(); ++it) {
    const std::string name = it->str();
    EXPECT_NE(exported.find("\n" + name), std::string::npos) << name << " is not exported";
  }
  // Every alert has its row in OPERATIONS §6, what it means and what to do
  // (an operator paged at night reads that table, not the YAML).
  const std::string ops = read_text(std::string(CASEWIRE_SOURCE_DIR) + "/docs/OPERATIONS.md");
  std::regex alert(R"(- alert: (\w+))");
  int alerts = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), alert);
       it != std::sregex_iterator(); ++it, ++alerts)
    EXPECT_NE(ops.find("| `" + (*it)[1].str() + "` |"), std::string::npos)
        << (*it)[1] << " has no row in OPERATIONS.md §6";
  EXPECT_GE(alerts, 12);
}

}  // namespace
}  // namespace cw::test
