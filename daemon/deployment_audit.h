// What `casewired --check-config` reports beyond "everything loads": settings
// and files that work but leave the daemon weaker than the operator probably
// meant. Errors fail the check (a key file others can read); warnings are
// printed and the check still passes (a choice the operator may have made
// on purpose, like an admin listener on a private network).
#pragma once

#include <string>
#include <vector>

#include "daemon/config.h"
#include "trust/trust_store.h"

namespace cw::daemon {

struct Finding {
  enum class Severity { warning, error };
  Severity severity;
  std::string message;  // names the setting or file; never a secret or a key
};

// `trust` is where per-organisation checks go; webhook URLs need none today:
// the key tool accepts plain http:// only to a loopback address.
std::vector<Finding> audit_deployment(const Config& config, const TrustStore& trust);

}  // namespace cw::daemon
