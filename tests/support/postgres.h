// Throwaway PostgreSQL 15 servers for tests: initdb'd in a scratch
// directory, listening on a Unix socket only, run as the `postgres` user
// when the tests run as root (initdb refuses root). Real servers, real
// fsync: the store's durability tests need the genuine article.
#pragma once

#include <memory>
#include <string>

namespace cw::test {

class PgServer {
 public:
  // initdb and start a primary under `dir` (created), on a free port.
  // `conf` is appended to postgresql.conf.
  static std::unique_ptr<PgServer> start(const std::string& dir, const std::string& conf = "");
  // A streaming standby of `primary` (pg_basebackup -R), known to the primary
  // by `name` (what synchronous_standby_names lists), started.
  static std::unique_ptr<PgServer> start_standby(const PgServer& primary, const std::string& dir,
                                                 const std::string& name);
  // A server another process started with `start(dir)` and left running.
  static std::unique_ptr<PgServer> attach(const std::string& dir);
  ~PgServer();  // stops the server unless released

  const std::string& socket_dir() const { return sock_; }
  int port() const { return port_; }
  // libpq URI of database `db` on this server.
  std::string uri(const std::string& db) const;
  // Runs SQL as the superuser through psql; false if it failed.
  bool sql(const std::string& statement, const std::string& db = "postgres") const;
  // psql's output of one query (unaligned, no header).
  std::string query(const std::string& statement, const std::string& db = "postgres") const;
  // pg_dump of a database: everything a seized server's disk would hold.
  std::string dump(const std::string& db) const;
  // CREATE DATABASE; returns its URI.
  std::string create_database(const std::string& name) const;

  void kill9();  // SIGKILL the postmaster: a power cut as the server sees it
  bool promote();
  void stop();
  void release() { owned_ = false; }  // leave it running (a CTest fixture)

 private:
  PgServer() = default;
  std::string dir_, data_, sock_;
  int port_ = 0;
  bool owned_ = true, running_ = false;
};

// The server shared by this test run: the CTest fixture's (the environment
// variable CASEWIRE_TEST_PG_DIR names its directory), or else one started
// for this process and stopped when it exits.
const PgServer& shared_pg();
// A new, empty database on the shared server, named after `hint`; its URI.
std::string fresh_pg_database(const std::string& hint);

// Runs a shell command as the PostgreSQL user when we are root; its exit code.
int run_as_pg(const std::string& command);

}  // namespace cw::test
