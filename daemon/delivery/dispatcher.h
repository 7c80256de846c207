// The delivery worker: pushes queued notifications to organisations'
// webhooks, retrying on the Standard Webhooks schedule, and escalates cases
// nobody acknowledged. Runs on its own thread and io_context, so delivery
// never blocks ingest; each organisation has at most one request in flight,
// so a slow or dead receiver delays only itself.
#pragma once

#include <memory>

#include "daemon/caselog/tree_heads.h"
#include "daemon/config.h"
#include "daemon/delivery/notification_signer.h"
#include "daemon/keyring.h"
#include "daemon/metrics.h"
#include "daemon/store/store.h"
#include "daemon/trust.h"

namespace cw::daemon {

class Dispatcher {
 public:
  Dispatcher(const DeliveryConfig& config, const Keyring& keys, const TrustHolder& trust,
             Store& store, Metrics& metrics, NotificationSigner& notes, TreeHeads& heads);
  ~Dispatcher();

  void start();
  void wake();  // new notifications were committed (thread-safe)
  // The trust store was reloaded (thread-safe): revives the webhooks whose
  // subscription generation moved on (an operator fixed the endpoint).
  void trust_changed();
  // Lets in-flight attempts finish (bounded by the webhook timeout), then stops.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cw::daemon
