#include "tests/support/postgres.h"

#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace cw::test {
namespace {

const char* const kBin = "/usr/lib/postgresql/15/bin/";

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string capture(const std::string& command) {
  std::string out;
  if (FILE* f = ::popen(command.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    ::pclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string as_pg(const std::string& command) {
  return ::geteuid() == 0 ? "runuser -u postgres -- sh -c " + quote(command) : command;
}

// The scratch directory, handed to the postgres user when we are root.
void give_to_pg(const std::string& dir) {
  std::filesystem::create_directories(dir);
  if (::geteuid() != 0) return;
  if (const passwd* pw = ::getpwnam("postgres")) {
    if (::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown " + dir);
    // The parents must let it in (mkdtemp makes 0700 directories).
    for (auto p = std::filesystem::path(dir).parent_path(); p != p.root_path(); p = p.parent_path())
      std::filesystem::permissions(p, std::filesystem::perms::others_exec,
                                   std::filesystem::perm_options::add);
  }
}

int free_port() {
  static std::atomic<int> next{0};
  for (int tries = 0; tries < 200; ++tries) {
    const int port = 20000 + (::getpid() * 7 + next.fetch_add(1) * 13) % 30000;
    // Unix sockets only, but the port names the socket file: check no other
    // server uses it on this machine (TCP is the cheap proxy for that).
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    if (ok) return port;
  }
  throw std::runtime_error("no free port");
}

void write_settings(const std::string& file, const std::string& sock, int port,
                    const std::string& conf) {
  std::ofstream f(file, std::ios::app);
  f << "\nport = " << port << "\nlisten_addresses = ''\nunix_socket_directories = '" << sock
    << "'\nshared_buffers = 16MB\nmax_connections = 200\nlog_min_messages = warning\n"
    << conf << "\n";
}

bool start_server(const std::string& data, const std::string& log) {
  return run_as_pg(std::string(kBin) + "pg_ctl -D " + quote(data) + " -l " + quote(log) +
                   " -w -t 60 start >/dev/null") == 0;
}

}  // namespace

int run_as_pg(const std::string& command) {
  return std::system(as_pg(command).c_str());
}

std::unique_ptr<PgServer> PgServer::start(const std::string& dir, const std::string& conf) {
  std::unique_ptr<PgServer> s(new PgServer);
  s->dir_ = dir;
  s->data_ = dir + "/data";
  s->sock_ = dir + "/sock";
  give_to_pg(dir);
  if (run_as_pg("mkdir -p " + quote(s->sock_) + " && " + kBin + "initdb -D " + quote(s->data_) +
                " -U postgres --auth=trust -E UTF8 --no-sync >/dev/null") != 0)
    throw std::runtime_error("initdb failed in " + dir);
  s->port_ = free_port();
  // The data directory belongs to postgres; the settings go through it.
  const std::string tmp = dir + "/settings.conf";
  { std::ofstream(tmp) << ""; }
  write_settings(tmp, s->sock_, s->port_, conf);
  run_as_pg("cat " + quote(tmp) + " >> " + quote(s->data_ + "/postgresql.conf"));
  if (!start_server(s->data_, dir + "/server.log"))
    throw std::runtime_error("the PostgreSQL server in " + dir + " did not start");
  s->running_ = true;
  std::ofstream(dir + "/port") << s->port_;
  return s;
}

std::unique_ptr<PgServer> PgServer::start_standby(const PgServer& primary, const std::string& dir,
                                                  const std::string& name) {
  std::unique_ptr<PgServer> s(new PgServer);
  s->dir_ = dir;
  s->data_ = dir + "/data";
  s->sock_ = dir + "/sock";
  give_to_pg(dir);
  if (run_as_pg("mkdir -p " + quote(s->sock_) + " && " + kBin + "pg_basebackup -D " +
                quote(s->data_) + " -h " + quote(primary.sock_) + " -p " +
                std::to_string(primary.port_) + " -U postgres -R -X stream -c fast --no-sync") != 0)
    throw std::runtime_error("pg_basebackup failed in " + dir);
  s->port_ = free_port();
  const std::string tmp = dir + "/settings.conf";
  { std::ofstream(tmp) << ""; }
  write_settings(tmp, s->sock_, s->port_,
                 "primary_conninfo = 'host=" + primary.sock_ +
                     " port=" + std::to_string(primary.port_) +
                     " user=postgres application_name=" + name + "'\n");
  run_as_pg("cat " + quote(tmp) + " >> " + quote(s->data_ + "/postgresql.auto.conf"));
  if (!start_server(s->data_, dir + "/server.log"))
    throw std::runtime_error("the standby in " + dir + " did not start");
  s->running_ = true;
  return s;
}

std::unique_ptr<PgServer> PgServer::attach(const std::string& dir) {
  std::unique_ptr<PgServer> s(new PgServer);
  s->dir_ = dir;
  s->data_ = dir + "/data";
  s->sock_ = dir + "/sock";
  std::ifstream(dir + "/port") >> s->port_;
  if (s->port_ == 0) throw std::runtime_error("no PostgreSQL server recorded in " + dir);
  s->running_ = true;
  s->owned_ = false;
  return s;
}

PgServer::~PgServer() {
  if (owned_) stop();
}

std::string PgServer::uri(const std::string& db) const {
  return "postgresql:///" + db + "?host=" + sock_ + "&port=" + std::to_string(port_) +
         "&user=postgres";
}

bool PgServer::sql(const std::string& statement, const std::string& db) const {
  return std::system((std::string(kBin) + "psql -X -q -v ON_ERROR_STOP=1 -h " + quote(sock_) +
                      " -p " + std::to_string(port_) + " -U postgres -d " + quote(db) + " -c " +
                      quote(statement) + " >/dev/null")
                         .c_str()) == 0;
}

std::string PgServer::query(const std::string& statement, const std::string& db) const {
  return capture(std::string(kBin) + "psql -X -A -t -h " + quote(sock_) + " -p " +
                 std::to_string(port_) + " -U postgres -d " + quote(db) + " -c " +
                 quote(statement) + " 2>/dev/null");
}

std::string PgServer::dump(const std::string& db) const {
  return capture(std::string(kBin) + "pg_dump -h " + quote(sock_) + " -p " + std::to_string(port_) +
                 " -U postgres " + quote(db) + " 2>/dev/null");
}

std::string PgServer::create_database(const std::string& name) const {
  if (!sql("CREATE DATABASE " + name))
    throw std::runtime_error("CREATE DATABASE " + name + " failed");
  return uri(name);
}

void PgServer::kill9() {
  std::ifstream pidfile(data_ + "/postmaster.pid");
  pid_t pid = 0;
  if (pidfile >> pid && pid > 0) ::kill(pid, SIGKILL);
  // The backends notice their postmaster is gone and exit; wait for them so
  // the data directory is free for whatever the test does next.
  for (int i = 0; i < 100 && pid > 0 && ::kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  running_ = false;
}

bool PgServer::promote() {
  return run_as_pg(std::string(kBin) + "pg_ctl -D " + quote(data_) +
                   " -w -t 60 promote >/dev/null") == 0;
}

void PgServer::stop() {
  if (!running_) return;
  run_as_pg(std::string(kBin) + "pg_ctl -D " + quote(data_) +
            " -m immediate -w stop >/dev/null 2>&1");
  running_ = false;
}

const PgServer& shared_pg() {
  static std::once_flag once;
  static std::unique_ptr<PgServer> server;
  static std::string own_dir;
  std::call_once(once, [] {
    if (const char* d = std::getenv("CASEWIRE_TEST_PG_DIR");
        d && std::filesystem::exists(std::string(d) + "/port")) {
      server = PgServer::attach(d);
      return;
    }
    std::string tmpl = (std::filesystem::temp_directory_path() / "casewire-pg-XXXXXX").string();
    own_dir = ::mkdtemp(tmpl.data());
    server = PgServer::start(own_dir);
    std::atexit([] {
      server.reset();
      std::error_code ec;
      std::filesystem::remove_all(own_dir, ec);
    });
  });
  return *server;
}

std::string fresh_pg_database(const std::string& hint) {
  static std::atomic<int> n{0};
  std::string name = "t";
  for (char c : hint) name += std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
  name = name.substr(0, 40) + "_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
  return shared_pg().create_database(name);
}

}  // namespace cw::test
