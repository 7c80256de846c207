// daemon/net: the HTTP helpers and the per-address accounting, one rule per test.
#include "daemon/net/http.h"

#include <gtest/gtest.h>

#include <sstream>

#include "daemon/net/session.h"

namespace cw::daemon {
namespace {

std::size_t wire_size(const Response& r) {
  std::ostringstream head;
  head << r.base();
  return head.str().size() + r.body().size();
}

TEST(Http, PaddingMakesEveryAnswerTheSameSizeOnTheWire) {
  auto small = error_response(Errc::bad_magic, "not a casewire envelope");
  auto large = json_response(http::status::created, std::string(600, 'x'));
  for (auto* r : {&small, &large}) {
    r->keep_alive(false);
    r->prepare_payload();
    pad_response(*r, 1024);
    EXPECT_EQ(wire_size(*r), 1024u);
  }
  auto too_big = json_response(http::status::ok, std::string(2000, 'x'));
  pad_response(too_big, 1024);
  EXPECT_EQ(too_big[http::field::server], "");
  EXPECT_TRUE(too_big.find("X-Pad") == too_big.end())
      << "never truncated, never padded past the target";
}

TEST(Http, TheGenericNotFoundNamesNoProduct) {
  auto r = generic_not_found();
  EXPECT_EQ(r.result(), http::status::not_found);
  EXPECT_EQ(r.body(), "404 page not found\n");
  EXPECT_TRUE(r.find(http::field::server) == r.end());
  EXPECT_EQ(r[http::field::content_type], "text/plain; charset=utf-8");
}

TEST(Http, TargetPathDropsTheQuery) {
  EXPECT_EQ(target_path("/v1/notifications?after=3"), "/v1/notifications");
  EXPECT_EQ(target_path("/v1/feed"), "/v1/feed");
  EXPECT_EQ(target_path("?x"), "");
}

TEST(Http, EveryErrorCodeMapsToAClientOrServerErrorStatus) {
  for (std::size_t i = 1; i < kErrcCount; ++i) {
    const auto s = static_cast<unsigned>(status_for(static_cast<Errc>(i)));
    EXPECT_GE(s, 400u) << code_name(static_cast<Errc>(i));
    EXPECT_LT(s, 600u) << code_name(static_cast<Errc>(i));
  }
  EXPECT_EQ(status_for(Errc::unknown_case), http::status::unprocessable_entity);
  EXPECT_EQ(status_for(Errc::case_retracted), http::status::conflict);
  EXPECT_EQ(status_for(Errc::rate_limited), http::status::too_many_requests);
}

TEST(ListenerStats, ThePerAddressCapCountsOpenConnectionsPerAddress) {
  ListenerStats stats;
  const auto a = net::ip::make_address("127.0.0.1"), b = net::ip::make_address("127.0.0.2");
  EXPECT_TRUE(stats.admit(a, 2));
  EXPECT_TRUE(stats.admit(a, 2));
  EXPECT_FALSE(stats.admit(a, 2)) << "a third connection from one address";
  EXPECT_TRUE(stats.admit(b, 2)) << "another address is not affected";
  stats.release(a);
  EXPECT_TRUE(stats.admit(a, 2)) << "a closed connection frees its slot";
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(stats.admit(b, 0)) << "0 = no per-address cap (behind Tor)";
}

}  // namespace
}  // namespace cw::daemon
