// The one URL parser: each rule named by a test.
#include "protocol/url.h"

#include <gtest/gtest.h>

namespace cw {
namespace {

namespace ip = boost::asio::ip;

TEST(Url, DaemonUrlsHoldOnlyAHostAndAPort) {
  auto u = parse_daemon_url("https://Daemon.Example:8443/");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->host, "daemon.example");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(parse_daemon_url("https://daemon.example")->port, 443);
  for (const char* bad :
       {"http://daemon.example", "https://daemon.example/path", "https://daemon.example/?q=1",
        "https://user:pw@daemon.example", "https://daemon.example:0",
        "https://daemon.example:99999", "https://daemon.example:8x", "https://",
        "https://daemon.example#f", "daemon.example:8443", "https://bad name.example"})
    EXPECT_FALSE(parse_daemon_url(bad).ok()) << bad;
}

TEST(Url, BracketedIpv6HostsAreParsedWithoutBrackets) {
  auto u = parse_daemon_url("https://[::1]:8443");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1") << "not '[::1]:8443' (issue 9 §8)";
  EXPECT_EQ(u->port, 8443);
  EXPECT_TRUE(u->host_is_ip);
  auto w = parse_webhook_url("https://[::1]:8443/hook");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->host, "::1");
  EXPECT_EQ(w->target, "/hook");
  auto l = parse_listen_address("[::1]:8443");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->host, "::1");
}

TEST(Url, WebhookUrlsKeepPathAndQueryAndAllowHttpOnlyToLoopbackLiterals) {
  auto w = parse_webhook_url("https://hooks.example.org/in/casewire?token=1");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->target, "/in/casewire?token=1");
  EXPECT_EQ(w->port, 443);
  EXPECT_TRUE(parse_webhook_url("http://127.0.0.1:9000/hook").ok());
  EXPECT_FALSE(parse_webhook_url("http://localhost:9000/hook").ok())
      << "a name could resolve anywhere";
  EXPECT_FALSE(parse_webhook_url("http://example.org/hook").ok());
  EXPECT_FALSE(parse_webhook_url("https://u:p@example.org/hook").ok());
  EXPECT_FALSE(parse_webhook_url("ftp://example.org/").ok());
}

TEST(Url, ProxyAndListenAddresses) {
  EXPECT_EQ(parse_proxy_url_text("socks5h://127.0.0.1")->port, 9050);
  EXPECT_TRUE(parse_proxy_url_text("socks5h://localhost:9150").ok());
  EXPECT_FALSE(parse_proxy_url_text("socks5h://tor.example:9050").ok())
      << "the proxy is never looked up";
  auto plain = parse_proxy_url_text("socks5://127.0.0.1:9050");
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.error().message.find("socks5h"), std::string::npos);
  EXPECT_EQ(parse_listen_address("127.0.0.1:0")->port, 0) << "port 0: any free port";
  EXPECT_FALSE(parse_listen_address("localhost:8443").ok()) << "an IP address, not a name";
  EXPECT_FALSE(parse_listen_address("127.0.0.1").ok());
  EXPECT_FALSE(parse_listen_address("127.0.0.1:65536").ok());
}

TEST(Url, InternalAddresses) {
  for (const char* a : {"127.0.0.1", "127.8.9.10", "10.0.0.5", "172.16.0.1", "172.31.255.255",
                        "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                        "255.255.255.255", "224.0.0.1", "::1", "::", "fe80::1", "fc00::1",
                        "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "ff02::1"})
    EXPECT_TRUE(is_internal_address(ip::make_address(a))) << a;
  for (const char* a : {"8.8.8.8", "172.32.0.1", "100.128.0.1", "193.0.6.139", "2001:db8::1",
                        "2a00:1450::1", "::ffff:8.8.8.8"})
    EXPECT_FALSE(is_internal_address(ip::make_address(a))) << a;
}

}  // namespace
}  // namespace cw
