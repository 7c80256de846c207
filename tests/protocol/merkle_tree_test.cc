// The daemon's incremental tree (protocol/merkle_tree.h) answers exactly as
// the reference functions over the full leaf list (protocol/merkle.h, checked
// against Certificate Transparency's roots) - for every size it has grown
// through, not only its current one - and its proofs verify.
#include "protocol/merkle_tree.h"

#include <gtest/gtest.h>

namespace cw::merkle {
namespace {

Hash nth_leaf(std::size_t i) {
  const Bytes b = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8), 0x17};
  return leaf_hash(b);
}

TEST(MerkleTree, MatchesTheReferenceAtEverySizeItGrewThrough) {
  constexpr std::size_t kMax = 70;  // past 64: a fourth level over a ragged edge
  Tree tree;
  std::vector<Hash> all;
  for (std::size_t i = 0; i < kMax; ++i) {
    all.push_back(nth_leaf(i));
    tree.append(all.back());
  }
  ASSERT_EQ(tree.size(), kMax);
  EXPECT_EQ(tree.root(0), root({}));
  for (std::size_t n = 1; n <= kMax; ++n) {
    const std::span<const Hash> prefix(all.data(), n);
    const Hash r = root(prefix);
    ASSERT_EQ(tree.root(n), r) << n;
    for (std::size_t i = 0; i < n; ++i) {
      const auto p = tree.inclusion_proof(i, n);
      ASSERT_EQ(p, inclusion_proof(prefix, i)) << i << " of " << n;
      ASSERT_TRUE(verify_inclusion(all[i], i, n, p, r));
    }
    for (std::size_t m = 1; m <= n; ++m) {
      const auto p = tree.consistency_proof(m, n);
      ASSERT_EQ(p, consistency_proof(prefix, m)) << m << " to " << n;
      ASSERT_TRUE(verify_consistency(m, n, tree.root(m), r, p));
    }
  }
}

TEST(MerkleTree, OutOfRangeGivesNothingToVerify) {
  Tree tree;
  for (std::size_t i = 0; i < 5; ++i) tree.append(nth_leaf(i));
  EXPECT_TRUE(tree.inclusion_proof(5, 5).empty());
  EXPECT_TRUE(tree.inclusion_proof(0, 6).empty());
  EXPECT_TRUE(tree.consistency_proof(0, 5).empty());
  EXPECT_TRUE(tree.consistency_proof(3, 6).empty());
  EXPECT_TRUE(tree.consistency_proof(4, 3).empty());
  // An empty path proves nothing about a tree of more than one leaf.
  EXPECT_FALSE(verify_inclusion(nth_leaf(0), 0, 5, {}, tree.root(5)));
}

}  // namespace
}  // namespace cw::merkle
