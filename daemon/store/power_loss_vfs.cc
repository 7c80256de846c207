#include "daemon/store/power_loss_vfs.h"

#ifdef CASEWIRE_FAULT_INJECTION

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace cw::daemon::fault {
namespace {

// One file's contents as SQLite sees them, shared by every connection of this
// process that has the file open (the daemon's writer and reader).
struct Shadow {
  std::mutex mu;
  std::vector<unsigned char> data;  // the logical contents: reads come from here
  struct Op {
    bool truncate;
    sqlite3_int64 offset;  // write offset, or new size for a truncate
    std::vector<unsigned char> bytes;
  };
  std::vector<Op> unsynced;  // in order; lost at a cut unless leaked
  int opens = 0;
};

struct PlFile {
  sqlite3_file base;   // must be first: SQLite sees this
  sqlite3_file* real;  // the default VFS's file, allocated after us
  Shadow* shadow;      // null for files we do not model (temporary files)
  std::string key;     // the shadow's name in g_shadows
};

std::mutex g_mu;  // guards g_shadows; taken before a Shadow's mutex, never after
std::map<std::string, std::shared_ptr<Shadow>> g_shadows;
std::mutex g_rng_mu;  // a leaf: taken under a Shadow's mutex
std::mt19937_64 g_rng{std::random_device{}()};
unsigned g_leak_percent = 0;
unsigned g_sync_micros = 0;
sqlite3_vfs g_vfs;
sqlite3_vfs* g_base = nullptr;
sqlite3_io_methods g_methods;

PlFile* pf(sqlite3_file* f) {
  return reinterpret_cast<PlFile*>(f);
}
const sqlite3_io_methods* real_methods(sqlite3_file* f) {
  return pf(f)->real->pMethods;
}

std::uint64_t random_below(std::uint64_t n) {
  std::lock_guard lock(g_rng_mu);
  return n ? g_rng() % n : 0;
}

// Applies one unsynced operation to the real file (no sync).
int apply(sqlite3_file* real, const Shadow::Op& op) {
  if (op.truncate) return real->pMethods->xTruncate(real, op.offset);
  return real->pMethods->xWrite(real, op.bytes.data(), static_cast<int>(op.bytes.size()),
                                op.offset);
}

// Write-back that happens on its own: all of this write, or a torn prefix
// of whole 512-byte sectors.
void maybe_leak(sqlite3_file* real, const Shadow::Op& op) {
  if (op.truncate || random_below(100) >= g_leak_percent) return;
  const std::size_t sectors = (op.bytes.size() + 511) / 512;
  const std::size_t keep = std::min(op.bytes.size(), (1 + random_below(sectors)) * 512);
  (void)real->pMethods->xWrite(real, op.bytes.data(), static_cast<int>(keep), op.offset);
}

int x_close(sqlite3_file* f) {
  PlFile* p = pf(f);
  if (p->shadow) {
    std::lock_guard glock(g_mu);
    std::lock_guard lock(p->shadow->mu);
    // A clean close is not a cut: the kernel would write these back in time.
    for (const auto& op : p->shadow->unsynced) (void)apply(p->real, op);
    p->shadow->unsynced.clear();
    if (--p->shadow->opens == 0) g_shadows.erase(p->key);
    p->shadow = nullptr;
  }
  int rc = p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;
  p->key.~basic_string();
  return rc;
}

int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  Shadow* s = pf(f)->shadow;
  if (!s) return real_methods(f)->xRead(pf(f)->real, buf, n, off);
  std::lock_guard lock(s->mu);
  const auto size = static_cast<sqlite3_int64>(s->data.size());
  const sqlite3_int64 have = std::clamp<sqlite3_int64>(size - off, 0, n);
  if (have > 0) std::memcpy(buf, s->data.data() + off, static_cast<std::size_t>(have));
  if (have < n) {
    std::memset(static_cast<char*>(buf) + have, 0, static_cast<std::size_t>(n - have));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  Shadow* s = pf(f)->shadow;
  if (!s) return real_methods(f)->xWrite(pf(f)->real, buf, n, off);
  std::lock_guard lock(s->mu);
  const auto end = static_cast<std::size_t>(off) + static_cast<std::size_t>(n);
  if (s->data.size() < end) s->data.resize(end, 0);
  std::memcpy(s->data.data() + off, buf, static_cast<std::size_t>(n));
  const auto* b = static_cast<const unsigned char*>(buf);
  s->unsynced.push_back(Shadow::Op{false, off, std::vector<unsigned char>(b, b + n)});
  maybe_leak(pf(f)->real, s->unsynced.back());
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  Shadow* s = pf(f)->shadow;
  if (!s) return real_methods(f)->xTruncate(pf(f)->real, size);
  std::lock_guard lock(s->mu);
  s->data.resize(static_cast<std::size_t>(size));
  s->unsynced.push_back(Shadow::Op{true, size, {}});
  return SQLITE_OK;
}

// The only way a write becomes durable: after the device's flush time,
// replay every unsynced operation in order (leaked ones again, so the file
// ends exactly as SQLite wrote it), then fsync through the default VFS.
int x_sync(sqlite3_file* f, int flags) {
  Shadow* s = pf(f)->shadow;
  if (!s) return real_methods(f)->xSync(pf(f)->real, flags);
  std::this_thread::sleep_for(std::chrono::microseconds(g_sync_micros));
  std::lock_guard lock(s->mu);
  for (const auto& op : s->unsynced)
    if (int rc = apply(pf(f)->real, op); rc != SQLITE_OK) return rc;
  int rc = real_methods(f)->xSync(pf(f)->real, flags);
  if (rc == SQLITE_OK) s->unsynced.clear();
  return rc;
}

int x_size(sqlite3_file* f, sqlite3_int64* size) {
  Shadow* s = pf(f)->shadow;
  if (!s) return real_methods(f)->xFileSize(pf(f)->real, size);
  std::lock_guard lock(s->mu);
  *size = static_cast<sqlite3_int64>(s->data.size());
  return SQLITE_OK;
}

// Locks, controls and the WAL index (shared memory, rebuilt by SQLite after
// every crash) go to the real file unchanged.
int x_lock(sqlite3_file* f, int l) {
  return real_methods(f)->xLock(pf(f)->real, l);
}
int x_unlock(sqlite3_file* f, int l) {
  return real_methods(f)->xUnlock(pf(f)->real, l);
}
int x_check(sqlite3_file* f, int* r) {
  return real_methods(f)->xCheckReservedLock(pf(f)->real, r);
}
int x_fcntl(sqlite3_file* f, int op, void* a) {
  return real_methods(f)->xFileControl(pf(f)->real, op, a);
}
int x_sector(sqlite3_file* f) {
  return real_methods(f)->xSectorSize(pf(f)->real);
}
int x_dev(sqlite3_file* f) {
  return real_methods(f)->xDeviceCharacteristics(pf(f)->real);
}
int x_shmmap(sqlite3_file* f, int pg, int sz, int ext, void volatile** pp) {
  return real_methods(f)->xShmMap(pf(f)->real, pg, sz, ext, pp);
}
int x_shmlock(sqlite3_file* f, int off, int n, int flags) {
  return real_methods(f)->xShmLock(pf(f)->real, off, n, flags);
}
void x_shmbarrier(sqlite3_file* f) {
  real_methods(f)->xShmBarrier(pf(f)->real);
}
int x_shmunmap(sqlite3_file* f, int del) {
  return real_methods(f)->xShmUnmap(pf(f)->real, del);
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  PlFile* p = pf(f);
  p->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(PlFile));
  p->shadow = nullptr;
  new (&p->key) std::string();
  std::memset(p->real, 0, static_cast<std::size_t>(g_base->szOsFile));
  int rc = g_base->xOpen(g_base, name, p->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    f->pMethods = nullptr;
    p->key.~basic_string();
    return rc;
  }
  f->pMethods = &g_methods;
  const int modelled = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL;
  if (!name || !(flags & modelled)) return SQLITE_OK;
  p->key = name;
  std::lock_guard glock(g_mu);
  auto& slot = g_shadows[p->key];
  if (!slot) {
    // First open in this process: the file as it is on disk is the start.
    slot = std::make_shared<Shadow>();
    sqlite3_int64 size = 0;
    if (p->real->pMethods->xFileSize(p->real, &size) == SQLITE_OK && size > 0) {
      slot->data.resize(static_cast<std::size_t>(size));
      if (p->real->pMethods->xRead(p->real, slot->data.data(), static_cast<int>(size), 0) !=
          SQLITE_OK)
        slot->data.clear();
    }
  }
  ++slot->opens;
  p->shadow = slot.get();
  return SQLITE_OK;
}

}  // namespace

const char* power_loss_vfs(unsigned leak_percent, unsigned sync_micros) {
  static std::once_flag once;
  std::call_once(once, [leak_percent, sync_micros] {
    g_leak_percent = std::min(leak_percent, 100u);
    g_sync_micros = std::min(sync_micros, 1000000u);
    g_base = sqlite3_vfs_find(nullptr);
    // Version 2: no xFetch, so SQLite never memory-maps the real file and
    // bypasses the shadow.
    g_methods = sqlite3_io_methods{2,      x_close,  x_read,    x_write,      x_truncate, x_sync,
                                   x_size, x_lock,   x_unlock,  x_check,      x_fcntl,    x_sector,
                                   x_dev,  x_shmmap, x_shmlock, x_shmbarrier, x_shmunmap, nullptr,
                                   nullptr};
    g_vfs = *g_base;
    g_vfs.zName = "casewire-power-loss";
    g_vfs.szOsFile = static_cast<int>(sizeof(PlFile)) + g_base->szOsFile;
    g_vfs.xOpen = x_open;
    g_vfs.pNext = nullptr;
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return "casewire-power-loss";
}

}  // namespace cw::daemon::fault

#endif  // CASEWIRE_FAULT_INJECTION
