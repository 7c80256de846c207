// The outbox: sealed envelopes waiting for a verified receipt.
//
// Invariant: an alert is written here (atomically, fsync'd, 0600) BEFORE the
// first attempt to send it, and removed only after its receipt verified or
// the contact dropped it (`casewire outbox drop`). A refusal never deletes
// it: a refusal that can heal leaves it queued, a final one marks it. A crash at any point leaves
// it either here or receipted; resending is harmless because the alert id is idempotent.
//
// Only sealed envelopes are kept: nobody holding the device - the contact
// included - can read an alert back from the outbox. The metadata beside each
// envelope is kind, case reference, creation time, attempts and the last
// error code.
#pragma once

#include <string>
#include <vector>

#include "protocol/alert.h"
#include "protocol/error.h"

namespace cw::client {

struct OutboxEntry {
  AlertId id{};
  std::string kind;
  std::int64_t created_at = 0;
  std::uint32_t attempts = 0;
  std::string last_error;  // a stable error code, never content
  AlertId case_ref{};      // the case this alert belongs to (its own id for a new case)
  // Set when the daemon refused the alert for good (a stable code): it is
  // kept, marked, and no longer sent, until the contact drops it. Empty for
  // an alert still waiting to be delivered.
  std::string refused;
};

class Outbox {
 public:
  explicit Outbox(std::string dir) : dir_(std::move(dir)) {}

  Status put(const OutboxEntry& meta, ByteView wire);
  Result<Bytes> envelope(const AlertId& id) const;
  // Oldest first. An envelope whose metadata is missing is still listed.
  Result<std::vector<OutboxEntry>> list() const;
  Status update(const OutboxEntry& meta);
  // Takes the entry out of the queue (atomic rename), then shreds the
  // envelope and its metadata.
  Status remove(const AlertId& id);
  // Shreds what a crash left half-removed.
  void sweep() const;

 private:
  std::string envelope_path(const AlertId& id) const;
  std::string meta_path(const AlertId& id) const;
  std::string dir_;
};

}  // namespace cw::client
