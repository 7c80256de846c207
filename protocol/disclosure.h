// A disclosure: one case's sealed details (names, contact details, notes,
// place details), given by the operator to one cleared organisation on the
// case (casewired disclose), readable only with that organisation's key
// (casewire open-disclosure).
//
//   # comment lines
//   cwdisclosure1 <organisation box key id, 16 hex> <base64 of crypto_box_seal(S)>
//   S = the signed payload (protocol/signed_payload.h) under the domain
//       "casewire-disclosure-v1": {"payload":"<P>","signature":...,"key_id":...}
//   P = {"v":1,"case":"<pseudonym>","org":"<organisation signing key id>",
//        "issued_at":<unix>,"records":[{"kind":...,"sent_at":<unix>,
//        "names":[...],"contact_details":...,"notes":...,
//        "arrest_place_detail":...,"held_place_detail":...}, ...]}
//
// Sealed, so a relay, a mailbox or a seized laptop in between reads nothing;
// signed by the daemon, so the organisation knows the operator's daemon
// wrote it; naming the organisation inside, so a file meant for one cannot
// be passed off as meant for another.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.h"
#include "protocol/key_file.h"
#include "protocol/keys.h"

namespace cw {

inline constexpr std::string_view kDisclosureDomain = "casewire-disclosure-v1";

// Plain strings hold the details while they are shown; the destructors wipe them.
struct DisclosedRecord {
  std::string kind;  // new_case, update, resolved, retraction
  std::int64_t sent_at = 0;
  std::vector<std::string> names;
  std::string contact_details;
  std::string notes;
  std::string arrest_place_detail;
  std::string held_place_detail;
  DisclosedRecord() = default;
  DisclosedRecord(DisclosedRecord&&) = default;
  DisclosedRecord& operator=(DisclosedRecord&&) = default;
  ~DisclosedRecord();
};

struct Disclosure {
  std::string case_id;  // the case pseudonym organisations know it by
  KeyId org{};
  std::int64_t issued_at = 0;
  std::vector<DisclosedRecord> records;
};

// Prints the record's details, one labelled line each (names, contact
// details, places, notes), for the operator's and the organisation's tools.
void print_disclosed_record(const DisclosedRecord& r, std::ostream& out);

std::string seal_disclosure(const Disclosure& d, const SigningKey& daemon,
                            const PublicKey& org_box);

// bad_key_file: not a disclosure, damaged, sealed to another key, or naming
// another organisation; bad_signature: not signed by `daemon`.
Result<Disclosure> open_disclosure(std::string_view text, const Identity& org,
                                   const PublicKey& daemon);

}  // namespace cw
