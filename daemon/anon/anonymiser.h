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
#include "protocol/case_facts.h"
#include "protocol/notification.h"

namespace cw::daemon {

using cw::CaseFacts;

CaseFacts anonymise(const Alert& alert);

// The schema paths that have a rule (for the test that ties policy to schema).
std::span<const std::string_view> anonymiser_rule_paths();

// Policy building blocks, exposed for tests.
std::string count_bucket(std::uint32_t n);       // "0" "1" "2-4" "5-9" "10+"
std::string to_hour(std::int64_t unix_seconds);  // RFC 3339, minutes and seconds zeroed

Notification make_notification(const CaseFacts& facts, std::string_view event, std::uint64_t id,
                               std::string_view case_id, std::uint32_t acks, std::int64_t now);

}  // namespace cw::daemon
