// What a contact's or organisation's device keeps about its dealings with
// the daemon - receipts, their case-log evidence, the log heads it checked -
// sealed under a key only its identity's secret (behind the key file's
// passphrase) gives.
//
// Why: a receipt's alert id, log index and leaf, and a head's size and time,
// are handles into a seized server's tables (docs/THREAT_MODEL.md, "A seized
// phone and a seized server"). A phone taken without its passphrase must
// hold none: files sealed here are XChaCha20-Poly1305 under
//   key = BLAKE2b-256(key = the identity's Ed25519 seed, "casewire-device-files-v1")
// and named by a keyed hash, not by what they are about. An identity stored
// without a passphrase (--insecure-no-passphrase) gives the key to anyone
// holding the phone: these files are then as open as the key file.
//
// File: one line "cwdf1 <base64 of nonce (24) || ciphertext || tag (16)>",
// the associated data being the domain and the file's own name (a file
// renamed to another's place does not open).
#pragma once

#include <string>
#include <string_view>

#include "protocol/bytes.h"
#include "protocol/error.h"
#include "protocol/key_file.h"
#include "protocol/secret.h"

namespace cw::client {

class DeviceFiles {
 public:
  explicit DeviceFiles(const Identity& id);

  // A file name (32 hex) for the thing named by `what` (an alert id): the
  // same every time, saying nothing without the key.
  std::string name_for(ByteView what) const;
  // Writes `plaintext` sealed to `path` (0600, atomically).
  Status write(const std::string& path, std::string_view plaintext) const;
  // not_found when there is no such file; bad_key_file when it does not
  // open with this identity's key (another device's, or altered).
  Result<SecretBytes> read(const std::string& path) const;

 private:
  SecretBytes key_;
};

}  // namespace cw::client
