// Submitting one sealed envelope (POST /v1/alerts): try each daemon URL in the invite's order,
// verify the receipt, and classify the outcome for the outbox and the exit
// status.
#pragma once

#include <string>

#include "client/transport.h"
#include "protocol/case_log.h"
#include "protocol/envelope.h"
#include "protocol/invite.h"
#include "protocol/receipt.h"

namespace cw::client {

enum class Outcome {
  receipted,  // verified receipt in hand
  rejected,   // the daemon refused it for good (stable code in `error`)
  deferred,   // unreachable, rate limited or daemon busy: try again later
  untrusted,  // pin mismatch or a receipt that does not verify
};

struct DeliveryResult {
  Outcome outcome = Outcome::deferred;
  Receipt receipt;
  bool repeat = false;  // the daemon already had this alert (200)
  Error error;
  std::string retry_after;
  // The newest invite update the daemon announced (0: none): after a key
  // rotation, what tells the client its keys are out of date.
  std::uint32_t update_announced = 0;
  // The update this device applied meanwhile (0: none), to say so.
  std::uint32_t update_applied = 0;
  // The case log's evidence that came with the receipt, kept only if it
  // verified (an unverified one is dropped; casewire verify-log asks again).
  std::optional<LogEvidence> log = std::nullopt;
  // Receipted, but this device could not store the receipt (a full disk):
  // the envelope then stays in the outbox, the one copy that can fetch the
  // receipt again (a repeat is answered with the same record).
  std::optional<Error> receipt_not_saved = std::nullopt;
};

// `urls` overrides the invite's list when not empty. `expected_id` is null
// when the caller cannot know the id (a carried file): the receipt must then
// still bind exactly this envelope's hash.
DeliveryResult deliver(ByteView wire, const AlertId* expected_id, const Invite& invite,
                       const TransportOptions& transport,
                       const std::vector<std::string>& urls = {});

// Exit statuses of casewire send / deliver / outbox flush (docs/FIELD_GUIDE.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitRejected = 2;
inline constexpr int kExitQueued = 3;
inline constexpr int kExitUntrusted = 4;
int exit_status(Outcome o);

// One plain sentence for a contact: what a refusal code means for their
// alert and what to do. Never empty.
std::string plain_refusal(Errc code);

}  // namespace cw::client
