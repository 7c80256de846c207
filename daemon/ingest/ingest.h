// The ingest pipeline for POST /v1/alerts.
//
// Order of work (cheapest first, nothing written until everything passed):
//   envelope header checks -> decrypt -> inner header -> trust store lookup
//   -> signature -> timestamp -> canonical alert + schema -> region scope
//   -> per-contact rate limit -> ONE store transaction (group commit)
//   -> signed receipt, only after the commit is durable.
// A rejected alert changes nothing but metrics.
#pragma once

#include "protocol/case_log.h"

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>

#include "daemon/caselog/tree_heads.h"
#include "daemon/keyring.h"
#include "daemon/metrics.h"
#include "daemon/rate_limit.h"
#include "daemon/store/store.h"
#include "daemon/trust.h"

namespace cw::daemon {

// What became of one submission. Ingest knows nothing of HTTP: the API layer
// maps this to a status and a body (daemon/api/).
struct IngestOutcome {
  Errc code = Errc::ok;                        // ok: recorded (now, or earlier: `repeat`)
  std::string message;                         // for a refusal: names the rule, never a value
  std::optional<std::uint32_t> retry_after_s;  // rate_limited
  bool repeat = false;                         // the alert id was recorded before
  // ok: the signed receipt (receipt_to_json) and, as its member "log", the
  // log evidence (log_evidence_to_json) when the alert has a leaf.
  std::string receipt_json;
};

class Ingest {
 public:
  // escalate_after_s: a new case nobody acknowledges within this time is
  // escalated (0 = never). log_window_s: the case log's mixing window, which
  // sets the time a receipt promises its leaf by (protocol/case_log.h).
  Ingest(const Keyring& keys, const TrustHolder& trust, Store& store, TreeHeads& heads,
         Metrics& metrics, std::int64_t escalate_after_s,
         std::int64_t log_window_s = kLogWindowSeconds);

  // Runs the pipeline on `body`; `done` is called exactly once, on `ex`.
  void submit(const std::string& body, const boost::asio::any_io_executor& ex,
              std::function<void(IngestOutcome)> done);

 private:
  const Keyring& keys_;
  const TrustHolder& trust_;
  Store& store_;
  TreeHeads& heads_;
  Metrics& metrics_;
  std::int64_t escalate_after_s_;
  std::int64_t log_window_s_;
  TokenBuckets<KeyId, KeyIdHash> contact_buckets_;
  // Repeats of recorded alerts have their own, generous budget: anyone who
  // holds one of a contact's envelopes (a courier's file, a seized outbox)
  // can replay it, and must not lock the contact out by doing so.
  TokenBuckets<KeyId, KeyIdHash> repeat_buckets_;
};

}  // namespace cw::daemon
