// Anonymised notifications: what organisations receive about a case.
//
// The body is compact JSON with EVERY key always present (string fields are
// "" when not applicable) and values drawn only from codes, buckets and
// times, so no character ever needs escaping. It is then padded with the
// "pad" field to exactly kNotificationBodySize bytes: a notification's length
// (and the signed wrapper's, see signed_payload.h) says nothing about the
// alert behind it. docs/ANONYMISATION.md says what each field may contain.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/case_facts.h"
#include "protocol/error.h"

namespace cw {

inline constexpr std::size_t kNotificationBodySize = 1024;

struct Notification {
  std::uint64_t id = 0;    // feed sequence; also what an organisation acknowledges
  std::string event;       // new_case | update | resolved | retraction | escalation | acknowledged
  std::string case_id;     // case pseudonym, 32 hex, stable across the case's events
  CaseFacts facts;         // the case as it stands after this event
  std::uint32_t acks = 0;  // organisations acting on the case when this was issued
  std::string issued_at;   // RFC 3339, truncated to the hour

  bool operator==(const Notification&) const = default;
};

// Exactly kNotificationBodySize bytes; fails if a field holds a character
// outside [A-Za-z0-9:+-] (a bug upstream: the anonymiser emits codes only).
Result<std::string> encode_notification(const Notification& n);
Result<Notification> decode_notification(std::string_view body);

}  // namespace cw
