#include "daemon/routing/case_audience.h"

#include <algorithm>

namespace cw::daemon {

std::vector<Recipient> told_of_follow_up(std::vector<Recipient> routed,
                                         const std::set<std::string>& on_case) {
  std::erase_if(routed, [&](const Recipient& r) { return !on_case.count(r.org); });
  return routed;
}

std::vector<Recipient> told_of_ack(const std::vector<Recipient>& orgs,
                                   const std::set<std::string>& on_case, bool private_case) {
  std::vector<Recipient> to;
  for (const auto& o : orgs)
    if (on_case.count(o.org) && (!private_case || o.cleared_private)) to.push_back(o);
  return to;
}

std::vector<Recipient> told_of_escalation(const std::vector<Recipient>& to,
                                          const std::vector<std::string>& cleared,
                                          bool private_case) {
  std::vector<Recipient> out;
  for (const auto& r : to)
    if (!private_case || std::find(cleared.begin(), cleared.end(), r.org) != cleared.end())
      out.push_back(r);
  return out;
}

}  // namespace cw::daemon
