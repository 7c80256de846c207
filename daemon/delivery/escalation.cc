#include "daemon/delivery/escalation.h"

#include "daemon/routing/routing.h"

namespace cw::daemon {

void escalate_due_cases(Store& store, const TrustView& trust, const Keyring& keys, std::int64_t now,
                        Callback<std::uint32_t> done) {
  auto route = route_escalation(trust, [&keys](const KeyId& id) { return keys.org_tag(id); });
  store.escalate_due(unix_seconds(now), std::move(route.to), std::move(route.cleared),
                     std::move(done));
}

}  // namespace cw::daemon
