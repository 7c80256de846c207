#include "daemon/routing/routing.h"

#include <algorithm>

namespace cw::daemon {
namespace {

template <class T>
bool accepts(const std::vector<T>& filter, const T& v) {
  return filter.empty() || std::find(filter.begin(), filter.end(), v) != filter.end();
}

bool reachable(const OrgEntry& o) {
  return !o.revoked && (o.sub.feed || !o.sub.webhook_url.empty());
}

Recipient recipient(const OrgEntry& o, const OrgNamer& name) {
  return {name(o.key.id()), !o.sub.webhook_url.empty(), o.sub.cleared_private};
}

}  // namespace

std::vector<Recipient> route_new_case(const TrustView& trust, const OrgNamer& name,
                                      const CaseFacts& facts) {
  std::vector<Recipient> out;
  auto urgency = parse_urgency(facts.urgency);
  for (const auto& o : trust.store().orgs()) {
    if (!reachable(o)) continue;
    if (!accepts(o.sub.kinds, AlertKind::new_case)) continue;
    if (!accepts(o.sub.regions, facts.region)) continue;
    if (urgency && !accepts(o.sub.urgencies, *urgency)) continue;
    if (facts.consent == "private" && !o.sub.cleared_private) continue;
    out.push_back(recipient(o, name));
  }
  return out;
}

std::vector<Recipient> route_follow_up(const TrustView& trust, const OrgNamer& name, AlertKind kind,
                                       const CaseFacts& merged) {
  std::vector<Recipient> out;
  for (const auto& o : trust.store().orgs()) {
    if (!reachable(o) || !accepts(o.sub.kinds, kind)) continue;
    if (!accepts(o.sub.regions, merged.region)) continue;
    if (merged.consent == "private" && !o.sub.cleared_private) continue;
    out.push_back(recipient(o, name));
  }
  return out;
}

std::vector<Recipient> active_orgs(const TrustView& trust, const OrgNamer& name) {
  std::vector<Recipient> out;
  for (const auto& o : trust.store().orgs())
    if (reachable(o)) out.push_back(recipient(o, name));
  return out;
}

EscalationRoute route_escalation(const TrustView& trust, const OrgNamer& name) {
  EscalationRoute r;
  for (const auto& o : trust.store().orgs()) {
    if (!reachable(o)) continue;
    if (o.sub.escalation) r.to.push_back(recipient(o, name));
    if (o.sub.cleared_private) r.cleared.push_back(name(o.key.id()));
  }
  return r;
}

}  // namespace cw::daemon
