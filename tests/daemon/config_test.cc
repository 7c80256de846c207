#include "daemon/config.h"

#include <gtest/gtest.h>

#include "protocol/file_io.h"
#include "tests/support/temp_dir.h"

namespace cw::daemon {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  Result<Config> load(const std::string& body, Overrides ov = {}) {
    std::string text = "[keys]\ndir = \"" + dir.path() + "\"\n" + body;
    EXPECT_TRUE(write_file_atomic(dir / "c.toml", as_bytes(text), 0644, Overwrite::yes).ok());
    return load_config(dir / "c.toml", ov);
  }
  test::TempDir dir;
};

TEST_F(ConfigTest, DefaultsAreSafe) {
  auto c = load("");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->listen, "127.0.0.1:8443");
  EXPECT_EQ(c->admin_listen, "127.0.0.1:9443") << "admin is loopback by default";
  EXPECT_EQ(c->db_path, dir / "casewired.db");
  EXPECT_EQ(c->limits.max_body_bytes, 16384u);
}

TEST_F(ConfigTest, FlagsOverrideTheFile) {
  Overrides ov;
  ov.listen = "127.0.0.1:0";
  ov.db_path = "/tmp/x.db";
  auto c = load("[listen]\naddress = \"0.0.0.0:443\"\n", ov);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->listen, "127.0.0.1:0");
  EXPECT_EQ(c->db_path, "/tmp/x.db");
}

TEST_F(ConfigTest, RefusesTyposWrongTypesAndOutOfRangeValues) {
  EXPECT_EQ(load("[limit]\nmax_connections = 5\n").code(), Errc::bad_config);
  EXPECT_EQ(load("[limits]\nmax_connections = \"many\"\n").code(), Errc::bad_config);
  EXPECT_EQ(load("[limits]\nmax_body_bytes = 100\n").code(), Errc::bad_config)
      << "smaller than an envelope";
  EXPECT_EQ(load("[listen]\naddress = \"nohost\"\n").code(), Errc::bad_config);
  EXPECT_EQ(load("[listen]\naddress = \"1.2.3.4:99999\"\n").code(), Errc::bad_config);
  EXPECT_EQ(load("this is not toml").code(), Errc::bad_config);
  // Clients refuse a receipt promising its log entry more than two windows
  // of an hour off: a longer window would make every receipt refused.
  EXPECT_EQ(load("[case_log]\nmix_seconds = 3601\n").code(), Errc::bad_config);
  EXPECT_EQ(load("[case_log]\nmix_seconds = 0\n").code(), Errc::bad_config);
  EXPECT_TRUE(load("[case_log]\nmix_seconds = 3600\n").ok());
}

TEST_F(ConfigTest, UnknownKeysInKnownSectionsAreRefused) {
  auto r = load("[limits]\nmax_conections = 5\n");
  ASSERT_EQ(r.code(), Errc::bad_config) << "a typo must not leave the limit at its default";
  EXPECT_NE(r.error().message.find("did you mean 'max_connections'"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(load("[keys]\npassfrase_file = \"x\"\n").code(), Errc::bad_config);
  EXPECT_EQ(load("listen = 5\n").code(), Errc::bad_config) << "a section name used as a key";
}

// Issue 19's fuzz finding: a [keys] dir longer than PATH_MAX made
// std::filesystem::is_directory throw, and casewired abort.
TEST_F(ConfigTest, AWebhookProxyMustBeALocalSocks5hProxy) {
  auto ok = load("[delivery]\nproxy = \"socks5h://127.0.0.1:9050\"\n");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->delivery.proxy, "socks5h://127.0.0.1:9050");
  // socks5:// would have the daemon resolve names itself; http is no proxy
  // we speak; a proxy by name would need a lookup to reach it.
  for (const char* bad : {"socks5://127.0.0.1:9050", "http://127.0.0.1:8080",
                          "socks5h://proxy.example.org:9050", "127.0.0.1:9050"})
    EXPECT_EQ(load(std::string("[delivery]\nproxy = \"") + bad + "\"\n").code(), Errc::bad_config)
        << bad;
}

TEST(ConfigRegression, KeysDirLongerThanPathMaxIsAnErrorNotAnException) {
  test::TempDir d;
  const std::string text = "[keys]\ndir = \"/tmp/" + std::string(5000, 'a') + "\"\n";
  ASSERT_TRUE(write_file_atomic(d / "c.toml", as_bytes(text), 0644, Overwrite::yes).ok());
  Result<Config> r = make_error(Errc::internal_error, "not run");
  EXPECT_NO_THROW(r = load_config(d / "c.toml", {}));
  EXPECT_EQ(r.code(), Errc::bad_config);
}

TEST(HostPort, ParsesIpv4AndBracketedIpv6) {
  auto a = parse_host_port("127.0.0.1:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, 0);
  auto b = parse_host_port("[::1]:8443");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 8443);
}

}  // namespace
}  // namespace cw::daemon
