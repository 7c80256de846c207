#include "daemon/store/fault_vfs.h"

#ifdef CASEWIRE_FAULT_INJECTION

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "daemon/store/power_loss_vfs.h"

namespace cw::daemon::fault {
namespace {

enum class Op { none, write, sync };
enum class Mode { once, persistent, enospc };

struct Plan {
  Op op = Op::none;
  std::uint64_t after = 0;
  Mode mode = Mode::once;
  std::string clear_file;
};

Plan g_plan;
std::atomic<std::uint64_t> g_calls{0};
std::atomic<std::uint64_t> g_injected{0};
std::atomic<bool> g_once_done{false};
sqlite3_vfs g_vfs;
sqlite3_vfs* g_base = nullptr;

Plan parse_plan() {
  Plan p;
  const char* spec = std::getenv("CASEWIRE_FAULT_VFS");
  if (!spec || !*spec) return p;
  std::string s(spec);
  auto c1 = s.find(':'), c2 = s.rfind(':');
  if (c1 == std::string::npos || c2 == c1) return p;
  auto op = s.substr(0, c1), n = s.substr(c1 + 1, c2 - c1 - 1), mode = s.substr(c2 + 1);
  p.op = op == "write" ? Op::write : op == "sync" ? Op::sync : Op::none;
  p.after = std::strtoull(n.c_str(), nullptr, 10);
  p.mode = mode == "persistent" ? Mode::persistent : mode == "enospc" ? Mode::enospc : Mode::once;
  if (const char* clear = std::getenv("CASEWIRE_FAULT_CLEAR_FILE")) p.clear_file = clear;
  return p;
}

bool cleared() {
  struct stat st {};
  return !g_plan.clear_file.empty() && ::stat(g_plan.clear_file.c_str(), &st) == 0;
}

// Returns the SQLite error to inject for this call of `op`, or SQLITE_OK.
int should_fail(Op op, int io_error) {
  if (g_plan.op != op || cleared()) return SQLITE_OK;
  if (g_calls.fetch_add(1) < g_plan.after) return SQLITE_OK;
  if (g_plan.mode == Mode::once && g_once_done.exchange(true)) return SQLITE_OK;
  g_injected.fetch_add(1);
  return g_plan.mode == Mode::enospc ? SQLITE_FULL : io_error;
}

struct FaultFile {
  sqlite3_file base;   // must be first: SQLite sees this
  sqlite3_file* real;  // the default VFS's file, allocated after us
};

sqlite3_io_methods g_methods;

FaultFile* ff(sqlite3_file* f) {
  return reinterpret_cast<FaultFile*>(f);
}

int x_close(sqlite3_file* f) {
  int rc = ff(f)->real->pMethods ? ff(f)->real->pMethods->xClose(ff(f)->real) : SQLITE_OK;
  return rc;
}
int x_read(sqlite3_file* f, void* b, int n, sqlite3_int64 off) {
  return ff(f)->real->pMethods->xRead(ff(f)->real, b, n, off);
}
int x_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 off) {
  if (int rc = should_fail(Op::write, SQLITE_IOERR_WRITE)) return rc;
  return ff(f)->real->pMethods->xWrite(ff(f)->real, b, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return ff(f)->real->pMethods->xTruncate(ff(f)->real, size);
}
int x_sync(sqlite3_file* f, int flags) {
  if (int rc = should_fail(Op::sync, SQLITE_IOERR_FSYNC)) return rc;
  return ff(f)->real->pMethods->xSync(ff(f)->real, flags);
}
int x_size(sqlite3_file* f, sqlite3_int64* s) {
  return ff(f)->real->pMethods->xFileSize(ff(f)->real, s);
}
int x_lock(sqlite3_file* f, int l) {
  return ff(f)->real->pMethods->xLock(ff(f)->real, l);
}
int x_unlock(sqlite3_file* f, int l) {
  return ff(f)->real->pMethods->xUnlock(ff(f)->real, l);
}
int x_check(sqlite3_file* f, int* r) {
  return ff(f)->real->pMethods->xCheckReservedLock(ff(f)->real, r);
}
int x_fcntl(sqlite3_file* f, int op, void* a) {
  return ff(f)->real->pMethods->xFileControl(ff(f)->real, op, a);
}
int x_sector(sqlite3_file* f) {
  return ff(f)->real->pMethods->xSectorSize(ff(f)->real);
}
int x_dev(sqlite3_file* f) {
  return ff(f)->real->pMethods->xDeviceCharacteristics(ff(f)->real);
}
int x_shmmap(sqlite3_file* f, int pg, int sz, int ext, void volatile** pp) {
  return ff(f)->real->pMethods->xShmMap(ff(f)->real, pg, sz, ext, pp);
}
int x_shmlock(sqlite3_file* f, int off, int n, int flags) {
  return ff(f)->real->pMethods->xShmLock(ff(f)->real, off, n, flags);
}
void x_shmbarrier(sqlite3_file* f) {
  ff(f)->real->pMethods->xShmBarrier(ff(f)->real);
}
int x_shmunmap(sqlite3_file* f, int del) {
  return ff(f)->real->pMethods->xShmUnmap(ff(f)->real, del);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** pp) {
  return ff(f)->real->pMethods->xFetch(ff(f)->real, off, amt, pp);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return ff(f)->real->pMethods->xUnfetch(ff(f)->real, off, p);
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = ff(f);
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(FaultFile));
  std::memset(file->real, 0, static_cast<std::size_t>(g_base->szOsFile));
  int rc = g_base->xOpen(g_base, name, file->real, flags, out_flags);
  f->pMethods = rc == SQLITE_OK ? &g_methods : nullptr;
  return rc;
}

void install() {
  g_base = sqlite3_vfs_find(nullptr);
  g_methods =
      sqlite3_io_methods{3,         x_close,      x_read,     x_write, x_truncate, x_sync, x_size,
                         x_lock,    x_unlock,     x_check,    x_fcntl, x_sector,   x_dev,  x_shmmap,
                         x_shmlock, x_shmbarrier, x_shmunmap, x_fetch, x_unfetch};
  g_vfs = *g_base;
  g_vfs.zName = "casewire-faulty";
  g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_base->szOsFile;
  g_vfs.xOpen = x_open;
  g_vfs.pNext = nullptr;
  sqlite3_vfs_register(&g_vfs, 0);
}

}  // namespace

bool compiled_in() {
  return true;
}

const char* vfs_name() {
  if (const char* pl = std::getenv("CASEWIRE_POWER_LOSS_VFS"); pl && *pl) {
    char* rest = nullptr;
    const auto leak = std::strtoul(pl, &rest, 10);
    const auto sync_us = *rest == ':' ? std::strtoul(rest + 1, nullptr, 10) : 2000;
    return power_loss_vfs(static_cast<unsigned>(leak), static_cast<unsigned>(sync_us));
  }
  static std::once_flag once;
  std::call_once(once, [] {
    g_plan = parse_plan();
    if (g_plan.op != Op::none) install();
  });
  return g_plan.op != Op::none ? "casewire-faulty" : nullptr;
}

bool ack_before_commit() {
  const char* v = std::getenv("CASEWIRE_FAULT_ACK_BEFORE_COMMIT");
  return v && std::strcmp(v, "1") == 0;
}

std::uint64_t injected() {
  return g_injected.load();
}

const char* synchronous_pragma() {
  const char* v = std::getenv("CASEWIRE_FAULT_SYNCHRONOUS_OFF");
  return v && std::strcmp(v, "1") == 0 ? "PRAGMA synchronous=OFF" : kProductionSynchronous;
}

void mark(Phase p) {
  // A shared mapping: the byte is in the page cache the moment it is stored,
  // so it survives the SIGKILL whose landing place it records.
  static volatile char* byte = []() -> volatile char* {
    const char* path = std::getenv("CASEWIRE_FAULT_PHASE_FILE");
    if (!path || !*path) return nullptr;
    int fd = ::open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ::ftruncate(fd, 1) != 0) {
      if (fd >= 0) ::close(fd);
      return nullptr;
    }
    void* m = ::mmap(nullptr, 1, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    return m == MAP_FAILED ? nullptr : static_cast<volatile char*>(m);
  }
  ();
  if (byte) *byte = static_cast<char>(p);
}

}  // namespace cw::daemon::fault

#else  // production build: no hooks at all

namespace cw::daemon::fault {
bool compiled_in() {
  return false;
}
const char* vfs_name() {
  return nullptr;
}
bool ack_before_commit() {
  return false;
}
std::uint64_t injected() {
  return 0;
}
const char* synchronous_pragma() {
  return kProductionSynchronous;
}
void mark(Phase) {}
}  // namespace cw::daemon::fault

#endif
