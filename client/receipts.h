// Verified receipts, kept so a contact can prove delivery and follow up on a
// case: receipts/<keyed name>.cwr, sealed (client/device_files.h) around
//   {"case_ref", "kind", "receipt": {...}[, "log": {...}][, "place": N]}
// Sealed, and named by a keyed hash of the alert id, because a receipt's
// values (alert id, log index and leaf) are handles into a seized server's
// tables: a phone without its passphrase holds none. Only receipts whose
// signature verified against the daemon's key are ever stored. Receipts kept
// in clear by an older client (receipts/<alert id>.json) are sealed and the
// clear files shredded the first time the store lists them.
#pragma once

#include <string>
#include <vector>

#include "client/device_files.h"
#include "protocol/case_log.h"
#include "protocol/receipt.h"

namespace cw::client {

struct StoredReceipt {
  Receipt receipt;
  AlertId case_ref{};  // the new_case alert's id (its own id for a new case)
  std::string kind;
  // The case log's head and inclusion proof that came with the receipt
  // (verified when it arrived): what casewire verify-log checks the log
  // against later.
  std::optional<LogEvidence> log = std::nullopt;
  // A v3 receipt's leaf has no place when it arrives (it waits for its
  // mixing window): verify-log writes the place it first found the leaf at
  // here, with `log` holding that head and proof. From then on the leaf must
  // stay there - a leaf that vanished after it was seen is dropped at once,
  // not only when the receipt's promise lapses.
  std::optional<std::uint64_t> place = std::nullopt;
};

class ReceiptStore {
 public:
  ReceiptStore(std::string dir, const DeviceFiles& files) : dir_(std::move(dir)), files_(files) {}
  Status put(const StoredReceipt& r) const;
  // Oldest first. *unreadable: files that do not open with this device's
  // key (another device's, or altered) - never listed as ours.
  Result<std::vector<StoredReceipt>> list(std::size_t* unreadable = nullptr) const;

 private:
  std::string dir_;
  const DeviceFiles& files_;
};

}  // namespace cw::client
