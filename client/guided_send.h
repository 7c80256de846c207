// The guided send: `casewire send` on a terminal with no alert options asks,
// in plain words, for what an alert needs - what happened, how many people,
// where (a place typed by name in Korean, Chinese or English, picked from
// the daemon's gazetteer), when, how urgent, what consent - then shows a
// summary and sends only on a clear yes.
//
// Nothing of the dialogue is written anywhere: the answers live in memory
// until the alert is sealed (and are wiped then). End of input or Ctrl-C
// sends nothing.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <vector>

#include "client/receipts.h"
#include "protocol/alert.h"
#include "protocol/error.h"
#include "protocol/gazetteer.h"

namespace cw::client {

struct GuidedInput {
  std::istream& in;
  std::ostream& out;
  const Gazetteer& places;
  // The contact's own cases (receipts of new_case alerts), newest last: an
  // update is chosen from this list, never typed as an id.
  std::vector<StoredReceipt> own_cases;
  std::int64_t now = 0;
};

// The alert the contact confirmed, or nullopt when they stopped (end of
// input, or "no" at the summary).
std::optional<Alert> ask_for_alert(GuidedInput& io);

}  // namespace cw::client
