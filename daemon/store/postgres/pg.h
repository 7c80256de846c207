// The libpq plumbing the PostgreSQL store shares: owned connections and
// results, parameters (integers and text as text, byte strings as binary),
// binary results, and errors that name what failed and the SQLSTATE only -
// PostgreSQL's own messages can quote a row's values (a duplicate key's
// DETAIL), which must never reach a log line.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/error.h"

namespace cw::daemon::pg {

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

// Connects, and sets what every casewire session needs: UTC, and a commit
// that waits for the configured synchronous standby (see connect.cc).
Result<Conn> connect(const std::string& uri);
bool alive(PGconn* c);

class Params {
 public:
  Params& add(std::int64_t v);
  Params& add(std::uint64_t v) { return add(static_cast<std::int64_t>(v)); }
  Params& add(int v) { return add(static_cast<std::int64_t>(v)); }
  Params& add(std::string_view text);
  Params& add(const char* text) { return add(std::string_view(text)); }
  Params& add_bytes(ByteView bytes);
  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return ptrs_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  void push(std::string v, int format);
  std::vector<std::string> values_;
  std::vector<const char*> ptrs_;
  std::vector<int> lengths_, formats_;
};

// A result in binary format: integers arrive big-endian (any width), bytea
// and text as their bytes.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  int size() const { return PQntuples(r_.get()); }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::int64_t i64(int row, int col) const;
  std::string text(int row, int col) const;
  ByteView bytes(int row, int col) const;
  // Rows an UPDATE, INSERT or DELETE touched.
  std::uint64_t affected() const;

 private:
  struct Deleter {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Deleter> r_;
};

// Runs one statement. store_unavailable on any failure, naming `what`.
Result<Rows> exec(PGconn* c, const char* sql, const Params& p = {}, const char* what = "query");
// Runs statements without parameters or results (BEGIN, COMMIT, DDL).
Status run(PGconn* c, const char* sql, const char* what);
// The status of a statement whose rows are not needed.
inline Status ok(const Result<Rows>& r) {
  return r ? Status::Ok() : Status(r.error());
}

}  // namespace cw::daemon::pg
