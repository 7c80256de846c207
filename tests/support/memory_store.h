// An in-memory Store for unit tests of what sits on top of the store (ingest,
// delivery): no files, no server, and a switch that makes commits fail. It
// runs the same store conformance suite as the real backends
// (tests/daemon/store/store_conformance_test.cc), so a test that passes on it
// relies only on the contract they all keep. Never used by the daemon.
#pragma once

#include <functional>
#include <memory>

#include "daemon/store/store.h"

namespace cw::test {

// What a memory store keeps, kept apart from the store object so that a
// test can "restart" onto the same data (a new store over the same disk).
struct MemoryDisk;
std::shared_ptr<MemoryDisk> new_memory_disk();

struct MemoryStoreHandle {
  std::unique_ptr<daemon::Store> store;
  // While true, every batch rolls back (as a failed fsync or a lost database
  // connection would) and healthy() is false.
  std::function<void(bool)> fail_commits;
};

MemoryStoreHandle make_memory_store(std::shared_ptr<MemoryDisk> disk, const daemon::Keyring* keys,
                                    std::uint32_t max_batch = 64);

}  // namespace cw::test
