// Fault injection for durability tests - compiled in only when the build sets
// CASEWIRE_FAULT_INJECTION (the sanitizer build in deploy/test.sh), never in
// a production build. Controlled by environment variables read at start:
//
//   CASEWIRE_FAULT_VFS=<op>:<n>:<mode>   op = write | sync; after n armed
//       calls of op on the database or its WAL, fail: mode = once (one
//       failure), persistent (every call), or enospc (every call, reported as
//       SQLITE_FULL: disk full).
//   CASEWIRE_FAULT_CLEAR_FILE=<path>     while this file exists the fault is
//       disarmed (calls are neither failed nor counted): a test creates it,
//       starts the daemon, removes it to arm, recreates it to clear.
//   CASEWIRE_FAULT_ACK_BEFORE_COMMIT=1   the negative control: acknowledge a
//       batch BEFORE its COMMIT (and linger there), which a crash test must
//       catch as lost alerts.
#pragma once

#include <cstdint>
#include <string>

namespace cw::daemon::fault {

// True when this binary was built with fault injection.
bool compiled_in();
// Registers the faulty VFS (if CASEWIRE_FAULT_VFS is set) and returns its
// name for sqlite3_open_v2, or nullptr for the default VFS.
const char* vfs_name();
bool ack_before_commit();
// How many faults have been injected so far (for logs and tests).
std::uint64_t injected();

}  // namespace cw::daemon::fault
