#include "protocol/merkle_tree.h"

#include <bit>

namespace cw::merkle {
namespace {

// The largest power of two smaller than n (n >= 2).
std::uint64_t split(std::uint64_t n) {
  return std::bit_floor(n - 1);
}

}  // namespace

void Tree::append(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  // Each time a level's count becomes even, its last two nodes complete a
  // subtree one level up.
  for (std::size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    if (k + 1 == levels_.size()) levels_.emplace_back();
    const auto& l = levels_[k];
    levels_[k + 1].push_back(node_hash(l[l.size() - 2], l[l.size() - 1]));
  }
}

Hash Tree::range(std::uint64_t lo, std::uint64_t n) const {
  if (std::has_single_bit(n)) {
    const auto k = static_cast<std::size_t>(std::countr_zero(n));
    return levels_[k][lo >> k];
  }
  const std::uint64_t k = split(n);
  return node_hash(range(lo, k), range(lo + k, n - k));
}

Hash Tree::root(std::uint64_t size) const {
  if (size == 0 || size > this->size()) return merkle::root({});
  return range(0, size);
}

std::vector<Hash> Tree::inclusion_proof(std::uint64_t index, std::uint64_t size) const {
  std::vector<Hash> path;
  if (size > this->size() || index >= size) return path;
  std::uint64_t lo = 0, n = size, m = index;
  while (n > 1) {
    const std::uint64_t k = split(n);
    if (m < k) {
      path.push_back(range(lo + k, n - k));
      n = k;
    } else {
      path.push_back(range(lo, k));
      lo += k;
      n -= k;
      m -= k;
    }
  }
  return {path.rbegin(), path.rend()};  // the leaf's sibling first
}

void Tree::subproof(std::uint64_t lo, std::uint64_t n, std::uint64_t m, bool whole,
                    std::vector<Hash>& out) const {
  if (m == n) {
    if (!whole) out.push_back(range(lo, n));
    return;
  }
  const std::uint64_t k = split(n);
  if (m <= k) {
    subproof(lo, k, m, whole, out);
    out.push_back(range(lo + k, n - k));
  } else {
    subproof(lo + k, n - k, m - k, false, out);
    out.push_back(range(lo, k));
  }
}

std::vector<Hash> Tree::consistency_proof(std::uint64_t first, std::uint64_t second) const {
  std::vector<Hash> out;
  if (first == 0 || first > second || second > size()) return out;
  subproof(0, second, first, true, out);
  return out;
}

}  // namespace cw::merkle
