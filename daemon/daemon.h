// casewired as a whole: loads keys, trust store and store, opens listeners,
// and runs until SIGTERM (drain) - reloading the trust store on SIGHUP.
#pragma once

#include <memory>

#include "daemon/config.h"
#include "protocol/error.h"

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

// Loads keys, trust store and database exactly as run() would, then returns:
// what --check-config does.
Status check_config(const Config& config);

}  // namespace cw::daemon
