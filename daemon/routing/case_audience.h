// Who hears of an event on a case that already exists: the rules that pick,
// from the organisations routing offers (routing.h, from the trust store at
// the time of the event), those that may hear of THIS case. Only
// organisations already on the case hear of its follow-ups and
// acknowledgements - an organisation that subscribes later does not learn of
// a case from its updates - and a private case reaches only organisations
// cleared for private cases. The ledger (daemon/ledger/) applies them inside
// the writing transaction, with the case's facts as they stand.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "daemon/store/store.h"

namespace cw::daemon {

// A follow-up: of `routed` (route_follow_up, by the merged facts), those on the case.
std::vector<Recipient> told_of_follow_up(std::vector<Recipient> routed,
                                         const std::set<std::string>& on_case);

// An acknowledgement: the organisations of `orgs` already on the case (and,
// for a private case, cleared) - the acting one among them, so an
// acknowledgement made from any of its clients reaches its own feed and
// dashboard too.
std::vector<Recipient> told_of_ack(const std::vector<Recipient>& orgs,
                                   const std::set<std::string>& on_case, bool private_case);

// An escalation: `to` (the escalation contacts), but a private case only the
// `cleared` among them.
std::vector<Recipient> told_of_escalation(const std::vector<Recipient>& to,
                                          const std::vector<std::string>& cleared,
                                          bool private_case);

}  // namespace cw::daemon
