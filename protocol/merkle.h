// Merkle trees as Certificate Transparency defines them (RFC 9162 §2.1):
// the hashing, inclusion and consistency proofs, and their verification.
// The building block of casewire's tamper-evident case log (issue 15,
// part 1): a daemon that drops or rewrites a recorded event can no longer
// show a contact the proof of its receipt, nor an organisation a log that
// only grew.
//
//   leaf hash = SHA-256(0x00 || leaf data)
//   node hash = SHA-256(0x01 || left || right)
//   MTH({})   = SHA-256("")
//
// Proof generation here works on the full list of leaf hashes (O(n) per
// call): the reference the daemon's incremental tree is tested against.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/bytes.h"

namespace cw::merkle {

using Hash = std::array<std::uint8_t, 32>;

Hash leaf_hash(ByteView data);
Hash node_hash(const Hash& left, const Hash& right);

// MTH over leaf hashes (already leaf_hash'ed).
Hash root(std::span<const Hash> leaves);

// PATH(index, leaves): the audit path of leaf `index` (< leaves.size()).
std::vector<Hash> inclusion_proof(std::span<const Hash> leaves, std::uint64_t index);
// PROOF(first, leaves): that the tree of the first `first` leaves is a prefix
// of the tree of all of them (0 < first <= leaves.size()).
std::vector<Hash> consistency_proof(std::span<const Hash> leaves, std::uint64_t first);

// RFC 9162 §2.1.3.2: true iff `path` proves `leaf` at `index` in the tree of
// `size` leaves whose root is `root`. The size is not bound by the path
// alone (one path can fit several sizes): take size and root together from
// a signed tree head.
bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                      std::span<const Hash> path, const Hash& root);
// RFC 9162 §2.1.4.2: true iff `path` proves the tree of `first` leaves with
// root `first_root` is a prefix of the tree of `second` leaves with root
// `second_root`. Equal sizes need equal roots and an empty path.
bool verify_consistency(std::uint64_t first, std::uint64_t second, const Hash& first_root,
                        const Hash& second_root, std::span<const Hash> path);

}  // namespace cw::merkle
