// An append-only Merkle tree kept in memory (the daemon's case log): the
// same trees as protocol/merkle.h, but roots and proofs for any earlier size
// cost O(log^2 n) hashes instead of O(n), because every complete aligned
// subtree's hash is kept once computed.
//
// Memory: about two hashes (64 bytes) per leaf. Not thread-safe: the owner
// locks (the store appends after each commit; readers ask for proofs).
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/merkle.h"

namespace cw::merkle {

class Tree {
 public:
  void append(const Hash& leaf);
  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }

  // All of these need 0 < size <= this->size() (root: 0 allowed, the empty
  // tree) and answer as merkle::root / inclusion_proof / consistency_proof
  // would over the first `size` leaves. Out of range: an empty result.
  Hash root(std::uint64_t size) const;
  std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size) const;
  std::vector<Hash> consistency_proof(std::uint64_t first, std::uint64_t second) const;

 private:
  // MTH of the `n` leaves starting at `lo`, where the range is one the
  // RFC 9162 recursion reaches (so a power-of-two range is aligned).
  Hash range(std::uint64_t lo, std::uint64_t n) const;
  void subproof(std::uint64_t lo, std::uint64_t n, std::uint64_t m, bool whole,
                std::vector<Hash>& out) const;

  // levels_[k][i]: the hash of leaves [i * 2^k, (i + 1) * 2^k), for every
  // such complete subtree.
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace cw::merkle
