// Read-only SQL against a daemon's database file, for tests that look at
// what is on disk (durability, seizure). -1 / "" when a query fails.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/bytes.h"

namespace cw::test {

class DbReader {
 public:
  explicit DbReader(const std::string& path) {
    sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
  }
  ~DbReader() { sqlite3_close(db_); }
  DbReader(const DbReader&) = delete;
  DbReader& operator=(const DbReader&) = delete;

  // The first column of the first row, with one optional blob parameter.
  std::int64_t scalar(const char* sql, ByteView bind = {}) {
    return first(sql, [&](sqlite3_stmt* s) {
      if (!bind.empty())
        sqlite3_bind_blob(s, 1, bind.data(), static_cast<int>(bind.size()), SQLITE_STATIC);
    });
  }
  // The same with one integer parameter.
  std::int64_t scalar_i64(const std::string& sql, std::int64_t bind) {
    return first(sql.c_str(), [&](sqlite3_stmt* s) { sqlite3_bind_int64(s, 1, bind); });
  }
  // Why the last query that returned -1 failed.
  const std::string& last_error() const { return last_error_; }

  std::string text(const char* sql) {
    sqlite3_stmt* s = nullptr;
    std::string v;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      if (auto* t = sqlite3_column_text(s, 0)) v = reinterpret_cast<const char*>(t);
    sqlite3_finalize(s);
    return v;
  }
  std::vector<std::uint8_t> blob(const char* sql) {
    sqlite3_stmt* s = nullptr;
    std::vector<std::uint8_t> v;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 0));
      if (p) v.assign(p, p + sqlite3_column_bytes(s, 0));
    }
    sqlite3_finalize(s);
    return v;
  }
  // Every (table, column) pair of the schema.
  std::vector<std::pair<std::string, std::string>> columns() {
    std::vector<std::pair<std::string, std::string>> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(
            db_,
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
            "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            -1, &s, nullptr) == SQLITE_OK)
      while (sqlite3_step(s) == SQLITE_ROW)
        out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                         reinterpret_cast<const char*>(sqlite3_column_text(s, 1)));
    sqlite3_finalize(s);
    return out;
  }

 private:
  template <class Bind>
  std::int64_t first(const char* sql, Bind bind) {
    sqlite3_stmt* s = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) == SQLITE_OK) {
      bind(s);
      if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    }
    if (v < 0) last_error_ = sqlite3_errmsg(db_);
    sqlite3_finalize(s);
    return v;
  }
  std::string last_error_;
  sqlite3* db_ = nullptr;
};

}  // namespace cw::test
