// OASIS CAP 1.2 rendering of a notification, for organisations whose alerting
// tools ingest CAP (subscription format "cap"). Built only from the
// anonymised notification, so it carries nothing a JSON notification does not.
// Validated against ../shared/standards/CAP-v1.2.xsd in the tests.
#pragma once

#include <string>

#include "protocol/notification.h"

namespace cw::daemon {

// Padded (with a trailing XML comment) to exactly kCapBodySize bytes.
inline constexpr std::size_t kCapBodySize = 3072;

std::string to_cap_xml(const Notification& n, const std::string& daemon_key_id);

}  // namespace cw::daemon
