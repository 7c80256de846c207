// The anonymiser: from a verified alert to the facts an organisation may see.
//
// Driven by the schema's classification (protocol/alert.h, alert_fields()):
// every public or generalised field has exactly one rule below; restricted
// fields have none and so can never reach a notification. A unit test holds
// the rule table and the schema table to each other. The policy, field by
// field, is in docs/ANONYMISATION.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "protocol/alert.h"
#include "protocol/notification.h"

namespace cw::daemon {

// Anonymised, generalised facts about one case event. Safe to keep in the
// clear (they are what every subscribed organisation receives anyway).
struct CaseFacts {
  std::string status, people, children, elderly, sick, region, held_at, arrested_at,
      expected_transfer, urgency, consent;

  // A follow-up changes only what it says; the rest stays as the case knew it.
  void merge_from(const CaseFacts& update);
  std::string to_json() const;
  // Refuses (store_unavailable) stored facts that are not what to_json wrote:
  // damaged facts must not silently become an empty case.
  static Result<CaseFacts> from_json(std::string_view json);
  bool operator==(const CaseFacts&) const = default;
};

CaseFacts anonymise(const Alert& alert);

// The schema paths that have a rule (for the test that ties policy to schema).
std::span<const std::string_view> anonymiser_rule_paths();

// Policy building blocks, exposed for tests.
std::string count_bucket(std::uint32_t n);       // "0" "1" "2-4" "5-9" "10+"
std::string to_hour(std::int64_t unix_seconds);  // RFC 3339, minutes and seconds zeroed

Notification make_notification(const CaseFacts& facts, std::string_view event, std::uint64_t id,
                               std::string_view case_id, std::uint32_t acks, std::int64_t now);

}  // namespace cw::daemon
