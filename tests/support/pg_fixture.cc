// The CTest fixture's PostgreSQL server: `pg_fixture start DIR` leaves one
// running for the tests that need it, `pg_fixture stop DIR` stops it and
// removes DIR.
#include <filesystem>
#include <iostream>
#include <string>

#include "tests/support/postgres.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: pg_fixture start|stop DIR\n";
    return 2;
  }
  const std::string cmd = argv[1], dir = argv[2];
  std::error_code ec;
  try {
    if (cmd == "start") {
      if (std::filesystem::exists(dir + "/port")) cw::test::PgServer::attach(dir)->stop();
      std::filesystem::remove_all(dir, ec);
      auto s = cw::test::PgServer::start(dir);
      s->release();
      std::cout << "PostgreSQL for the tests: " << s->uri("postgres") << "\n";
      return 0;
    }
    if (cmd == "stop") {
      if (std::filesystem::exists(dir + "/port")) cw::test::PgServer::attach(dir)->stop();
      std::filesystem::remove_all(dir, ec);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "pg_fixture: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: pg_fixture start|stop DIR\n";
  return 2;
}
