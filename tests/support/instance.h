// A real casewired instance for end-to-end tests: keys made with the
// casewire-keys library, the daemon binary started on port 0, contacts with
// their own client homes.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocol/envelope.h"
#include "protocol/invite.h"
#include "protocol/key_file.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace cw::test {

std::string bin(const char* name);  // path of a built binary: casewired, casewire, casewire-keys

struct Contact {
  std::string key_path;  // secret key file (unencrypted: tests)
  std::string home;      // client home, set up with the invite
  KeyId id{};
  std::shared_ptr<Identity> identity;
};

struct OrgOptions {
  std::string webhook_url{};
  std::string webhook_pin{};  // sha256/... : trust this receiver key instead of a CA
  std::vector<std::string> regions{}, urgencies{}, kinds{};
  bool cleared_private = false;
  bool escalation = false;
  bool no_feed = false;
  std::string format = "json";
};

struct Org {
  std::string key_path;
  std::string home;
  KeyId id{};
  std::shared_ptr<Identity> identity;
  std::string webhook_secret;  // whsec_...
};

// The Python webhook receiver (tests/support/webhook_receiver.py) as a
// process that can be stopped and restarted on the same port.
class Receiver {
 public:
  Receiver(const std::string& dir, const std::string& name, std::string secret);
  // Serve HTTPS with this certificate chain and key (PEM files) from the next start.
  void use_tls(std::string cert_file, std::string key_file);
  void start();
  void stop();
  // http://127.0.0.1:PORT/hook, or https://localhost:PORT/hook with TLS (a
  // name, so the sender has a host name to check the certificate against).
  std::string url() const {
    return (tls_cert_.empty() ? "http://127.0.0.1:" : "https://localhost:") +
           std::to_string(port_) + "/hook";
  }
  void answer(int status);  // what it answers from now on
  // ...after holding each request this long (a slow receiver).
  void answer(int status, std::chrono::milliseconds delay);
  void set_secret(const std::string& secret);  // takes effect with the next request
  std::vector<std::string> lines() const;      // one JSON object per request received
 private:
  std::string dir_, name_;
  std::string tls_cert_, tls_key_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> proc_;
  int runs_ = 0;
};

// A running casewired and the ports it said it listens on.
struct Launched {
  std::unique_ptr<Process> proc;
  std::uint16_t port = 0, admin_port = 0;
};
// Starts casewired with `args` (after the program name); fails the test if it
// does not come up.
Launched launch_casewired(std::vector<std::string> args, const std::string& log_prefix,
                          const std::map<std::string, std::string>& env = {});

class Instance {
 public:
  // `limits_toml` is appended under [limits] in the config.
  explicit Instance(std::string limits_toml = "", std::string extra_toml = "");
  ~Instance();

  void start();
  // Key rotation tests keep each client's old invite across a restart.
  bool reinit_homes_on_start = true;
  // More command-line arguments for casewired (e.g. --db postgresql://...).
  std::vector<std::string> daemon_args;
  void set_env(std::string key, std::string value) { env_[std::move(key)] = std::move(value); }
  void stop();   // SIGTERM and wait
  void kill9();  // SIGKILL and wait
  void sighup();
  bool running() { return proc_ && proc_->running(); }
  pid_t pid() const { return proc_ ? proc_->pid() : -1; }

  // `replaces`: key id (hex) of a lost key this contact's new key replaces.
  Contact add_contact(const std::string& label, std::uint32_t rate_per_hour = 1000,
                      std::vector<std::string> regions = {}, const std::string& replaces = "");
  void revoke(const KeyId& id);
  // The webhook secret is generated here and passed with --webhook-secret-file.
  Org add_org(const std::string& name, const OrgOptions& o);
  RunResult client(const Org& o, std::vector<std::string> args,
                   std::map<std::string, std::string> env = {}) const;

  // Seals an alert as `c` would, addressed to this daemon.
  Bytes seal(const Contact& c, const Alert& a, const AlertId& id, std::int64_t created_at) const;
  Bytes seal(const Contact& c, const Alert& a) const;

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  const std::string& dir() const { return dir_.path(); }
  std::string keys_dir() const { return dir_ / "daemon"; }
  std::string db_path() const { return dir_ / "daemon/casewired.db"; }
  std::string invite_path() const { return dir_ / "invite.json"; }
  const std::string& config_path() const { return config_; }
  const Invite& invite() const { return invite_; }
  std::string log() const;  // everything the daemon wrote to stderr so far
  std::uint64_t count_alerts() const;
  std::string metrics() const;
  std::uint64_t metric(const std::string& line_prefix) const;
  // True once every leaf recorded so far has joined the case log (its mixing
  // window of a second is over and the daemon appended it).
  bool wait_for_log(std::chrono::seconds limit = std::chrono::seconds(20)) const;

  // Runs the casewire client for contact `c` with the given arguments.
  RunResult client(const Contact& c, std::vector<std::string> args,
                   std::map<std::string, std::string> env = {}) const;

 private:
  void write_invite();
  void init_home(const std::string& home, const std::string& key);
  TempDir dir_;
  std::vector<std::pair<std::string, std::string>> homes_;
  std::map<std::string, std::string>
      env_;  // for the daemon process  // (home, key): re-pointed at every start
  std::string config_;
  std::unique_ptr<Process> proc_;
  std::uint16_t port_ = 0, admin_port_ = 0;
  int starts_ = 0;
  Invite invite_;
  std::string all_logs_;
};

}  // namespace cw::test
