// The daemon's signed tree heads for its case log (protocol/case_log.h).
// One signature per log size, not per request: a burst of receipts shares
// the head of the batch that recorded them. A head is signed again, for the
// same size, once it is an hour old, so that a quiet log still shows clients
// that the daemon is alive and still stands by it.
#pragma once

#include <cstdint>
#include <mutex>

#include "daemon/keyring.h"
#include "daemon/metrics.h"
#include "daemon/store/store.h"
#include "protocol/case_log.h"

namespace cw::daemon {

class TreeHeads {
 public:
  TreeHeads(Store& store, const Keyring& keys, Metrics* metrics = nullptr)
      : store_(store), keys_(keys), metrics_(metrics) {}

  // A head covering every committed leaf. Thread-safe.
  TreeHead current();
  // What a receipt carries: the current head and the inclusion proof of
  // leaf `index` in it.
  LogEvidence evidence(std::uint64_t index);

 private:
  Store& store_;
  const Keyring& keys_;
  Metrics* metrics_;
  std::mutex mu_;
  TreeHead head_;
  bool have_ = false;
};

}  // namespace cw::daemon
