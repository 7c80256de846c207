// The case log's Merkle tree as committed (protocol/case_log.h). The store's
// writer stages a leaf when it inserts its row inside a batch transaction
// and publishes the batch's leaves only after COMMIT succeeded (or drops them
// after a rollback), so no proof is ever given for a leaf that a crash could
// take back. Readers (the API's proofs, receipts) share a lock with that
// publication only.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include <algorithm>

#include "protocol/bytes.h"
#include "protocol/merkle.h"
#include "protocol/merkle_tree.h"

namespace cw::daemon {

// A leaf waiting for its mixing window to end (protocol/case_log.h).
struct WaitingLeaf {
  Bytes tag, leaf;
  std::int64_t due = 0;  // the window's end
  merkle::Hash hash{};   // filled by order_for_log
};

// The order waiting leaves join the log in: by window, and within a window
// by leaf hash. The hash is under a key the daemon holds (the leaf's tag),
// so it is independent of the order the events were recorded in - which is
// the order of the server's rows - and nobody can steer it.
inline void order_for_log(std::vector<WaitingLeaf>& leaves) {
  for (auto& l : leaves) l.hash = merkle::leaf_hash(l.leaf);
  std::sort(leaves.begin(), leaves.end(), [](const WaitingLeaf& a, const WaitingLeaf& b) {
    return a.due != b.due ? a.due < b.due : a.hash < b.hash;
  });
}

class CommittedLog {
 public:
  // Writer thread only. A batch also counts the leaves it set waiting
  // (+1) and appended (-1); the count joins `waiting()` when it commits.
  std::uint64_t next_index() const { return committed_ + staged_.size(); }
  void stage(const merkle::Hash& leaf) { staged_.push_back(leaf); }
  void stage_waiting(std::int64_t delta) { waiting_delta_ += delta; }
  void discard() {
    staged_.clear();
    waiting_delta_ = 0;
  }
  void publish() {
    waiting_.fetch_add(static_cast<std::uint64_t>(waiting_delta_));
    waiting_delta_ = 0;
    if (staged_.empty()) return;
    std::unique_lock lock(mu_);
    for (const auto& h : staged_) {
      // The first place wins: a leaf is appended once, and a repeat of its
      // hash (which a keyed tag makes as unlikely as a collision) keeps it.
      places_.emplace(h, tree_.size());
      tree_.append(h);
    }
    committed_ = tree_.size();
    staged_.clear();
  }

  // Forgets every leaf (the log is to be rebuilt from its table: a store
  // shared by several daemons found it shorter than this tree).
  void reset() {
    std::unique_lock lock(mu_);
    tree_ = merkle::Tree{};
    places_.clear();
    committed_ = 0;
    staged_.clear();
  }

  // At start: how many leaves the table holds waiting.
  void set_waiting(std::uint64_t n) { waiting_.store(n); }

  // Any thread.
  std::uint64_t waiting() const { return waiting_.load(); }
  std::uint64_t size() const {
    std::shared_lock lock(mu_);
    return tree_.size();
  }
  merkle::Hash root(std::uint64_t size) const {
    std::shared_lock lock(mu_);
    return tree_.root(size);
  }
  std::vector<merkle::Hash> inclusion(std::uint64_t index, std::uint64_t size) const {
    std::shared_lock lock(mu_);
    return tree_.inclusion_proof(index, size);
  }
  std::vector<merkle::Hash> consistency(std::uint64_t first, std::uint64_t second) const {
    std::shared_lock lock(mu_);
    return tree_.consistency_proof(first, second);
  }
  std::optional<std::uint64_t> index_of(const merkle::Hash& leaf) const {
    std::shared_lock lock(mu_);
    auto it = places_.find(leaf);
    if (it == places_.end()) return std::nullopt;
    return it->second;
  }

 private:
  struct HashOfLeaf {
    // Leaf hashes are SHA-256 outputs: any 8 of their bytes are uniform.
    std::size_t operator()(const merkle::Hash& h) const {
      std::size_t v;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };
  mutable std::shared_mutex mu_;
  merkle::Tree tree_;
  std::unordered_map<merkle::Hash, std::uint64_t, HashOfLeaf> places_;
  std::uint64_t committed_ = 0;       // writer's copy of tree_.size()
  std::vector<merkle::Hash> staged_;  // this batch's leaves, not yet durable
  std::int64_t waiting_delta_ = 0;    // this batch's change to waiting_
  std::atomic<std::uint64_t> waiting_{0};
};

}  // namespace cw::daemon
