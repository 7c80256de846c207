// casewired as a whole: loads keys, trust store and store, opens listeners,
// and runs until SIGTERM (drain) - reloading the trust store on SIGHUP.
#pragma once

#include <iosfwd>
#include <memory>

#include "daemon/config.h"
#include "daemon/keyring.h"
#include "daemon/trust.h"
#include "protocol/error.h"
#include "protocol/gazetteer.h"

namespace cw::daemon {

class Daemon {
 public:
  static Result<std::unique_ptr<Daemon>> create(const Config& config);
  ~Daemon();
  // Blocks until shut down; returns the process exit status.
  int run();

 private:
  struct Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Loads keys, trust store and database exactly as run() would, and audits
// the deployment (deployment_audit.h), writing each finding to `report`:
// what --check-config does. Fails on the first load error or on any
// error-severity finding; warnings alone pass.
Status check_config(const Config& config, std::ostream& report);

// The daemon's keys (asking for the passphrase as the daemon does, the
// systemd credential included) and its trust store: for the operator's
// tools that work on the instance beside or instead of the daemon.
struct LoadedInstance {
  Keyring keys;
  std::shared_ptr<const TrustView> trust;
  std::string rotation_warning;  // an uncommitted, interrupted rotation left files (harmless)
};
Result<LoadedInstance> load_keys_and_trust(const Config& config);

// The instance's gazetteer (DIR/gazetteer.json), or the built-in one when
// the file does not exist; bad_config naming the fault if it is invalid.
Result<std::shared_ptr<const Gazetteer>> load_gazetteer(const Config& config);

}  // namespace cw::daemon
