#include "daemon/store/postgres/pg.h"

#include <cstring>

namespace cw::daemon::pg {
namespace {

Error pg_error(PGconn* c, const PGresult* r, const char* what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = std::string("database: ") + what + " failed";
  if (state)
    msg += std::string(" (SQLSTATE ") + state + ")";
  else if (!alive(c))
    msg += " (connection lost)";
  return make_error(Errc::store_unavailable, msg);
}

}  // namespace

Result<Conn> connect(const std::string& uri) {
  Conn c(PQconnectdb(uri.c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK)
    // libpq's message names the host and the reason, never a row; but it can
    // quote a password given in the URI, so it is not passed on.
    return make_error(Errc::store_unavailable, "could not connect to PostgreSQL");
  // libpq prints the server's notices and messages (a connection terminated
  // by a failover) on stderr by default; our log has one format, and what
  // happened to the connection is reported where it fails.
  PQsetNoticeProcessor(
      c.get(), [](void*, const char*) {}, nullptr);
  // remote_apply is stronger than on and is kept; anything weaker (off,
  // local, remote_write) could acknowledge an alert a failover then loses.
  auto sc = exec(c.get(), "SELECT current_setting('synchronous_commit')", {}, "read settings");
  if (!sc) return sc.error();
  const bool keep = sc->size() == 1 && sc->text(0, 0) == "remote_apply";
  if (!keep) CW_TRY(run(c.get(), "SET synchronous_commit TO on", "set synchronous_commit"));
  CW_TRY(run(c.get(), "SET TIME ZONE 'UTC'", "set time zone"));
  // PostgreSQL's notices (a table that already exists) are not for our log.
  CW_TRY(run(c.get(), "SET client_min_messages TO warning", "quiet notices"));
  return c;
}

bool alive(PGconn* c) {
  return c && PQstatus(c) == CONNECTION_OK;
}

void Params::push(std::string v, int format) {
  values_.push_back(std::move(v));
  formats_.push_back(format);
  lengths_.push_back(static_cast<int>(values_.back().size()));
  ptrs_.clear();
  for (const auto& s : values_) ptrs_.push_back(s.data());
}

Params& Params::add(std::int64_t v) {
  push(std::to_string(v), 0);
  return *this;
}

Params& Params::add(std::string_view text) {
  push(std::string(text), 0);
  return *this;
}

Params& Params::add_bytes(ByteView bytes) {
  push(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 1);
  return *this;
}

std::int64_t Rows::i64(int row, int col) const {
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col));
  const int n = PQgetlength(r_.get(), row, col);
  if (n <= 0 || n > 8) return 0;
  std::uint64_t v = (p[0] & 0x80) ? ~std::uint64_t{0} : 0;  // sign-extend
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return static_cast<std::int64_t>(v);
}

std::string Rows::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col),
                     static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

ByteView Rows::bytes(int row, int col) const {
  return ByteView(reinterpret_cast<const std::uint8_t*>(PQgetvalue(r_.get(), row, col)),
                  static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

std::uint64_t Rows::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::strtoull(n, nullptr, 10) : 0;
}

Result<Rows> exec(PGconn* c, const char* sql, const Params& p, const char* what) {
  if (!c)
    return make_error(Errc::store_unavailable, std::string("database: no connection for ") + what);
  PGresult* r = PQexecParams(c, sql, p.size(), nullptr, p.values(), p.lengths(), p.formats(), 1);
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    auto e = pg_error(c, r, what);
    PQclear(r);
    return e;
  }
  return Rows(r);
}

Status run(PGconn* c, const char* sql, const char* what) {
  if (!c)
    return make_error(Errc::store_unavailable, std::string("database: no connection for ") + what);
  PGresult* r = PQexec(c, sql);
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    auto e = pg_error(c, r, what);
    PQclear(r);
    return e;
  }
  PQclear(r);
  return Status::Ok();
}

}  // namespace cw::daemon::pg
