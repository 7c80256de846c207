#include "daemon/nonce_cache.h"

#include <gtest/gtest.h>

namespace cw::daemon {
namespace {

using V = NonceCache::Verdict;

TEST(NonceCache, ARepeatedNonceIsAReplayUntilItExpires) {
  NonceCache c(600);
  EXPECT_EQ(c.insert("k", "n1", 1000), V::fresh);
  EXPECT_EQ(c.insert("k", "n1", 1500), V::replayed);
  EXPECT_EQ(c.insert("other", "n1", 1500), V::fresh) << "nonces are per key";
  EXPECT_EQ(c.insert("k", "n2", 1700), V::fresh);  // expires n1 (older than 600 s)
  EXPECT_EQ(c.insert("k", "n1", 1700), V::fresh);
}

// Issue 9 §3: one key flooding requests must not make another key's
// captured requests replayable (the old cache evicted the oldest entries of a
// shared table when full), nor its own.
TEST(NonceCache, AKeyFillingItsTableIsRefusedAndEvictsNobody) {
  NonceCache c(600, 100);
  EXPECT_EQ(c.insert("victim", "captured", 1000), V::fresh);
  EXPECT_EQ(c.insert("flooder", "first", 1000), V::fresh);
  for (int i = 0; i < 99; ++i)
    EXPECT_EQ(c.insert("flooder", "n" + std::to_string(i), 1001), V::fresh);
  EXPECT_EQ(c.insert("flooder", "one-too-many", 1002), V::full);
  EXPECT_EQ(c.insert("victim", "captured", 1002), V::replayed)
      << "the victim's nonce is still remembered";
  EXPECT_EQ(c.insert("flooder", "first", 1002), V::replayed) << "and the flooder's own";
}

}  // namespace
}  // namespace cw::daemon
