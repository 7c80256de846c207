// casewire-keys rotate: replaces the daemon's box and/or signing key, or
// announces and then activates a new TLS key, and appends the signed invite
// update that carries clients across to the chain the daemon serves
// (docs/OPERATIONS.md §9, protocol/invite_update.h).
//
// A rotation is one transaction over the instance directory
// (trust/dir_transaction.h): every question (passphrases) is asked before
// anything is written; the new key file, its public keys, rotation.json, the
// TLS files and the invite-update chain are staged complete and fsync'd, and
// only then installed together. Interrupted at any point, the directory
// holds the old state or the new one, and `--finish` settles a transaction
// left half-installed by a crash.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "protocol/error.h"

namespace cw::keys {

struct RotateOptions {
  std::string dir;
  std::string db;                 // the store (default DIR/casewired.db), for the log's last head
  std::vector<std::string> urls;  // the daemon's URLs as clients use them
  bool box = false;               // a new box key; the old one opens envelopes for grace_days
  bool sign = false;          // a new signing key; requests for the old id verify for grace_days
  bool tls_next = false;      // make the next TLS key and announce its pin (not used yet)
  bool tls_activate = false;  // switch to the announced TLS key
  bool finish = false;        // only settle an interrupted rotation (complete or discard it)
  std::uint32_t grace_days = 30;
  std::string passphrase_file;  // daemon.key's passphrase
  // The new daemon.key is sealed under the same passphrase unless one of
  // these asks for a new one (then the service's credential must change too).
  bool new_passphrase = false;
  std::string new_passphrase_file;
  std::vector<std::string> tls_names = {"localhost", "127.0.0.1"};  // for a new certificate
};

Status rotate(const RotateOptions& o, std::ostream& out);

}  // namespace cw::keys
