#include "daemon/caselog/tree_heads.h"

#include "protocol/timefmt.h"

namespace cw::daemon {
namespace {

constexpr std::int64_t kResignAfter = 3600;

}  // namespace

TreeHead TreeHeads::current() {
  const std::uint64_t size = store_.log_size();
  const std::int64_t now = unix_now();
  std::lock_guard lock(mu_);
  // After a key rotation the head is signed again with the new key.
  if (!have_ || head_.size != size || now - head_.timestamp >= kResignAfter ||
      head_.daemon_key_id != keys_.signing().id()) {
    head_ = sign_tree_head(keys_.signing(), size, store_.log_root(size), now);
    have_ = true;
    if (metrics_) metrics_->tree_heads_signed.fetch_add(1);
  }
  return head_;
}

LogEvidence TreeHeads::evidence(std::uint64_t index) {
  LogEvidence e;
  e.head = current();
  e.inclusion = store_.log_inclusion(index, e.head.size);
  return e;
}

}  // namespace cw::daemon
