// casewire verify-log: checks that the daemon's case log (docs/PROTOCOL.md
// §5b) still holds every alert this device has a receipt for, and that it
// only grew since the last head this device saw - for contacts and
// organisations alike. With --compare, that another organisation's head
// (their `casewire verify-log --json` output) belongs to the same log: a
// daemon that shows different people different logs is caught that way.
//
// A check that fails says so in plain words and exits 4 (untrusted); the
// head last seen is then kept, so every later check fails too until people
// have looked into it.
#pragma once

#include <iosfwd>
#include <string>

#include "client/commands.h"
#include "client/home.h"

namespace cw::client {

struct VerifyLogOptions {
  std::string key;      // key file (default: the home's)
  std::string compare;  // a file holding another party's tree head (JSON)
};

// Keeps `head_json` (a tree head from the feed or a pull page) as the newest
// head seen, if the daemon signed it and it is bigger than the one kept.
// Silent: a bad head here is for verify-log to judge, not the feed.
// Sealed under `id`'s device key (client/device_files.h).
void remember_head(const ClientHome& home, const Invite& invite, const Identity& id,
                   std::string_view head_json);

int cmd_verify_log(const Globals& g, const VerifyLogOptions& o, std::ostream& out,
                   std::ostream& err);

}  // namespace cw::client
