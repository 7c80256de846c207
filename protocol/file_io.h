// File I/O with the guarantees casewire's files need.
//
// write_file_atomic: the new content is written to a temporary file in the
// same directory, fsync'd, renamed over the target and the directory fsync'd,
// so a crash leaves either the old file or the new one, never a torn one.
// Secrets are written with mode 0600 from creation (never chmod'ed later).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "protocol/bytes.h"
#include "protocol/error.h"

namespace cw {

enum class Overwrite { no, yes };

Status write_file_atomic(const std::string& path, ByteView content, mode_t mode,
                         Overwrite overwrite);

// Reads a whole file, refusing anything larger than max_size (files we parse
// are small; a huge one is an error, not something to allocate for).
Result<Bytes> read_file(const std::string& path, std::size_t max_size = 1 << 20);

// Reads an open descriptor to its end (a pipe: `--passphrase-file -`); `name`
// is what errors call it. The descriptor stays open.
Result<Bytes> read_fd(int fd, std::size_t max_size, const std::string& name);

bool file_exists(const std::string& path);

// fsync of a directory: makes the renames and unlinks done in it durable.
Status sync_directory(const std::string& dir);

// Creates a directory (and parents) with the given mode if missing.
Status make_dirs(const std::string& path, mode_t mode);

// Overwrites a file's bytes with random data, fsyncs, then unlinks it. On
// flash storage and journaling filesystems this is best effort (documented in
// docs/THREAT_MODEL.md); it still defeats undelete tools and casual forensics.
Status shred_file(const std::string& path);

// The effective user as "name (uid N)", for messages about permissions: the
// user a command runs as is what an operator most often has wrong.
std::string this_user();

// The owner of a path (following links), or nullopt when it cannot be stat'ed.
std::optional<uid_t> owner_of(const std::string& path);

// Refuses root working in a directory another user owns (the service's
// /var/lib/casewire): files root wrote there (a trust store, a database's
// -wal) would be root's, and the service, running as that user, could not
// read or write them afterwards. bad_config, naming the owner and the command
// to run instead: "runuser -u OWNER -- " + command.
Status refuse_root_in_foreign_dir(const std::string& dir, std::string_view command);

// True when a secret file is readable by group or others (warn the user).
bool is_group_or_world_readable(const std::string& path);

}  // namespace cw
