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
//   CASEWIRE_FAULT_ACK_BEFORE_COMMIT=1   a negative control: acknowledge a
//       batch BEFORE its COMMIT, which a crash test must catch as lost alerts.
//   CASEWIRE_POWER_LOSS_VFS=<leak%>[:<sync_us>]   keep unsynced writes in
//       memory so a SIGKILL is a power cut (power_loss_vfs.h); leak% of them
//       reach the file early, some torn; each sync takes sync_us (default
//       2000, a disk's flush). Overrides CASEWIRE_FAULT_VFS.
//   CASEWIRE_FAULT_SYNCHRONOUS_OFF=1     a negative control: the store runs
//       with PRAGMA synchronous=OFF (never fsyncs), which a power-cut test
//       must catch as lost alerts (a kill-only test cannot).
//   CASEWIRE_FAULT_PHASE_FILE=<path>     the writer records in this file's
//       first byte where it is (0 idle, 1 writing a batch, 2 in COMMIT), so a
//       test can tell where its SIGKILLs landed.
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
// What ships: every commit fsyncs the WAL before it returns, so a receipt
// (sent after the commit) is never for an alert a power cut can take back.
// One constant for both builds, so the power-cut tests of the fault build run
// exactly the production pragma (a weakened one fails them).
inline constexpr const char* kProductionSynchronous = "PRAGMA synchronous=FULL";
// kProductionSynchronous, or =OFF for the negative control above.
const char* synchronous_pragma();
enum class Phase : char { idle = 0, writing = 1, committing = 2 };
void mark(Phase p);
// How many faults have been injected so far (for logs and tests).
std::uint64_t injected();

}  // namespace cw::daemon::fault
