// The chain of invite updates (protocol/invite_update.h): one test per way
// a client refuses to follow it, and the walks it must accept.
#include <gtest/gtest.h>

#include "protocol/invite_update.h"
#include "protocol/key_file.h"
#include "protocol/merkle.h"

namespace cw {
namespace {

constexpr const char* kPin = "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

InviteUpdate update_to(const Identity& next, std::uint32_t seq) {
  InviteUpdate u;
  u.sequence = seq;
  u.issued_at = 1700000000 + seq;
  u.urls = {"https://alerts.example.org:8443"};
  u.tls_pins = {kPin};
  u.daemon_sign = next.sign.public_key();
  u.daemon_box = next.box->public_key();
  return u;
}

// k0 -> k1 -> k2 -> k3: each link signed by the key before it.
struct Chain {
  std::vector<Identity> keys;
  InviteChain chain;
  Chain() {
    for (int i = 0; i < 4; ++i) keys.push_back(Identity::generate(Role::daemon));
    chain.genesis = keys[0].sign.public_key();
    for (std::uint32_t i = 1; i < 4; ++i)
      chain.links.push_back(sign_invite_update(update_to(keys[i], i), keys[i - 1].sign));
  }
};

TEST(InviteChain, AClientWalksFromWhereverItIs) {
  Chain c;
  for (std::uint32_t from = 0; from < 4; ++from) {
    auto walked = follow_invite_chain(c.chain, c.keys[from].sign.public_key(), from);
    ASSERT_TRUE(walked.ok()) << from << ": " << walked.error().message;
    ASSERT_EQ(walked->size(), 3 - from);
    if (!walked->empty()) {
      EXPECT_EQ(walked->back().daemon_sign, c.keys[3].sign.public_key());
      EXPECT_EQ(walked->front().sequence, from + 1);
    }
  }
  auto all = verify_invite_chain(c.chain);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

TEST(InviteChain, RoundTripsThroughJson) {
  Chain c;
  auto back = invite_chain_from_json(invite_chain_to_json(c.chain));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->links.size(), 3u);
  EXPECT_EQ(*back->genesis, c.keys[0].sign.public_key());
  EXPECT_EQ(invite_chain_sequence(*back), 3u);
  EXPECT_TRUE(verify_invite_chain(*back).ok());
}

TEST(InviteChain, ALinkNotSignedByTheKeyBeforeItIsRefused) {
  Chain c;
  const Identity mallory = Identity::generate(Role::daemon);
  c.chain.links[1] = sign_invite_update(update_to(mallory, 2), mallory.sign);
  auto walked = follow_invite_chain(c.chain, c.keys[0].sign.public_key(), 0);
  ASSERT_FALSE(walked.ok());
  EXPECT_EQ(walked.code(), Errc::bad_signature);
  // ...also for a client that starts right before it.
  EXPECT_EQ(follow_invite_chain(c.chain, c.keys[1].sign.public_key(), 1).code(),
            Errc::bad_signature);
  // A client past the forged link is not asked to trust it again.
  EXPECT_TRUE(follow_invite_chain(c.chain, c.keys[2].sign.public_key(), 2).ok());
}

TEST(InviteChain, AClientThatTrustsAnotherKeyFollowsNothing) {
  Chain c;
  const Identity stranger = Identity::generate(Role::daemon);
  EXPECT_EQ(follow_invite_chain(c.chain, stranger.sign.public_key(), 0).code(),
            Errc::bad_signature);
}

TEST(InviteChain, AGapOrARepeatIsRefused) {
  Chain c;
  InviteChain gap = c.chain;
  gap.links.erase(gap.links.begin() + 1);  // 1, 3
  EXPECT_EQ(follow_invite_chain(gap, c.keys[0].sign.public_key(), 0).code(), Errc::bad_invite);
  EXPECT_EQ(follow_invite_chain(gap, c.keys[1].sign.public_key(), 1).code(), Errc::bad_invite)
      << "the daemon no longer offers update 2";
  InviteChain repeat = c.chain;
  repeat.links.insert(repeat.links.begin() + 1,
                      sign_invite_update(update_to(c.keys[1], 1), c.keys[1].sign));
  EXPECT_FALSE(follow_invite_chain(repeat, c.keys[0].sign.public_key(), 0).ok());
}

TEST(InviteChain, AHandoverHeadMustBeSignedByTheReplacedKey) {
  Chain c;
  InviteUpdate u = update_to(c.keys[1], 1);
  u.log_head = sign_tree_head(c.keys[0].sign, 3, merkle::root({}), 1700000000);
  InviteChain good;
  good.genesis = c.keys[0].sign.public_key();
  good.links = {sign_invite_update(u, c.keys[0].sign)};
  auto walked = follow_invite_chain(good, c.keys[0].sign.public_key(), 0);
  ASSERT_TRUE(walked.ok()) << walked.error().message;
  ASSERT_TRUE(walked->front().log_head.has_value());
  EXPECT_EQ(walked->front().log_head->size, 3u);
  // A head signed by the new key (or anyone else) inside the old key's link.
  u.log_head = sign_tree_head(c.keys[1].sign, 3, merkle::root({}), 1700000000);
  InviteChain bad = good;
  bad.links = {sign_invite_update(u, c.keys[0].sign)};
  EXPECT_EQ(follow_invite_chain(bad, c.keys[0].sign.public_key(), 0).code(), Errc::bad_invite);
}

TEST(InviteChain, ABareUpdateFromBeforeChainsReadsAsOneLink) {
  Chain c;
  auto bare = invite_chain_from_json(c.chain.links[0]);
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  EXPECT_EQ(bare->from_sequence, 0u);
  EXPECT_FALSE(bare->genesis.has_value());
  EXPECT_TRUE(follow_invite_chain(*bare, c.keys[0].sign.public_key(), 0).ok());
  auto read = verify_invite_chain(*bare);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->front().daemon_sign, c.keys[1].sign.public_key());
}

TEST(InviteChain, MalformedChainsAreRefused) {
  for (
      const char* text :
      {"", "[]", "{}", R"({"casewire_invite_chain":2,"from_sequence":0,"links":[]})",
       R"({"casewire_invite_chain":1,"from_sequence":-1,"links":[]})",
       R"({"casewire_invite_chain":1,"from_sequence":0,"links":["x"]})",
       R"({"casewire_invite_chain":1,"from_sequence":0,"genesis_sign_key":"cwk1 box 00","links":[]})"})
    EXPECT_EQ(invite_chain_from_json(text).code(), Errc::bad_invite) << text;
}

}  // namespace
}  // namespace cw
