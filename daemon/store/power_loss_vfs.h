// A simulated power cut for durability tests (fault-injection builds only,
// never production; see fault_vfs.h for how it is switched on).
//
// SIGKILL leaves the kernel's page cache intact, so a crash test that only
// kills the process cannot tell a daemon that fsyncs from one that does not.
// This VFS keeps every write to the database, its WAL and its journal in the
// daemon's own memory until SQLite syncs that file; only then are the writes
// applied to the real file and fsync'd. Killing the process therefore drops
// everything written since the last successful sync, as a power cut would.
// Like a disk's write-back cache, it also lets a random share of unsynced
// writes reach the file early, in whatever order, some of them torn at a
// 512-byte sector boundary: after a cut the file holds the synced state plus
// an arbitrary, partial subset of what came after (the model of SQLite's own
// crash tests, src/test6.c, written here from its description).
//
// A sync also takes the time a real disk's cache flush does (`sync_micros`,
// slept before the writes reach the file): on a fast test disk the window in
// which an unsynced write exists would otherwise be too short for a cut to
// find, and a harness that cannot find it proves nothing.
//
// Not modelled: a directory entry that was never fsync'd (new files survive),
// and writes handed to the kernel inside a sync that the cut interrupts (they
// survive; no receipt depends on them, since receipts wait for the sync).
#pragma once

namespace cw::daemon::fault {

// Registers the VFS (once) and returns its name for sqlite3_open_v2.
// `leak_percent` is the chance that an unsynced write reaches the file early;
// `sync_micros` how long each sync of a modelled file takes.
const char* power_loss_vfs(unsigned leak_percent, unsigned sync_micros);

}  // namespace cw::daemon::fault
