#include "tests/support/instance.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

#include <thread>
#include "keys/commands.h"
#include "protocol/file_io.h"
#include "protocol/timefmt.h"
#include "tests/support/raw_client.h"
#include "trust/daemon_dir.h"
#include "trust/trust_store.h"

namespace cw::test {

std::string bin(const char* name) {
  std::string n = name;
  if (n == "casewired") return std::string(CASEWIRE_BINARY_DIR) + "/daemon/casewired";
  if (n == "casewire") return std::string(CASEWIRE_BINARY_DIR) + "/client/casewire";
  return std::string(CASEWIRE_BINARY_DIR) + "/keys/casewire-keys";
}

Instance::Instance(std::string limits_toml, std::string extra_toml) {
  std::ostringstream sink;
  keys::InitOptions o;
  o.dir = keys_dir();
  o.secret.insecure_no_passphrase = true;
  o.secret.kdf = KdfParams::interactive();
  auto st = keys::init(o, sink);
  EXPECT_TRUE(st.ok()) << st.error().message;
  config_ = dir_ / "casewired.toml";
  std::string c = "[keys]\ndir = \"" + keys_dir() +
                  "\"\ninsecure_unencrypted_key = true\n[listen]\naddress = \"127.0.0.1:0\"\nadmin "
                  "= \"127.0.0.1:0\"\n";
  // Test webhook receivers listen on 127.0.0.1: allowed explicitly here.
  const std::string allow = "allow_private_webhooks = true\n";
  if (extra_toml.find("allow_private_webhooks") != std::string::npos) {
    // the test decides
  } else if (auto at = extra_toml.find("[delivery]\n"); at != std::string::npos) {
    extra_toml.insert(at + 11, allow);
  } else {
    extra_toml += "\n[delivery]\n" + allow;
  }
  // The case log's mixing window at a second, so that a test's leaves join
  // the log within moments (wait_for_log) rather than at the hour.
  if (extra_toml.find("[case_log]") == std::string::npos)
    extra_toml += "\n[case_log]\nmix_seconds = 1\n";
  c += "[limits]\n" + limits_toml + "\n" + extra_toml + "\n";
  EXPECT_TRUE(write_file_atomic(config_, as_bytes(c), 0644, Overwrite::yes).ok());
}

Instance::~Instance() {
  // Stopped as an operator would (SIGTERM, drain), not killed: a leak or a
  // race at shutdown then shows up as a sanitizer report in the daemon's
  // stderr - and fails the test that ran it.
  if (proc_ && proc_->running()) stop();
  const std::string logs = log();
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                             "runtime error:", "WARNING: ThreadSanitizer"})
    if (auto at = logs.find(marker); at != std::string::npos)
      ADD_FAILURE() << "casewired reported a sanitizer finding:\n" << logs.substr(at, 3000);
}

Launched launch_casewired(std::vector<std::string> args, const std::string& log_prefix,
                          const std::map<std::string, std::string>& env) {
  Launched l;
  args.insert(args.begin(), bin("casewired"));
  l.proc = std::make_unique<Process>(args, log_prefix, env);
  EXPECT_TRUE(l.proc->wait_for_output("admin listening on", std::chrono::seconds(20)))
      << "casewired did not start: " << l.proc->err();
  std::istringstream lines(l.proc->out());
  for (std::string line; std::getline(lines, line);) {
    auto port_of = [&] {
      return static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
    };
    if (line.rfind("listening on ", 0) == 0) l.port = port_of();
    if (line.rfind("admin listening on ", 0) == 0) l.admin_port = port_of();
  }
  EXPECT_NE(l.port, 0);
  EXPECT_NE(l.admin_port, 0);
  return l;
}

namespace {

// True once `port` on loopback can be bound again. Tests run in parallel and
// each asks the kernel for free ports: one that another test took for a
// moment while this daemon restarted is waited for, rather than failing.
bool wait_until_free(std::uint16_t port) {
  for (int i = 0; i < 50; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (free) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

void Instance::start() {
  ++starts_;
  // A restart comes back on the same ports, as a real daemon would.
  std::vector<std::string> args{"--config", config_};
  if (port_ != 0) {
    EXPECT_TRUE(wait_until_free(port_) && wait_until_free(admin_port_))
        << "the daemon's ports stayed taken by something else";
    args.insert(args.end(), {"--listen", "127.0.0.1:" + std::to_string(port_), "--admin-listen",
                             "127.0.0.1:" + std::to_string(admin_port_)});
  }
  args.insert(args.end(), daemon_args.begin(), daemon_args.end());
  auto l = launch_casewired(args, dir_ / ("daemon-run" + std::to_string(starts_)), env_);
  proc_ = std::move(l.proc);
  port_ = l.port;
  admin_port_ = l.admin_port;
  ASSERT_NE(port_, 0);
  ASSERT_NE(admin_port_, 0);
  write_invite();
  // A restarted daemon has a new port: every client home gets the new invite
  // (unless a test follows clients that keep the invite they had).
  if (reinit_homes_on_start)
    for (const auto& [home, key] : homes_) init_home(home, key);
}

void Instance::init_home(const std::string& home, const std::string& key) {
  auto r = run({bin("casewire"), "--home", home, "init", "--force", "--insecure-no-passphrase",
                "--invite", invite_path(), "--key", key});
  EXPECT_EQ(r.status, 0) << r.err;
}

void Instance::write_invite() {
  std::ostringstream sink;
  auto st = keys::invite({keys_dir(), {url()}, invite_path(), true}, sink);
  ASSERT_TRUE(st.ok()) << st.error().message;
  invite_ = *invite_from_json(as_chars(*read_file(invite_path())));
}

std::string Instance::log() const {
  std::string all;
  for (int i = 1; i <= starts_; ++i)
    all += read_text(dir_ / ("daemon-run" + std::to_string(i) + ".err"));
  return all;
}

void Instance::stop() {
  proc_->signal(SIGTERM);
  auto st = proc_->wait(std::chrono::seconds(20));
  EXPECT_TRUE(st.has_value()) << "casewired did not stop on SIGTERM";
  EXPECT_EQ(st.value_or(-1), 0) << "casewired exit status; its log ends:\n"
                                << log().substr(log().size() > 2000 ? log().size() - 2000 : 0);
}

void Instance::kill9() {
  proc_->signal(SIGKILL);
  proc_->wait(std::chrono::seconds(10));
}

void Instance::sighup() {
  auto before = metric("casewire_trust_reloads_total");
  proc_->signal(SIGHUP);
  for (int i = 0; i < 500 && metric("casewire_trust_reloads_total") == before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

Contact Instance::add_contact(const std::string& label, std::uint32_t rate,
                              std::vector<std::string> regions, const std::string& replaces) {
  Contact c;
  c.key_path = dir_ / (label + ".key");
  c.home = dir_ / ("home-" + label);
  std::ostringstream sink;
  keys::SecretFileOptions o;
  o.insecure_no_passphrase = true;
  EXPECT_TRUE(keys::new_identity(Role::contact, c.key_path, o, sink).ok());
  auto st = keys::enroll(
      {keys_dir(), c.key_path + ".pub", label, std::move(regions), rate, replaces}, sink);
  EXPECT_TRUE(st.ok()) << st.error().message;
  auto id = open_identity(as_chars(*read_file(c.key_path)),
                          [] { return Result<SecretBytes>(SecretBytes()); });
  c.identity = std::make_shared<Identity>(std::move(*id));
  c.id = c.identity->sign.id();
  homes_.emplace_back(c.home, c.key_path);
  if (port_ != 0) init_home(c.home, c.key_path);
  return c;
}

Org Instance::add_org(const std::string& name, const OrgOptions& oo) {
  Org g;
  g.key_path = dir_ / (name + ".org.key");
  g.home = dir_ / ("home-org-" + name);
  std::ostringstream sink;
  keys::SecretFileOptions so;
  so.insecure_no_passphrase = true;
  EXPECT_TRUE(keys::new_identity(Role::org, g.key_path, so, sink).ok());
  auto secret = SecretBytes::random(32);
  g.webhook_secret = format_webhook_secret(secret);
  const std::string secret_file = dir_ / (name + ".whsec");
  EXPECT_TRUE(
      write_file_atomic(secret_file, as_bytes(g.webhook_secret), 0600, Overwrite::yes).ok());
  keys::AddOrgOptions a;
  a.allow_private_webhook = true;  // test receivers listen on 127.0.0.1
  a.dir = keys_dir();
  a.pub_file = g.key_path + ".pub";
  a.name = name;
  a.webhook_url = oo.webhook_url;
  a.webhook_pin = oo.webhook_pin;
  a.webhook_secret_file = oo.webhook_url.empty() ? "" : secret_file;
  a.regions = oo.regions;
  a.urgencies = oo.urgencies;
  a.kinds = oo.kinds;
  a.cleared_private = oo.cleared_private;
  a.escalation = oo.escalation;
  a.no_feed = oo.no_feed;
  a.format = oo.format;
  auto st = keys::add_org(a, sink);
  EXPECT_TRUE(st.ok()) << st.error().message;
  auto id = open_identity(as_chars(*read_file(g.key_path)),
                          [] { return Result<SecretBytes>(SecretBytes()); });
  g.identity = std::make_shared<Identity>(std::move(*id));
  g.id = g.identity->sign.id();
  homes_.emplace_back(g.home, g.key_path);
  if (port_ != 0) init_home(g.home, g.key_path);
  return g;
}

RunResult Instance::client(const Org& o, std::vector<std::string> args,
                           std::map<std::string, std::string> env) const {
  std::vector<std::string> argv{bin("casewire"), "--home", o.home};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(std::move(argv), env);
}

Receiver::Receiver(const std::string& dir, const std::string& name, std::string secret)
    : dir_(dir), name_(name) {
  set_secret(std::move(secret));
}

void Receiver::set_secret(const std::string& secret) {
  ASSERT_TRUE(
      write_file_atomic(dir_ + "/" + name_ + ".secret", as_bytes(secret), 0600, Overwrite::yes)
          .ok());
}

void Receiver::start() {
  ++runs_;
  std::vector<std::string> argv{
      "/usr/bin/python3",
      std::string(CASEWIRE_SOURCE_DIR) + "/tests/support/webhook_receiver.py",
      "--port",
      std::to_string(port_),
      "--log",
      dir_ + "/" + name_ + ".hooks",
      "--secret-file",
      dir_ + "/" + name_ + ".secret",
      "--status-file",
      dir_ + "/" + name_ + ".status"};
  if (!tls_cert_.empty()) argv.insert(argv.end(), {"--tls-cert", tls_cert_, "--tls-key", tls_key_});
  // Port 0 the first time; then the same port, as a restarted receiver would.
  for (int attempt = 0; attempt < 50; ++attempt) {
    proc_ = std::make_unique<Process>(argv, dir_ + "/" + name_ + "-run" + std::to_string(runs_));
    if (proc_->wait_for_output("listening on", std::chrono::seconds(10))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // port still in TIME_WAIT
  }
  auto out = proc_->out();
  port_ = static_cast<std::uint16_t>(std::stoi(out.substr(out.find("listening on ") + 13)));
}

void Receiver::use_tls(std::string cert_file, std::string key_file) {
  tls_cert_ = std::move(cert_file);
  tls_key_ = std::move(key_file);
}

void Receiver::stop() {
  if (!proc_) return;
  proc_->signal(SIGKILL);
  proc_->wait(std::chrono::seconds(5));
  proc_.reset();
}

void Receiver::answer(int status) {
  answer(status, std::chrono::milliseconds(0));
}

void Receiver::answer(int status, std::chrono::milliseconds delay) {
  auto s = std::to_string(status) + " " + std::to_string(delay.count());
  ASSERT_TRUE(
      write_file_atomic(dir_ + "/" + name_ + ".status", as_bytes(s), 0600, Overwrite::yes).ok());
}

std::vector<std::string> Receiver::lines() const {
  std::vector<std::string> out;
  std::istringstream in(read_text(dir_ + "/" + name_ + ".hooks"));
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

void Instance::revoke(const KeyId& id) {
  std::ostringstream sink;
  EXPECT_TRUE(keys::revoke({keys_dir(), key_id_hex(id), ""}, sink).ok());
}

Bytes Instance::seal(const Contact& c, const Alert& a, const AlertId& id,
                     std::int64_t created_at) const {
  auto pub = parse_public_key_file(as_chars(*read_file(DaemonDir{keys_dir()}.public_keys())));
  return *seal_envelope(a, id, created_at, c.identity->sign, *pub->box);
}

Bytes Instance::seal(const Contact& c, const Alert& a) const {
  return seal(c, a, random_alert_id(), unix_now());
}

std::uint64_t Instance::count_alerts() const {
  sqlite3* db = nullptr;
  std::uint64_t n = 0;
  if (sqlite3_open_v2(db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM alerts", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      n = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return n;
}

std::string Instance::metrics() const {
  auto r = admin_get(admin_port_, "/metrics");
  return r ? r->body : "";
}

std::uint64_t Instance::metric(const std::string& prefix) const {
  auto m = metrics();
  auto pos = m.find("\n" + prefix + " ");
  if (pos == std::string::npos) return 0;
  return std::stoull(m.substr(pos + prefix.size() + 2));
}

bool Instance::wait_for_log(std::chrono::seconds limit) const {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (metrics().find("\ncasewire_case_log_waiting 0\n") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

RunResult Instance::client(const Contact& c, std::vector<std::string> args,
                           std::map<std::string, std::string> env) const {
  std::vector<std::string> argv{bin("casewire"), "--home", c.home};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(std::move(argv), env);
}

}  // namespace cw::test
