// Following the daemon through a key rotation: fetching its signed invite
// update (protocol/invite_update.h) and applying it to this device's home.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "client/commands.h"
#include "client/context.h"

namespace cw::client {

// Fetches GET /v1/invite-updates (a signed request, made for the daemon key
// this device knows), walks the chain from that key past the last update
// applied - each link signed by the key the one before it certified - then
// records the links in the key history (daemon_keys.h), rewrites the home's
// invite and `ctx` (keys, URLs, pins) and drops the gazetteer the old key
// signed (fetching the new one, best effort). *applied says whether anything changed. Exit status
// as the other networked commands: 0, 3 (unreachable), 2 (refused), 4 (a forged update).
int apply_invite_update(const Globals& g, ClientContext& ctx, std::ostream& out, std::ostream& err,
                        bool* applied);
// The same, with the identity already opened (no second passphrase prompt).
int apply_invite_update(const Globals& g, ClientContext& ctx, const Identity& id, std::ostream& out,
                        std::ostream& err, bool* applied);

int cmd_update_invite(const Globals& g, std::ostream& out, std::ostream& err);

}  // namespace cw::client
