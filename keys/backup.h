// Encrypted, verifiable backups of a daemon's instance directory, and restore.
//
// A backup holds what it takes to bring the daemon back elsewhere: every
// file of the instance directory - daemon.key (still under its own
// passphrase), daemon.pub, the TLS keys (and the next and old ones of a
// rotation), trust.json, the revocation journal, the gazetteer, the rotation
// record and invite-update chain - and a consistent snapshot of the database
// taken with SQLite's online backup API while the daemon runs (into memory:
// no plaintext copy touches the disk).
// It is encrypted to a backup key made for the purpose and kept offline
// (`casewire-keys new-backup-key`), so a backup copied off the server is
// useless without that key, and the server itself cannot read old backups.
// The configuration file is not included: it holds no secret and names
// paths of the machine it was written for.
//
// File format (docs/OPERATIONS.md, "Backup file format"):
//
//   "CWBK" || 0x01 || backup key id (8)
//   || crypto_box_seal(backup box public key, stream key (32))       80 bytes
//   || crypto_secretstream_xchacha20poly1305 header                   24 bytes
//   || messages: u32 length (big-endian) || secretstream ciphertext
//
// Message plaintexts: 'M' u64 created_at; then per file 'F' u16 name length,
// name, u64 size, followed by 'D' chunks (at most 64 KiB each); last 'E'
// u32 file count, sent with the FINAL tag. The first message's associated
// data is every header byte before it, so the header cannot be swapped; the
// stream's own chaining refuses reordered, dropped or truncated messages.
#pragma once

#include <iosfwd>
#include <string>

#include "protocol/error.h"
#include "protocol/key_file.h"

namespace cw::keys {

struct BackupOptions {
  std::string dir;         // the instance directory (keys, trust store)
  std::string db;          // default: <dir>/casewired.db
  std::string backup_pub;  // the backup key's .pub file
  std::string out;         // where to write the backup (refuses to overwrite)
};
// Writes the backup, then reads it back and checks every message before
// saying it is done.
Status backup(const BackupOptions& o, std::ostream& out);

struct OpenBackupOptions {
  std::string from;        // the backup file
  std::string backup_key;  // the backup key's secret file
  PassphraseSource passphrase;
  std::string dir;  // restore: a directory that does not exist or is empty
  // restore: the revocation journal's copy kept off the server, re-applied
  // over the backup's trust store (trust/revocation_journal.h).
  std::string revocations;
  bool yes = false;  // restore: the operator checked the keys it leaves active
};
// Decrypts and checks a backup (every message, the database's integrity) and
// prints a summary with counts only.
Status verify_backup(const OpenBackupOptions& o, std::ostream& out);
// verify_backup, then writes the files into o.dir (0700; secrets 0600):
// staged, then installed together once the operator confirmed (or --yes)
// the list of keys the restore leaves active, with the backup's date, after
// re-applying the revocation journal (the backup's, or o.revocations when
// that copy extends it).
Status restore(const OpenBackupOptions& o, std::ostream& out);

}  // namespace cw::keys
