// casewire gazetteer: the places this device knows, named in the user's
// language, and fetching the daemon's newest signed gazetteer.
#pragma once

#include <iosfwd>
#include <string>

#include "client/commands.h"

namespace cw::client {

struct PlacesOptions {
  std::string search;   // a name in any language, or a code; empty = all
  std::string lang;     // en | zh | ko (default en)
  bool update = false;  // fetch GET /v1/gazetteer first (signed request)
  std::string key;      // key file for the signed request (default: the home's)
};

// 0; 1 usage or setup; 3 the daemon could not be reached (the known
// gazetteer is still shown); 4 what came back is not signed by the daemon.
// Fetches, verifies and stores the daemon's gazetteer if it is not older
// than the one in use, and installs it. Returns the exit status.
struct ClientContext;
int update_gazetteer(const Globals& g, const ClientContext& ctx, const std::string& key,
                     std::ostream& out, std::ostream& err);

int cmd_gazetteer(const Globals& g, const PlacesOptions& o, std::ostream& out, std::ostream& err);

}  // namespace cw::client
