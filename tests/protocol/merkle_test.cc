// RFC 9162 Merkle trees (protocol/merkle.h): the published Certificate
// Transparency roots for the reference leaves, every inclusion and
// consistency proof in trees of 1 to 40 leaves verifying, and each kind of
// lie - a changed leaf, a wrong index, a shortened or altered proof, a
// rewritten history - failing.
#include "protocol/merkle.h"

#include <gtest/gtest.h>

#include <string>

namespace cw::merkle {
namespace {

std::string hex(const Hash& h) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto b : h) {
    s += d[b >> 4];
    s += d[b & 15];
  }
  return s;
}

std::vector<Hash> reference_leaves() {
  const std::vector<Bytes> inputs = {{},
                                     {0x00},
                                     {0x10},
                                     {0x20, 0x21},
                                     {0x30, 0x31},
                                     {0x40, 0x41, 0x42, 0x43},
                                     {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
                                     {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
                                      0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f}};
  std::vector<Hash> out;
  for (const auto& i : inputs) out.push_back(leaf_hash(i));
  return out;
}

std::vector<Hash> leaves(std::size_t n) {
  std::vector<Hash> out;
  for (std::size_t i = 0; i < n; ++i) {
    const Bytes b = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8), 0x42};
    out.push_back(leaf_hash(b));
  }
  return out;
}

TEST(Merkle, TheCertificateTransparencyReferenceRoots) {
  const auto l = reference_leaves();
  const char* roots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  for (std::size_t n = 1; n <= 8; ++n)
    EXPECT_EQ(hex(root(std::span(l).subspan(0, n))), roots[n - 1]) << n << " leaves";
  EXPECT_EQ(hex(root({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Merkle, EveryInclusionProofVerifiesAndNoLieDoes) {
  for (std::size_t n = 1; n <= 40; ++n) {
    const auto l = leaves(n);
    const Hash r = root(l);
    for (std::size_t i = 0; i < n; ++i) {
      const auto path = inclusion_proof(l, i);
      ASSERT_TRUE(verify_inclusion(l[i], i, n, path, r)) << i << " of " << n;
      // Another leaf, another index, another size, another root: refused.
      if (n > 1) {
        EXPECT_FALSE(verify_inclusion(l[(i + 1) % n], i, n, path, r));
        EXPECT_FALSE(verify_inclusion(l[i], (i + 1) % n, n, path, r));
      }
      EXPECT_FALSE(verify_inclusion(l[i], n, n, path, r)) << "an index past the tree";
      Hash other = r;
      other[0] ^= 1;
      EXPECT_FALSE(verify_inclusion(l[i], i, n, path, other));
      if (!path.empty()) {
        auto shorter = path;
        shorter.pop_back();
        EXPECT_FALSE(verify_inclusion(l[i], i, n, shorter, r));
        auto altered = path;
        altered[0][5] ^= 0x80;
        EXPECT_FALSE(verify_inclusion(l[i], i, n, altered, r));
      }
    }
  }
}

TEST(Merkle, EveryConsistencyProofVerifiesAndARewrittenHistoryDoesNot) {
  for (std::size_t n = 1; n <= 40; ++n) {
    const auto l = leaves(n);
    const Hash second = root(l);
    for (std::size_t m = 1; m <= n; ++m) {
      const Hash first = root(std::span(l).subspan(0, m));
      const auto path = consistency_proof(l, m);
      ASSERT_TRUE(verify_consistency(m, n, first, second, path)) << m << " -> " << n;
      if (m == n) continue;
      // The log rewrote one of the first m entries (deleted or altered a
      // recorded event) and rebuilt itself: the old head no longer fits.
      auto rewritten = l;
      rewritten[m / 2][0] ^= 1;
      const auto forged = consistency_proof(rewritten, m);
      EXPECT_FALSE(verify_consistency(m, n, first, root(rewritten), forged)) << m << " -> " << n;
      // A proof cut short fails too. (A tree's size is bound to its root by
      // the signed tree head, not by the proof: a path can fit more than one
      // size, so sizes are checked there.)
      auto shorter = path;
      shorter.pop_back();
      EXPECT_FALSE(verify_consistency(m, n, first, second, shorter));
    }
  }
  const auto l = leaves(5);
  EXPECT_FALSE(verify_consistency(0, 5, root({}), root(l), {}));
  EXPECT_FALSE(verify_consistency(6, 5, root(l), root(l), {}));
}

// A second, independent guard of the consistency check's first root: an
// honest proof between two true trees does not vouch for a head the client
// never held (what a log showing one history to one client and another to
// the rest would hand out).
TEST(Merkle, AnHonestProofDoesNotVouchForAHeadTheClientNeverHeld) {
  const auto l = leaves(23);
  const Hash second = root(l);
  Hash foreign = root(std::span(l).subspan(0, 4));
  foreign[0] ^= 0x80;
  for (std::size_t m = 1; m < l.size(); ++m) {
    const Hash first = root(std::span(l).subspan(0, m));
    const auto path = consistency_proof(l, m);
    ASSERT_TRUE(verify_consistency(m, l.size(), first, second, path));
    Hash other = first;
    other[31] ^= 1;
    EXPECT_FALSE(verify_consistency(m, l.size(), other, second, path)) << m;
    EXPECT_FALSE(verify_consistency(m, l.size(), foreign, second, path)) << m;
  }
}

}  // namespace
}  // namespace cw::merkle
