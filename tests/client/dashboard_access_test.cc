// The dashboard's gate (client/dashboard/access.h), case by case: the token
// (only ever as an Authorization: Bearer header - never a cookie, never in a
// URL a server sees), the Host header (DNS rebinding) and the Origin header
// (cross-site requests).
#include "client/dashboard/access.h"

#include <gtest/gtest.h>

namespace cw::client {
namespace {

using V = DashboardAccess::Verdict;

class Access : public ::testing::Test {
 protected:
  void SetUp() override {
    access.set_origins({"http://127.0.0.1:8123", "http://localhost:8123"});
    bearer = "Bearer " + access.token();
  }
  DashboardAccess access;
  std::string bearer;
  const std::string host = "127.0.0.1:8123", origin = "http://127.0.0.1:8123";
};

TEST_F(Access, TheTokenIsLongAndRandom) {
  EXPECT_EQ(access.token().size(), 64u);
  EXPECT_NE(access.token(), DashboardAccess().token());
}

TEST_F(Access, ThePageIsServedWithoutTheTokenAndTheApiOnlyWithIt) {
  for (const char* page : {"/", "/index.html", "/app.js", "/app.css"})
    EXPECT_EQ(access.check("GET", page, host, "", ""), V::allow) << page;
  EXPECT_EQ(access.check("GET", "/api/board", host, "", bearer), V::allow);
  EXPECT_EQ(access.check("GET", "/api/board", "localhost:8123", "", bearer), V::allow);
  EXPECT_EQ(access.check("GET", "/api/events", host, "", bearer), V::allow);
  EXPECT_EQ(access.check("GET", "/api/board", host, "", ""), V::refuse_token);
}

TEST_F(Access, NoTokenOrAWrongOneGetsNothing) {
  EXPECT_EQ(access.check("GET", "/api/board", host, "", ""), V::refuse_token);
  std::string wrong = access.token();
  wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
  EXPECT_EQ(access.check("GET", "/api/board", host, "", "Bearer " + wrong), V::refuse_token);
  EXPECT_EQ(access.check("GET", "/api/board", host, "", bearer.substr(0, bearer.size() - 1)),
            V::refuse_token);
  EXPECT_EQ(access.check("GET", "/api/board", host, "", access.token()), V::refuse_token)
      << "the scheme is part of it";
}

TEST_F(Access, NoTokenIsTakenFromAUrlOrACookie) {
  // What the old dashboard accepted: a token a proxy logs (query string), or
  // one every loopback port receives (cookie, passed as the header value).
  EXPECT_EQ(access.check("GET", "/?token=" + access.token(), host, "", ""), V::refuse_token);
  EXPECT_EQ(access.check("GET", "/api/board?token=" + access.token(), host, "", ""),
            V::refuse_token);
  EXPECT_EQ(
      access.check("GET", "/api/board", host, "", "casewire_dashboard_8123=" + access.token()),
      V::refuse_token);
}

TEST_F(Access, AForeignHostIsRefusedEvenWithTheRightToken) {
  // DNS rebinding: evil.example now resolves to 127.0.0.1.
  EXPECT_EQ(access.check("GET", "/", "evil.example:8123", "", ""), V::refuse_host);
  EXPECT_EQ(access.check("GET", "/api/board", "evil.example:8123", "", bearer), V::refuse_host);
  EXPECT_EQ(access.check("GET", "/api/board", "127.0.0.1:9999", "", bearer), V::refuse_host);
  EXPECT_EQ(access.check("GET", "/api/board", "", "", bearer), V::refuse_host);
}

TEST_F(Access, AForeignOriginIsRefusedAndAChangeMustNameOurs) {
  EXPECT_EQ(access.check("GET", "/api/board", host, "http://evil.example", bearer),
            V::refuse_origin);
  // Another loopback port is another origin.
  EXPECT_EQ(access.check("GET", "/api/board", host, "http://127.0.0.1:9999", bearer),
            V::refuse_origin);
  EXPECT_EQ(access.check("POST", "/api/ack", host, "http://evil.example", bearer),
            V::refuse_origin);
  EXPECT_EQ(access.check("POST", "/api/ack", host, "null", bearer), V::refuse_origin);
  EXPECT_EQ(access.check("POST", "/api/ack", host, "", bearer), V::refuse_origin);
  EXPECT_EQ(access.check("POST", "/api/ack", host, origin, bearer), V::allow);
  EXPECT_EQ(access.check("POST", "/api/ack", host, origin, ""), V::refuse_token);
}

TEST(AccessRemote, BehindATlsProxyOnlyTheProxysNameIsAccepted) {
  DashboardAccess a;
  a.set_origins({"https://dash.example.org"});
  EXPECT_EQ(a.check("GET", "/api/board", "dash.example.org", "", "Bearer " + a.token()), V::allow);
  EXPECT_EQ(a.check("GET", "/api/board", "127.0.0.1:8080", "", "Bearer " + a.token()),
            V::refuse_host);
}

TEST(AccessUnset, BeforeTheOriginsAreKnownEverythingIsRefused) {
  DashboardAccess a;
  EXPECT_EQ(a.check("GET", "/", "127.0.0.1:1", "", ""), V::refuse_host);
}

}  // namespace
}  // namespace cw::client
