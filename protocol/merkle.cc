#include "protocol/merkle.h"

#include <sodium.h>

namespace cw::merkle {
namespace {

// The largest power of two smaller than n (n >= 2).
std::uint64_t split(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

bool lsb(std::uint64_t x) {
  return (x & 1) != 0;
}

void subproof(std::span<const Hash> d, std::uint64_t m, bool whole, std::vector<Hash>& out) {
  const std::uint64_t n = d.size();
  if (m == n) {
    if (!whole) out.push_back(root(d));
    return;
  }
  const std::uint64_t k = split(n);
  if (m <= k) {
    subproof(d.subspan(0, k), m, whole, out);
    out.push_back(root(d.subspan(k)));
  } else {
    subproof(d.subspan(k), m - k, false, out);
    out.push_back(root(d.subspan(0, k)));
  }
}

}  // namespace

Hash leaf_hash(ByteView data) {
  Hash h;
  crypto_hash_sha256_state st;
  const std::uint8_t prefix = 0x00;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, data.data(), data.size());
  crypto_hash_sha256_final(&st, h.data());
  return h;
}

Hash node_hash(const Hash& left, const Hash& right) {
  Hash h;
  crypto_hash_sha256_state st;
  const std::uint8_t prefix = 0x01;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, left.data(), left.size());
  crypto_hash_sha256_update(&st, right.data(), right.size());
  crypto_hash_sha256_final(&st, h.data());
  return h;
}

Hash root(std::span<const Hash> leaves) {
  if (leaves.empty()) {
    Hash h;
    crypto_hash_sha256(h.data(), nullptr, 0);
    return h;
  }
  if (leaves.size() == 1) return leaves[0];
  const std::uint64_t k = split(leaves.size());
  return node_hash(root(leaves.subspan(0, k)), root(leaves.subspan(k)));
}

std::vector<Hash> inclusion_proof(std::span<const Hash> leaves, std::uint64_t index) {
  std::vector<Hash> path;
  if (index >= leaves.size()) return path;
  // Top-down, then reversed: the leaf's sibling comes first.
  std::vector<Hash> top_down;
  std::span<const Hash> d = leaves;
  std::uint64_t m = index;
  while (d.size() > 1) {
    const std::uint64_t k = split(d.size());
    if (m < k) {
      top_down.push_back(root(d.subspan(k)));
      d = d.subspan(0, k);
    } else {
      top_down.push_back(root(d.subspan(0, k)));
      d = d.subspan(k);
      m -= k;
    }
  }
  path.assign(top_down.rbegin(), top_down.rend());
  return path;
}

std::vector<Hash> consistency_proof(std::span<const Hash> leaves, std::uint64_t first) {
  std::vector<Hash> out;
  if (first == 0 || first > leaves.size()) return out;
  subproof(leaves, first, true, out);
  return out;
}

bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                      std::span<const Hash> path, const Hash& expected_root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) return false;
    if (lsb(fn) || fn == sn) {
      r = node_hash(p, r);
      if (!lsb(fn))
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && sodium_memcmp(r.data(), expected_root.data(), r.size()) == 0;
}

bool verify_consistency(std::uint64_t first, std::uint64_t second, const Hash& first_root,
                        const Hash& second_root, std::span<const Hash> path) {
  if (first == 0 || first > second) return false;
  if (first == second)
    return path.empty() && sodium_memcmp(first_root.data(), second_root.data(), 32) == 0;
  if (path.empty()) return false;
  std::vector<Hash> p(path.begin(), path.end());
  // A power-of-two first tree is a node of the second: its root starts the path.
  if ((first & (first - 1)) == 0) p.insert(p.begin(), first_root);
  std::uint64_t fn = first - 1, sn = second - 1;
  while (lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = p[0], sr = p[0];
  for (std::size_t i = 1; i < p.size(); ++i) {
    const Hash& c = p[i];
    if (sn == 0) return false;
    if (lsb(fn) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if (!lsb(fn))
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && sodium_memcmp(fr.data(), first_root.data(), 32) == 0 &&
         sodium_memcmp(sr.data(), second_root.data(), 32) == 0;
}

}  // namespace cw::merkle
