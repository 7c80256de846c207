// Alert schema v1: what a field contact reports, and how each field may travel.
//
// Every field has a classification that the anonymiser obeys:
//   public      - may appear in a notification as is (kind, urgency, consent)
//   generalised - appears only coarsened (counts in buckets, places to their
//                 region or facility, times to the hour)
//   restricted  - never leaves the daemon; stored encrypted (names, contact
//                 details, notes, free-text place detail, the case reference)
//
// Canonical encoding: compact JSON, keys in the fixed order of the table in
// alert.cc, optional fields omitted when absent, no whitespace. The client
// signs exactly these bytes; the daemon re-encodes what it parsed and refuses
// anything that is not byte-identical (malformed_alert), so one alert has one
// encoding and one signature.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/error.h"

namespace cw {

inline constexpr std::uint16_t kAlertSchemaVersion = 1;
// Largest canonical alert; keeps every alert inside the single padding bucket.
inline constexpr std::size_t kMaxAlertBytes = 7936;

using AlertId = std::array<std::uint8_t, 16>;
AlertId random_alert_id();
std::optional<AlertId> parse_alert_id(std::string_view hex32);

enum class AlertKind { new_case, update, resolved, retraction };
enum class CaseStatus { detained, transferred, released, returned };
enum class Urgency { immediate, high, normal };
enum class Consent { private_only, advocacy };

std::string_view to_string(AlertKind v);
std::string_view to_string(CaseStatus v);
std::string_view to_string(Urgency v);
std::string_view to_string(Consent v);
std::optional<AlertKind> parse_alert_kind(std::string_view s);
std::optional<CaseStatus> parse_case_status(std::string_view s);
std::optional<Urgency> parse_urgency(std::string_view s);
std::optional<Consent> parse_consent(std::string_view s);

struct People {
  std::uint32_t count = 0;
  std::uint32_t children = 0;
  std::uint32_t elderly = 0;
  std::uint32_t sick = 0;
  bool operator==(const People&) const = default;
};

struct Place {
  std::string code;    // gazetteer code (generalised)
  std::string detail;  // free text (restricted); may be empty
  bool operator==(const Place&) const = default;
};

struct Alert {
  AlertKind kind = AlertKind::new_case;
  std::optional<AlertId> case_ref;  // the new_case alert's id; required for follow-ups
  std::optional<CaseStatus> status;
  std::optional<People> people;
  std::optional<Place> arrest_place;
  std::optional<Place> held_place;
  std::optional<std::int64_t> arrested_at;
  std::optional<std::int64_t> expected_transfer;
  std::optional<Urgency> urgency;
  std::optional<Consent> consent;
  std::vector<std::string> names;
  std::string contact_details;
  std::string notes;

  bool operator==(const Alert&) const = default;
};

enum class Classification { public_, generalised, restricted };
std::string_view to_string(Classification c);

struct FieldSpec {
  std::string_view path;  // JSON path, e.g. "people.count"
  Classification classification;
  std::string_view meaning;
};
// The schema table, in canonical key order; docs/PROTOCOL.md lists the same.
std::span<const FieldSpec> alert_fields();

// Schema rules (required fields per kind, ranges, gazetteer codes, lengths).
// `now` bounds times that cannot lie in the future. Messages name the field,
// never its value.
Status validate_alert(const Alert& alert, std::int64_t now);

// Parses alert JSON in any formatting (a user's file); schema-checks it.
Result<Alert> parse_alert_json(std::string_view json, std::int64_t now);

// The canonical bytes the client signs. They hold names and notes: the
// caller wipes the string when done (wipe_string, protocol/wiping_json.h).
std::string canonical_alert(const Alert& alert);

// Parses bytes that must already be canonical (the daemon's side).
Result<Alert> parse_canonical_alert(ByteView bytes, std::int64_t now);

// Zeroes every free-text field in place (names, details, notes) before the
// memory is released: decrypted alerts should not linger in freed heap.
void wipe_alert(Alert& alert);

}  // namespace cw
