// The case log's Merkle tree as committed (protocol/case_log.h). The store's
// writer stages a leaf when it inserts its row inside a batch transaction
// and publishes the batch's leaves only after COMMIT succeeded (or drops them
// after a rollback), so no proof is ever given for a leaf that a crash could
// take back. Readers (the API's proofs, receipts) share a lock with that
// publication only.
#pragma once

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "protocol/merkle_tree.h"

namespace cw::daemon {

class CommittedLog {
 public:
  // Writer thread only.
  std::uint64_t next_index() const { return committed_ + staged_.size(); }
  void stage(const merkle::Hash& leaf) { staged_.push_back(leaf); }
  void discard() { staged_.clear(); }
  void publish() {
    if (staged_.empty()) return;
    std::unique_lock lock(mu_);
    for (const auto& h : staged_) tree_.append(h);
    committed_ = tree_.size();
    staged_.clear();
  }

  // Forgets every leaf (the log is to be rebuilt from its table: a store
  // shared by several daemons found it shorter than this tree).
  void reset() {
    std::unique_lock lock(mu_);
    tree_ = merkle::Tree{};
    committed_ = 0;
    staged_.clear();
  }

  // Any thread.
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

 private:
  mutable std::shared_mutex mu_;
  merkle::Tree tree_;
  std::uint64_t committed_ = 0;       // writer's copy of tree_.size()
  std::vector<merkle::Hash> staged_;  // this batch's leaves, not yet durable
};

}  // namespace cw::daemon
