#include "client/transport.h"

#include <gtest/gtest.h>

namespace cw::client {
namespace {

TEST(OnionHost, IsASuffixCompareNotASubstring) {
  EXPECT_TRUE(is_onion_host("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz23.onion"));
  EXPECT_TRUE(is_onion_host("x.ONION")) << "case-insensitive";
  EXPECT_TRUE(is_onion_host("x.onion.")) << "a trailing root dot is the same name";
  EXPECT_TRUE(is_onion_host("www.x.onion"));
  EXPECT_FALSE(is_onion_host("onion.example.org"));
  EXPECT_FALSE(is_onion_host("x.onion.example.org"));
  EXPECT_FALSE(is_onion_host("xonion"));
  EXPECT_FALSE(is_onion_host(""));
  EXPECT_TRUE(is_onion_host(".onion"));
}

TEST(HttpsUrl, ParsesHostAndPort) {
  auto u = parse_https_url("https://daemon.example:8443");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "daemon.example");
  EXPECT_EQ(u->port, 8443);
  auto v6 = parse_https_url("https://[::1]:8443/");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_FALSE(parse_https_url("http://daemon.example").ok()) << "https only";
  EXPECT_FALSE(parse_https_url("https://daemon.example:99999").ok());
}

TEST(ProxyUrl, OnlySocks5hIsAccepted) {
  EXPECT_TRUE(parse_proxy_url("socks5h://127.0.0.1:9050").ok());
  EXPECT_FALSE(parse_proxy_url("socks5://127.0.0.1:9050").ok()) << "would resolve names locally";
}

}  // namespace
}  // namespace cw::client
