#include "daemon/rate_limit.h"

#include <gtest/gtest.h>

#include <string>

namespace cw::daemon {
namespace {

using namespace std::chrono;

TEST(TokenBuckets, AllowsCapacityThenRefusesWithRetryAfterThenRefills) {
  TokenBuckets<std::string> b;
  auto t0 = steady_clock::now();
  double retry = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.take("k", 3, minutes(1), &retry, t0));
  EXPECT_FALSE(b.take("k", 3, minutes(1), &retry, t0));
  EXPECT_NEAR(retry, 20.0, 0.01);  // one token per 20 s
  EXPECT_TRUE(b.take("k", 3, minutes(1), &retry, t0 + seconds(21)));
}

TEST(TokenBuckets, KeysAreIndependent) {
  TokenBuckets<std::string> b;
  auto t0 = steady_clock::now();
  EXPECT_TRUE(b.take("a", 1, hours(1), nullptr, t0));
  EXPECT_FALSE(b.take("a", 1, hours(1), nullptr, t0));
  EXPECT_TRUE(b.take("b", 1, hours(1), nullptr, t0));
}

TEST(TokenBuckets, TableStaysBounded) {
  TokenBuckets<int> b(100);
  auto t0 = steady_clock::now();
  for (int i = 0; i < 10000; ++i) b.take(i, 5, minutes(1), nullptr, t0);
  // Still works, and a fresh key gets its full capacity.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.take(-1, 5, minutes(1), nullptr, t0));
}

}  // namespace
}  // namespace cw::daemon
