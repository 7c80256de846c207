// The route table (daemon/api/routes.h): what the pre-check and the handler
// both read, so each row is checked here once - its method, its signer, its
// body limit - and the near misses a scanner sends match nothing.
#include "daemon/api/routes.h"

#include <gtest/gtest.h>

namespace cw::daemon {
namespace {

using http::verb;

TEST(Routes, EachPathIsOneRouteWithItsSignerAndBodyLimit) {
  struct Want {
    verb method;
    const char* path;
    RouteId id;
    Signer signer;
    std::size_t limit;
  };
  const std::string case_path = "/v1/cases/" + std::string(32, 'a') + "/status";
  const Want wants[] = {
      {verb::post, "/v1/alerts", RouteId::alerts, Signer::none, kConfiguredBodyLimit},
      {verb::get, "/v1/feed", RouteId::feed, Signer::org, 0},
      {verb::get, "/v1/notifications", RouteId::pull, Signer::org, 0},
      {verb::post, "/v1/notifications/17/ack", RouteId::ack, Signer::org, 1024},
      {verb::post, "/v1/notifications/17/answer", RouteId::answer, Signer::org, 1024},
      {verb::get, "/v1/org/cases", RouteId::org_cases, Signer::org, 0},
      {verb::get, case_path.c_str(), RouteId::case_status, Signer::contact, 0},
      {verb::get, "/v1/gazetteer", RouteId::gazetteer, Signer::any_enrolled, 0},
      {verb::get, "/v1/invite-update", RouteId::invite_update, Signer::any_enrolled, 0},
      {verb::get, "/v1/invite-updates", RouteId::invite_updates, Signer::any_enrolled, 0},
      {verb::get, "/v1/log/tree-head", RouteId::tree_head, Signer::any_enrolled, 0},
      {verb::get, "/v1/log/proof", RouteId::log_proof, Signer::any_enrolled, 0},
  };
  for (const auto& w : wants) {
    const Route* r = find_route(w.method, w.path);
    ASSERT_NE(r, nullptr) << w.path;
    EXPECT_EQ(r->id, w.id) << w.path;
    EXPECT_EQ(r->signer, w.signer) << w.path;
    EXPECT_EQ(r->body_limit, w.limit) << w.path;
    const verb other = w.method == verb::get ? verb::post : verb::get;
    EXPECT_EQ(find_route(other, w.path), nullptr) << "a wrong method is no route: " << w.path;
  }
  EXPECT_EQ(notification_in_path("/v1/notifications/17/ack"), 17u);
  EXPECT_EQ(notification_in_path("/v1/notifications/18/answer"), 18u);
  EXPECT_EQ(case_in_path(case_path), parse_alert_id(std::string(32, 'a')));
}

TEST(Routes, NearMissesMatchNothing) {
  for (const char* p :
       {"/", "/v1", "/v1/alerts/", "/V1/alerts", "/v1/feed/x", "/v1/notifications/",
        "/v1/notifications//ack", "/v1/notifications/x/ack", "/v1/notifications/17/ackx",
        "/v1/notifications/17/ack/", "/v1/notifications/-1/ack",
        "/v1/notifications/99999999999999999999/ack", "/v1/org/cases/", "/v1/log/proofs",
        "/v1/cases/aaaa/status", "/v1/cases/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/status"}) {
    EXPECT_EQ(find_route(verb::get, p), nullptr) << p;
    EXPECT_EQ(find_route(verb::post, p), nullptr) << p;
  }
  EXPECT_EQ(find_route(verb::put, "/v1/alerts"), nullptr);
  EXPECT_EQ(find_route(verb::delete_, "/v1/notifications/17/ack"), nullptr);
}

TEST(Routes, NumbersAreDecimalAndBounded) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("1234567890123456789"), 1234567890123456789u);
  EXPECT_FALSE(parse_u64(""));
  EXPECT_FALSE(parse_u64("12345678901234567890")) << "20 digits";
  EXPECT_FALSE(parse_u64("+1"));
  EXPECT_FALSE(parse_u64("1 "));
  EXPECT_FALSE(parse_u64("0x10"));
}

}  // namespace
}  // namespace cw::daemon
