// Key files: public keys as short text lines, secret keys encrypted at rest.
//
// Public key line (one per key, copyable by hand, checked on parse):
//     cwk1 <kind> <key id, 16 hex> <base64 of the 32-byte key>
// The key id is recomputed from the key and must match, so a mistyped
// character is caught rather than enrolling a stranger's key.
//
// Secret key file: a comment line, then one base64 line holding
//     "CWSK" | version=1 | role | kdf | opslimit u64 | memlimit u64 |
//     salt[16] | nonce[24] | XChaCha20-Poly1305(payload, ad = all of the above)
// payload = Ed25519 seed[32] (+ X25519 secret[32] for org and daemon)
//           (+ storage master secret[32] for the daemon).
// kdf 1 = Argon2id(passphrase, salt, opslimit, memlimit); kdf 0 = an all-zero
// key (integrity only, NO confidentiality: --insecure-no-passphrase).
// See docs/PROTOCOL.md, "Key files".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/error.h"
#include "protocol/keys.h"
#include "protocol/secret.h"

namespace cw {

std::string format_public_key(const PublicKey& pk);
Result<PublicKey> parse_public_key(std::string_view line);

// The public half of an identity, as written to FILE.pub and into invites.
struct PublicKeySet {
  PublicKey sign;
  std::optional<PublicKey> box;
};
// Lines starting with '#' are comments; blank lines are ignored.
std::string format_public_key_file(const PublicKeySet& keys, std::string_view comment);
Result<PublicKeySet> parse_public_key_file(std::string_view text);

// backup: a key made only to encrypt backups to (keys/backup.h), kept
// offline; its box key is what matters.
enum class Role : std::uint8_t { contact = 1, org = 2, daemon = 3, backup = 4 };
std::string_view role_name(Role role);

// A secret identity. Move-only: all secret parts live in SecretBytes.
struct Identity {
  Role role = Role::contact;
  SigningKey sign;
  std::optional<BoxKey> box;  // org (optional e2e key), daemon (envelopes)
  SecretBytes master;         // daemon only: root of storage and pseudonym keys

  static Identity generate(Role role);
  PublicKeySet public_keys() const;
};

struct KdfParams {
  std::uint64_t opslimit;
  std::uint64_t memlimit;
  static KdfParams moderate();     // default for key files people create
  static KdfParams interactive();  // for tests only (faster)
};

// passphrase == nullptr writes an unencrypted (integrity-only) file.
Result<std::string> seal_identity(const Identity& id, const SecretBytes* passphrase,
                                  KdfParams params = KdfParams::moderate());

// Called only when the file is passphrase-protected.
using PassphraseFn = std::function<Result<SecretBytes>()>;
Result<Identity> open_identity(std::string_view file_text, const PassphraseFn& passphrase);

// True when the file text says it is stored without a passphrase.
bool identity_file_is_insecure(std::string_view file_text);
// The Argon2id cost a passphrase-protected file was sealed with (a file
// rewritten under a new key is sealed at the same cost); nullopt otherwise.
std::optional<KdfParams> identity_file_kdf(std::string_view file_text);

// Where a passphrase comes from: --passphrase-file, then CASEWIRE_PASSPHRASE
// (removed from the environment and wiped once read, so child processes and
// /proc/PID/environ do not keep it), then a no-echo prompt on the terminal.
// Fails with no_passphrase when none is available (e.g. no terminal), rather
// than guessing, and when a passphrase is longer than kMaxPassphrase bytes
// (it is never silently truncated).
inline constexpr std::size_t kMaxPassphrase = 1024;
struct PassphraseSource {
  std::string file;
  // An unencrypted (--insecure-no-passphrase) key file is opened only when
  // this is set, by an explicit insecure setting of the program; otherwise it
  // is refused, so a key silently left unprotected is noticed.
  bool allow_unencrypted = false;
  Result<SecretBytes> get(std::string_view prompt, bool confirm) const;
};

// Opens a secret key file, asking `source` for the passphrase if it has one;
// refuses an unencrypted file unless source.allow_unencrypted.
Result<Identity> open_identity_file(std::string_view file_text, const PassphraseSource& source,
                                    std::string_view prompt);

// How a new key file is written (casewire-keys and the client's new-key).
struct SecretFileOptions {
  bool insecure_no_passphrase = false;  // tests and demos only
  std::string passphrase_file;          // else CASEWIRE_PASSPHRASE, else a prompt (asked twice)
  bool force = false;                   // replace existing files
  KdfParams kdf = KdfParams::moderate();
};

// Writes `id` to secret_path (0600, sealed under a passphrase from `o`) and
// its public keys to pub_path (0644). Refuses to replace either unless
// o.force; an unencrypted file is announced on stderr.
Status write_identity_files(const Identity& id, const std::string& secret_path,
                            const std::string& pub_path, const SecretFileOptions& o);

}  // namespace cw
