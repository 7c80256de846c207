#include "daemon/delivery/notification_signer.h"

#include "protocol/sealed_notification.h"
#include "protocol/signed_payload.h"

namespace cw::daemon {

std::string NotificationSigner::signed_form(std::uint64_t seq, std::string_view body) {
  {
    std::lock_guard lock(mu_);
    if (auto it = signed_.find(seq); it != signed_.end()) return it->second;
  }
  // Signed outside the lock: two threads may both sign a new notification
  // once at the same moment; the first one kept wins, and both forms verify.
  std::string s = sign_payload(key_, kNotificationDomain, body);
  m_.notification_signatures.fetch_add(1);
  std::lock_guard lock(mu_);
  auto [it, fresh] = signed_.emplace(seq, std::move(s));
  if (fresh) {
    order_.push_back(seq);
    if (order_.size() > kKept) {
      signed_.erase(order_.front());
      order_.pop_front();
    }
  }
  return it->second;
}

std::string NotificationSigner::for_org(std::uint64_t seq, std::string_view body,
                                        const OrgEntry& org) {
  std::string s = signed_form(seq, body);
  if (org.sub.format != NotificationFormat::sealed) return s;
  // Fails closed: a sealed subscription without a box key (the trust store
  // refuses to load one) gets a box nobody can open, never the clear form.
  if (!org.box_key) return R"({"sealed":""})";
  m_.notifications_sealed.fetch_add(1);
  return seal_notification(s, *org.box_key);
}

}  // namespace cw::daemon
