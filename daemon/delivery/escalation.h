// Escalation: a new case that no organisation acknowledged within
// [delivery] escalate_after_s is announced to the organisations marked as
// escalation contacts - for a private case, only those cleared for it.
// The dispatcher asks for this on every poll; the store decides, inside one
// transaction, which cases are due and writes their events.
#pragma once

#include <cstdint>

#include "daemon/keyring.h"
#include "daemon/store/store.h"
#include "daemon/trust.h"

namespace cw::daemon {

// Escalates every case due at `now`; `done` gets how many, on the store's
// writer thread, after the events are durable.
void escalate_due_cases(Store& store, const TrustView& trust, const Keyring& keys, std::int64_t now,
                        Callback<std::uint32_t> done);

}  // namespace cw::daemon
