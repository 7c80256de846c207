// The Store: where recorded alerts live. SQLite is the embedded default
// (sqlite_store.h); the interface is small so another engine can follow.
//
// Durability contract: record_alert's callback reports success only after the
// transaction holding the alert is durable (committed and fsync'd). Callers
// send a receipt only from that callback, so nothing acknowledged is lost.
// Concurrent calls are batched into one transaction (group commit).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "daemon/keyring.h"
#include "protocol/alert.h"
#include "protocol/error.h"

namespace cw::daemon {

using Hash32 = std::array<std::uint8_t, 32>;

struct NewAlert {
  Tag alert_tag{};       // keyed hash of the alert id (the idempotency key)
  Tag sender_tag{};      // keyed hash of (sender, alert id)
  Hash32 envelope_hash{};
  std::int64_t received_at = 0;
  AlertKind kind = AlertKind::new_case;
  Bytes sealed;          // restricted data, encrypted under the storage key
};

struct Recorded {
  std::uint64_t sequence = 0;
  std::int64_t received_at = 0;
  Hash32 envelope_hash{};
  bool duplicate = false;        // this alert id was already recorded
  bool sender_conflict = false;  // ...by a different sender
};

using RecordCallback = std::function<void(Result<Recorded>)>;

class Store {
 public:
  virtual ~Store() = default;

  // Queues the alert for the next group commit. `done` runs exactly once, on
  // the store's writer thread, after the commit (or its failure); it must not
  // block. After close() it fails at once with store_unavailable.
  virtual void record_alert(NewAlert alert, RecordCallback done) = 0;

  virtual Result<std::uint64_t> count_alerts() = 0;

  // Finishes what is queued, then stops. Idempotent.
  virtual void close() = 0;
};

}  // namespace cw::daemon
