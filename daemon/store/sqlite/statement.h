// The SQLite plumbing every part of the store shares: statements (cached
// per connection on the per-alert path), running them, and opening a
// connection the way the store needs it (WAL, synchronous=FULL).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol/bytes.h"
#include "protocol/error.h"

namespace cw::daemon {

// store_unavailable, naming what failed and SQLite's message (never a value).
Error db_error(sqlite3* db, const std::string& what);

// The statements of the per-alert path, prepared once per connection and
// reset between uses: preparing ~12 statements for every alert showed in
// the profile (bench/RESULTS.md). Keyed by the SQL literal's address, so only
// string literals may be used with it. One user at a time (the writer
// thread, or a reader under its lock); a statement is never used twice at
// once. Cleared (finalized) before its connection closes.
class StmtCache {
 public:
  explicit StmtCache(sqlite3*& db) : db_(db) {}
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;
  ~StmtCache() { clear(); }
  sqlite3_stmt* get(const char* sql) {
    if (auto it = stmts_.find(sql); it != stmts_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      return nullptr;
    stmts_.emplace(sql, st);
    return st;
  }
  void clear() {
    for (auto& [sql, st] : stmts_) sqlite3_finalize(st);
    stmts_.clear();
  }

 private:
  sqlite3*& db_;
  std::unordered_map<const char*, sqlite3_stmt*> stmts_;
};

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  // A cached statement: reset and unbound when this Stmt goes, not finalized.
  Stmt(StmtCache& cache, const char* sql) : s_(cache.get(sql)), cached_(true) {}
  Stmt(Stmt&& o) noexcept
      : s_(std::exchange(o.s_, nullptr)), cached_(std::exchange(o.cached_, false)) {}
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    std::swap(cached_, o.cached_);
    return *this;
  }
  ~Stmt() {
    if (!cached_) {
      sqlite3_finalize(s_);
    } else if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  explicit operator bool() const { return s_ != nullptr; }
  sqlite3_stmt* get() const { return s_; }

  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::uint64_t v) {
    sqlite3_bind_int64(s_, i, static_cast<std::int64_t>(v));
    return *this;
  }
  Stmt& bind(int i, int v) {
    sqlite3_bind_int(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, ByteView v) {
    // An empty view may have no data pointer, which SQLite would bind as NULL.
    if (v.empty()) {
      sqlite3_bind_zeroblob(s_, i, 0);
      return *this;
    }
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  std::int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
  bool is_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  bool null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  std::string text(int c) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }
  ByteView blob(int c) const {
    return {static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, c)),
            static_cast<std::size_t>(sqlite3_column_bytes(s_, c))};
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool cached_ = false;
};

// How long a connection waits for another's lock (the writer's, a reader's
// checkpoint), and how long the WAL's truncation waits for readers.
inline constexpr int kBusyTimeoutMs = 5000, kScrubWaitMs = 100;

Status exec(sqlite3* db, const char* sql);
// Runs a write statement that must complete.
Status run(sqlite3* db, Stmt& s, const char* what);
// WAL: readers never block the writer. synchronous=FULL: the WAL is fsync'd
// at every commit, which is what makes a receipt a promise (only a
// fault-injection build's negative control can turn that off).
Status set_writer_pragmas(sqlite3* db);
Result<sqlite3*> open_db(const std::string& path, int flags);

}  // namespace cw::daemon
