// Who hears about what: matching case events to organisations'
// subscriptions (regions, urgencies, kinds, clearance for private cases).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemon/anon/anonymiser.h"
#include "daemon/store/store.h"
#include "daemon/trust.h"

namespace cw::daemon {

// How the case tables name an organisation (Keyring::org_tag): routing
// produces recipients already named that way.
using OrgNamer = std::function<std::string(const KeyId&)>;

// A new case: every active organisation whose filters match and - when the
// family asked for privacy - that the operator cleared for private cases.
std::vector<Recipient> route_new_case(const TrustView& trust, const OrgNamer& name,
                                      const CaseFacts& facts);

// A follow-up, given the case's facts after it: every active organisation
// whose current subscription accepts this kind and the case's region, and,
// for a private case, that is cleared. (Urgency filters only new cases: an
// organisation following a case keeps hearing about it when its urgency
// changes.) The store keeps only those already on the case.
std::vector<Recipient> route_follow_up(const TrustView& trust, const OrgNamer& name, AlertKind kind,
                                       const CaseFacts& merged);

// Every active organisation (acknowledgement events go to those on the case).
std::vector<Recipient> active_orgs(const TrustView& trust, const OrgNamer& name);

struct EscalationRoute {
  std::vector<Recipient> to;         // organisations marked as escalation contacts
  std::vector<std::string> cleared;  // of all organisations (tags), those cleared for private cases
};
EscalationRoute route_escalation(const TrustView& trust, const OrgNamer& name);

}  // namespace cw::daemon
