// casewire dashboard: the organisation's cases in a browser. The client
// (which holds the organisation key, verifies every notification and signs
// every request) serves a page on loopback and prints its URL with a random
// token; the key never enters the browser and the daemon grows no web login.
// docs/ORGANISATIONS.md, "The dashboard".
#pragma once

#include <iosfwd>
#include <string>

#include "client/commands.h"

namespace cw::client {

struct DashboardOptions {
  std::string key;                     // organisation key file (default: the home's)
  std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 = a free one
  bool allow_remote = false;           // listen beyond loopback (behind your own TLS proxy)
  std::string
      public_origin;  // with allow_remote: the proxy's origin, e.g. https://dash.example.org
};

// Runs until SIGINT/SIGTERM. Exit status 0, or 1 on a setup error.
int cmd_dashboard(const Globals& g, const DashboardOptions& o, std::ostream& out,
                  std::ostream& err);

}  // namespace cw::client
