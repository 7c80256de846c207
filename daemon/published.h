// What the daemon publishes to every enrolled key besides the API's answers:
// its signed gazetteer (GET /v1/gazetteer) and the chain of signed invite
// updates its key rotations wrote (GET /v1/invite-update[s]). Each is swapped
// whole on SIGHUP, so a request is answered from the old document or the
// new one, never half of each. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "daemon/rotation.h"

namespace cw::daemon {

class Published {
 public:
  // Null until set: the API answers not_found.
  std::shared_ptr<const std::string> gazetteer() const {
    std::lock_guard lock(mu_);
    return gazetteer_;
  }
  std::shared_ptr<const ServedInviteChain> invite_chain() const {
    std::lock_guard lock(mu_);
    return chain_;
  }
  void set_gazetteer(std::shared_ptr<const std::string> signed_text) {
    std::lock_guard lock(mu_);
    gazetteer_ = std::move(signed_text);
  }
  void set_invite_chain(std::shared_ptr<const ServedInviteChain> chain) {
    std::lock_guard lock(mu_);
    chain_ = std::move(chain);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::string> gazetteer_;
  std::shared_ptr<const ServedInviteChain> chain_;
};

}  // namespace cw::daemon
