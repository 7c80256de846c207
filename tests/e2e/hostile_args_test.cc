// Issue 19: no exception escapes a program. Each program's option parser and
// the daemon's config loader are fed hostile input (over-long paths, non-UTF-8
// and NUL bytes, huge numbers, typos); each must refuse cleanly: a normal
// exit, non-zero, not the "internal" status, and one readable error line.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/file_io.h"
#include "protocol/program.h"
#include "tests/support/instance.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace cw::test {
namespace {

const std::string kLong = "/tmp/" + std::string(5000, 'a');  // past PATH_MAX (4096)
const std::string kNonUtf8 = "/tmp/\xff\xfe\xc0\x80-casewire";

// A clean refusal: exited by itself (no signal), not 0, not an exception
// caught at the edge, and said so on stderr.
void expect_clean_refusal(const RunResult& r, const std::string& what) {
  EXPECT_GE(r.status, 1) << what << ": status " << r.status << " (negative = killed by a signal)\n"
                         << r.err;
  EXPECT_NE(r.status, kExitInternal) << what << ": an exception reached main()\n" << r.err;
  EXPECT_NE(r.err.find("rror"), std::string::npos) << what << ": no error message\n" << r.err;
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << what;
}

class HostileConfig : public ::testing::Test {
 protected:
  RunResult check(const std::string& toml_text) {
    const std::string path = dir / "c.toml";
    EXPECT_TRUE(write_file_atomic(path, as_bytes(toml_text), 0600, Overwrite::yes).ok());
    return run({bin("casewired"), "--config", path, "--check-config"});
  }
  TempDir dir;
};

TEST_F(HostileConfig, KeysDirLongerThanPathMaxIsRefusedNotAborted) {
  // The exact reproduction from issue 19 (fuzz_config's crash).
  auto r = check("[keys]\ndir = \"" + kLong + "\"\n");
  expect_clean_refusal(r, "long [keys] dir");
  EXPECT_NE(r.err.find("bad_config"), std::string::npos) << r.err;
}

TEST_F(HostileConfig, OverLongAndNonUtf8ConfigPathsAreRefused) {
  expect_clean_refusal(run({bin("casewired"), "--config", kLong, "--check-config"}),
                       "long --config");
  expect_clean_refusal(run({bin("casewired"), "--config", kNonUtf8, "--check-config"}),
                       "non-UTF-8 --config");
  expect_clean_refusal(
      run({bin("casewired"), "--config", dir / "c.toml", "--db", kLong, "--check-config"}),
      "long --db");
}

TEST_F(HostileConfig, NulAndNonUtf8BytesInTheFileAreRefused) {
  expect_clean_refusal(check(std::string("[keys]\ndir = \"/tmp\0x\"\n", 20)), "NUL in a value");
  expect_clean_refusal(check("[keys]\ndir = \"/tmp/\xff\xfe\"\n"), "non-UTF-8 in a value");
  expect_clean_refusal(check("[ke\xffys]\ndir = \"/tmp\"\n"), "non-UTF-8 in a section name");
}

TEST_F(HostileConfig, HugeNumbersAreRefused) {
  const std::string keys = "[keys]\ndir = \"" + dir.path() + "\"\n";
  expect_clean_refusal(check(keys + "[limits]\nmax_connections = 99999999999999999999999\n"),
                       "overflowing integer");
  expect_clean_refusal(check(keys + "[limits]\nmax_connections = -1\n"), "negative integer");
  expect_clean_refusal(check(keys + "[server]\nthreads = 1e308\n"), "float for an integer");
  expect_clean_refusal(check(keys + "[listen]\naddress = \"127.0.0.1:99999999999999999999\"\n"),
                       "huge port");
}

TEST_F(HostileConfig, AnUnknownKeyIsRefusedAndTheNearestNamed) {
  const std::string keys = "[keys]\ndir = \"" + dir.path() + "\"\n";
  auto r = check(keys + "[limits]\nmax_conections = 5\n");
  expect_clean_refusal(r, "typo in a key");
  EXPECT_NE(r.err.find("max_conections"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'max_connections'"), std::string::npos) << r.err;
}

TEST(HostileArgs, ClientRefusesHostileOptions) {
  TempDir d;
  const auto cw = bin("casewire");
  expect_clean_refusal(run({cw, "--home", kLong, "receipts"}), "client: long --home");
  expect_clean_refusal(run({cw, "--home", kLong, "outbox", "list"}), "client: long --home outbox");
  expect_clean_refusal(run({cw, "--home", d.path(), "init", "--invite", kLong}),
                       "client: long --invite");
  expect_clean_refusal(run({cw, "--home", d.path(), "init", "--invite", kNonUtf8}),
                       "client: non-UTF-8 --invite");
  expect_clean_refusal(run({cw, "--home", d.path(), "send", "--people", "99999999999999999999999"}),
                       "client: huge --people");
  expect_clean_refusal(run({cw, "--home", d.path(), "ack", "184467440737095516160"}),
                       "client: huge ack id");
  expect_clean_refusal(run({cw, "--home", d.path(), "deliver", kLong}),
                       "client: long deliver file");
}

TEST(HostileArgs, KeyToolRefusesHostileOptions) {
  TempDir d;
  const auto keys = bin("casewire-keys");
  expect_clean_refusal(run({keys, "list", "--dir", kLong}), "keys: long --dir");
  expect_clean_refusal(run({keys, "init", "--dir", kLong, "--insecure-no-passphrase"}),
                       "keys: init long --dir");
  expect_clean_refusal(run({keys, "new-contact", "--out", kLong, "--insecure-no-passphrase"}),
                       "keys: long --out");
  expect_clean_refusal(run({keys, "list", "--dir", kNonUtf8}), "keys: non-UTF-8 --dir");
  expect_clean_refusal(run({keys, "revoke", "--dir", d.path(), std::string(5000, 'f')}),
                       "keys: long key id");
}

}  // namespace
}  // namespace cw::test
