// Shared test data: a realistic alert with canary values in every restricted
// field, so any test can grep for them in what must not contain them.
#pragma once

#include <string>

#include "protocol/alert.h"
#include "protocol/timefmt.h"

namespace cw::test {

// Canary strings: none may ever appear outside the encrypted store.
inline constexpr const char* kCanaryName = "CANARY-NAME-Kim-Xq7";
inline constexpr const char* kCanaryName2 = "CANARY-NAME-Lee-Zr4";
inline constexpr const char* kCanaryPhone = "CANARY-PHONE-+86-139-0000-7731";
inline constexpr const char* kCanaryNotes = "CANARY-NOTES-safehouse-behind-market";
inline constexpr const char* kCanaryDetail = "CANARY-DETAIL-bus-station-gate-3";
inline constexpr const char* kCanaryHeld = "CANARY-HELD-cell-block-B";

inline Alert sample_alert(std::int64_t now = unix_now()) {
  Alert a;
  a.kind = AlertKind::new_case;
  a.people = People{4, 2, 1, 0};
  a.arrest_place = Place{"CN-JL", kCanaryDetail};
  a.held_place = Place{"CN-JL-F01", kCanaryHeld};
  a.arrested_at = now - 3 * 3600 - 17 * 60;
  a.expected_transfer = now + 2 * 86400 + 5 * 60;
  a.urgency = Urgency::immediate;
  a.consent = Consent::advocacy;
  a.names = {kCanaryName, kCanaryName2};
  a.contact_details = kCanaryPhone;
  a.notes = kCanaryNotes;
  return a;
}

inline const char* const kAllCanaries[] = {kCanaryName,  kCanaryName2,  kCanaryPhone,
                                           kCanaryNotes, kCanaryDetail, kCanaryHeld};

}  // namespace cw::test
