// The dashboard's gate (client/dashboard/access.h), case by case: the token
// (given once in the URL, then only as the port's cookie), the Host header
// (DNS rebinding) and the Origin header (cross-site requests).
#include "client/dashboard/access.h"

#include <gtest/gtest.h>

namespace cw::client {
namespace {

using V = DashboardAccess::Verdict;

class Access : public ::testing::Test {
 protected:
  void SetUp() override {
    access.set_origins({"http://127.0.0.1:8123", "http://localhost:8123"}, 8123);
    cookie = "casewire_dashboard_8123=" + access.token();
  }
  DashboardAccess access;
  std::string cookie;
  const std::string host = "127.0.0.1:8123", origin = "http://127.0.0.1:8123";
};

TEST_F(Access, TheTokenIsLongRandomAndTheCookieCarriesItStrictly) {
  EXPECT_EQ(access.token().size(), 64u);
  EXPECT_NE(access.token(), DashboardAccess().token());
  const auto c = access.cookie();
  EXPECT_EQ(c.rfind("casewire_dashboard_8123=" + access.token(), 0), 0u) << c;
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("SameSite=Strict"), std::string::npos);
}

TEST_F(Access, TheRightTokenInTheUrlIsGrantedOnceAndThenTheCookieIsEnough) {
  EXPECT_EQ(access.check("GET", "/?token=" + access.token(), host, "", ""), V::grant);
  EXPECT_EQ(access.check("GET", "/api/board", host, "", cookie), V::allow);
  EXPECT_EQ(access.check("GET", "/api/board", "localhost:8123", "", cookie), V::allow);
  EXPECT_EQ(access.check("GET", "/", host, "", "other=1; " + cookie + "; x=2"), V::allow);
}

TEST_F(Access, NoTokenOrAWrongOneGetsNothing) {
  EXPECT_EQ(access.check("GET", "/", host, "", ""), V::refuse_token);
  EXPECT_EQ(access.check("GET", "/api/board", host, "", ""), V::refuse_token);
  std::string wrong = access.token();
  wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
  EXPECT_EQ(access.check("GET", "/?token=" + wrong, host, "", ""), V::refuse_token);
  EXPECT_EQ(access.check("GET", "/?token=" + access.token().substr(0, 63), host, "", ""),
            V::refuse_token);
  EXPECT_EQ(access.check("GET", "/api/board", host, "", "casewire_dashboard_8123=" + wrong),
            V::refuse_token);
  // Another dashboard's cookie (another port) is not ours.
  EXPECT_EQ(
      access.check("GET", "/api/board", host, "", "casewire_dashboard_9999=" + access.token()),
      V::refuse_token);
}

TEST_F(Access, AForeignHostIsRefusedEvenWithTheRightToken) {
  // DNS rebinding: evil.example now resolves to 127.0.0.1.
  EXPECT_EQ(access.check("GET", "/?token=" + access.token(), "evil.example:8123", "", ""),
            V::refuse_host);
  EXPECT_EQ(access.check("GET", "/api/board", "evil.example:8123", "", cookie), V::refuse_host);
  EXPECT_EQ(access.check("GET", "/api/board", "127.0.0.1:9999", "", cookie), V::refuse_host);
  EXPECT_EQ(access.check("GET", "/api/board", "", "", cookie), V::refuse_host);
}

TEST_F(Access, AForeignOriginIsRefusedAndAChangeMustNameOurs) {
  EXPECT_EQ(access.check("GET", "/api/board", host, "http://evil.example", cookie),
            V::refuse_origin);
  EXPECT_EQ(access.check("POST", "/api/ack", host, "http://evil.example", cookie),
            V::refuse_origin);
  EXPECT_EQ(access.check("POST", "/api/ack", host, "null", cookie), V::refuse_origin);
  EXPECT_EQ(access.check("POST", "/api/ack", host, "", cookie), V::refuse_origin);
  EXPECT_EQ(access.check("POST", "/api/ack", host, origin, cookie), V::allow);
  EXPECT_EQ(access.check("POST", "/api/ack", host, origin, ""), V::refuse_token);
}

TEST(AccessRemote, BehindATlsProxyTheCookieIsSecureAndOnlyTheProxysNameIsAccepted) {
  DashboardAccess a;
  a.set_origins({"https://dash.example.org"}, 8080);
  EXPECT_NE(a.cookie().find("; Secure"), std::string::npos);
  EXPECT_EQ(a.check("GET", "/?token=" + a.token(), "dash.example.org", "", ""), V::grant);
  EXPECT_EQ(a.check("GET", "/?token=" + a.token(), "127.0.0.1:8080", "", ""), V::refuse_host);
  DashboardAccess local;
  local.set_origins({"http://127.0.0.1:8080"}, 8080);
  EXPECT_EQ(local.cookie().find("Secure"), std::string::npos) << "plain loopback HTTP";
}

TEST(AccessUnset, BeforeTheOriginsAreKnownEverythingIsRefused) {
  DashboardAccess a;
  EXPECT_EQ(a.check("GET", "/?token=" + a.token(), "127.0.0.1:1", "", ""), V::refuse_host);
}

}  // namespace
}  // namespace cw::client
