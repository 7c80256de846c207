// The feeds' in-memory tail (daemon/store/notification_tail.h): only
// published entries are read; what it evicted it no longer claims to cover,
// so the store asks the database for it.
#include "daemon/store/notification_tail.h"

#include <gtest/gtest.h>

namespace cw::daemon {
namespace {

std::vector<std::uint64_t> seqs(const std::optional<std::vector<FeedItem>>& items) {
  std::vector<std::uint64_t> out;
  for (const auto& i : *items) out.push_back(i.seq);
  return out;
}

TEST(NotificationTail, StagedEntriesAreInvisibleUntilPublishedAndGoneIfDiscarded) {
  NotificationTail t(1, 100, 1000);
  t.stage(1, "one", {"org-a"});
  EXPECT_TRUE(t.read("org-a", 0, 10)->empty());
  t.discard();
  t.publish();
  EXPECT_TRUE(t.read("org-a", 0, 10)->empty());
  t.stage(1, "one", {"org-a", "org-b"});
  t.stage(2, "two", {"org-b"});
  t.publish();
  EXPECT_EQ(seqs(t.read("org-a", 0, 10)), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(seqs(t.read("org-b", 0, 10)), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(t.read("org-b", 1, 10)->front().body, "two");
  EXPECT_EQ(seqs(t.read("org-b", 0, 1)), (std::vector<std::uint64_t>{1}));
}

TEST(NotificationTail, WhatWasEvictedIsLeftToTheDatabase) {
  NotificationTail t(5, 3, 1000);  // notifications 1-4 predate it
  EXPECT_FALSE(t.read("org", 0, 10).has_value());
  EXPECT_FALSE(t.read("org", 3, 10).has_value());
  EXPECT_TRUE(t.read("org", 4, 10).has_value());
  for (std::uint64_t s = 5; s <= 8; ++s) t.stage(s, "n", {"org"});
  t.publish();  // 4 entries, room for 3: 5 is evicted
  EXPECT_FALSE(t.read("org", 4, 10).has_value());
  EXPECT_EQ(seqs(t.read("org", 5, 10)), (std::vector<std::uint64_t>{6, 7, 8}));
  // Bounded by recipients too.
  NotificationTail r(1, 100, 3);
  r.stage(1, "n", {"a", "b"});
  r.stage(2, "n", {"a", "b"});
  r.publish();
  EXPECT_FALSE(r.read("a", 0, 10).has_value());
  EXPECT_EQ(seqs(r.read("a", 1, 10)), (std::vector<std::uint64_t>{2}));
}

}  // namespace
}  // namespace cw::daemon
