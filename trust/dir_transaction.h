// Several files of an instance directory replaced as one (a key rotation:
// daemon.key, daemon.pub, rotation.json, invite-update.json, TLS files).
//
// Why: the daemon, its clients and the files must agree on which keys are
// in use. A rotation interrupted between two files (a Ctrl-C at a prompt, a
// kill, a power cut) once left an invite update announcing keys that were
// never saved, and every client that applied it was cut off. Here either
// every file is replaced or none is.
//
// How (a redo log, as databases do):
//   1. each new file is written completely into DIR/<name>.pending/ (each
//      write: temporary file, fsync, rename, fsync of the directory);
//   2. the manifest DIR/<name>.pending/COMMIT (the files to install, the
//      files to remove) is written last, atomically: the commit point;
//   3. the staged files are renamed over the live ones, the listed files
//      removed, then COMMIT and the folder; each step fsync'd.
// Recovery, after any interruption: a folder without COMMIT is discarded
// (the live files are untouched: the old state); with COMMIT, step 3 is
// redone - it is idempotent, a staged file already moved is simply gone.
//
// Not thread-safe; one writer (the operator's key tool) at a time. Readers
// (the daemon, --check-config) only ask pending_state().
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/error.h"

namespace cw {

enum class PendingState {
  none,         // nothing staged: the live files are the state
  uncommitted,  // an interrupted transaction before its commit point: the live files stand
  committed,    // committed but not fully installed: finish() must run before the files are used
};

PendingState pending_state(const std::string& dir, const std::string& name);
std::string pending_dir(const std::string& dir, const std::string& name);

class DirTransaction {
 public:
  // Refuses (file_exists) when a transaction of this name is pending: it
  // must be finished or discarded first, never overlaid.
  static Result<DirTransaction> begin(const std::string& dir, const std::string& name);

  // The path to write a staged file to (for writers that take a path, such
  // as the certificate generator), and the way to write one here.
  std::string staged_path(const std::string& file) const;
  Status stage(const std::string& file, ByteView content, mode_t mode);
  // `file` is installed at commit (it must have been staged through
  // staged_path). Both stage() and this record it.
  void install(const std::string& file);
  // `file` (in the live directory) is removed at commit.
  void remove(const std::string& file);

  // Writes the manifest (the commit point), then installs. An error after
  // the commit point leaves a committed transaction that finish() completes.
  Status commit();
  // Drops everything staged (the live files never changed).
  void abandon();

 private:
  DirTransaction(std::string dir, std::string name)
      : dir_(std::move(dir)), name_(std::move(name)) {}
  std::string dir_, name_;
  std::vector<std::string> install_, remove_;
};

enum class Finished { nothing_pending, discarded, completed };
// Recovery: discards an uncommitted transaction, completes a committed one.
Result<Finished> finish_pending(const std::string& dir, const std::string& name);

}  // namespace cw
