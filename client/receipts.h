// Verified receipts, kept so a contact can prove delivery and follow up on a
// case: receipts/<alert id>.json = {"case_ref", "kind", "receipt": {...}[, "log": {...}]}.
// Only receipts whose signature verified against the invite's daemon key are
// ever stored.
#pragma once

#include <string>
#include <vector>

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
};

class ReceiptStore {
 public:
  explicit ReceiptStore(std::string dir) : dir_(std::move(dir)) {}
  Status put(const StoredReceipt& r);
  Result<std::vector<StoredReceipt>> list() const;  // oldest first

 private:
  std::string dir_;
};

}  // namespace cw::client
