// Webhook URLs: https to anywhere, plain http only to loopback (test
// receivers, a local relay). Checked by casewire-keys when an organisation is
// added and by the daemon before every delivery.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/error.h"

namespace cw {

struct WebhookTarget {
  std::string scheme;  // http or https
  std::string host;
  std::uint16_t port = 0;
  std::string target;  // path and query
};

Result<WebhookTarget> parse_webhook_url(const std::string& url);

}  // namespace cw
