// The anonymised facts of a case: the one definition of what an organisation
// may learn about a case, shared by the daemon (which derives them from an
// alert, daemon/anon/anonymiser.h, and keeps them per case) and by every
// reader of a notification (protocol/notification.h, the client's feed).
//
// Every value is a code, a count bucket or a time truncated to the hour, or ""
// when the alert did not say; never a name, free text or an exact place.
// docs/ANONYMISATION.md says what each field may contain and why.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "protocol/error.h"

namespace cw {

struct CaseFacts {
  std::string status;             // detained | transferred | released | returned | ""
  std::string people;             // count bucket: "1" | "2-4" | "5-9" | "10+" | ""
  std::string children;           // "0" | "1" | "2-4" | "5-9" | "10+" | ""
  std::string elderly;            // as children
  std::string sick;               // as children
  std::string region;             // ISO 3166-2 region of the arrest | ""
  std::string held_at;            // facility code, or region, where held | ""
  std::string arrested_at;        // RFC 3339, truncated to the hour | ""
  std::string expected_transfer;  // RFC 3339, truncated to the hour | ""
  std::string urgency;            // immediate | high | normal | ""
  std::string consent;            // private | advocacy | ""

  // A follow-up changes only what it says; the rest stays as the case knew it.
  void merge_from(const CaseFacts& update);

  // The stored form (the daemon keeps it in the clear: it is what every
  // subscribed organisation receives anyway).
  std::string to_json() const;
  // Refuses (store_unavailable) text that is not what to_json wrote: damaged
  // facts must not silently become an empty case.
  static Result<CaseFacts> from_json(std::string_view json);

  bool operator==(const CaseFacts&) const = default;
};

// The fields by wire name, in wire order. Everything that walks the facts
// (merge, storage, the notification codec, the client's JSON output) walks
// this table, so a new fact is added in exactly one place.
struct CaseFactField {
  std::string_view key;
  std::string CaseFacts::*member;
};
std::span<const CaseFactField> case_fact_fields();

}  // namespace cw
