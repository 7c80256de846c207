// The public API's routes (docs/PROTOCOL.md §6), in the one table both the
// pre-check (before any body is read or any signature checked) and the
// handler use, so the two cannot disagree about what a path is, who must
// sign it or how large its body may be. Anything not in the table - an
// unknown path, a wrong method - and a signed route without a signature gets
// a generic web server's 404: an address scanner must not recognise the
// daemon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "daemon/api/request_auth.h"
#include "daemon/net/http.h"
#include "protocol/alert.h"

namespace cw::daemon {

enum class RouteId {
  alerts,          // POST /v1/alerts                   envelope -> receipt
  feed,            // GET  /v1/feed                     SSE feed
  pull,            // GET  /v1/notifications?after=N    pull, paged
  ack,             // POST /v1/notifications/{id}/ack
  answer,          // POST /v1/notifications/{id}/answer
  org_cases,       // GET  /v1/org/cases                the organisation's own part in its cases
  case_status,     // GET  /v1/cases/{case}/status      only the case's reporter
  gazetteer,       // GET  /v1/gazetteer
  invite_update,   // GET  /v1/invite-update            the newest link after a rotation
  invite_updates,  // GET  /v1/invite-updates           the whole chain
  tree_head,       // GET  /v1/log/tree-head
  log_proof,       // GET  /v1/log/proof
};

// The body limit of POST /v1/alerts: the configured [limits] max_body_bytes.
inline constexpr std::size_t kConfiguredBodyLimit = std::numeric_limits<std::size_t>::max();

struct Route {
  RouteId id;
  http::verb method;
  Signer signer;
  std::size_t body_limit;  // bytes, or kConfiguredBodyLimit
};

// The route `method` and `path` (without its query) name, or null.
const Route* find_route(http::verb method, std::string_view path);

// /v1/notifications/{id}/ack and /answer -> id; /v1/cases/{32 hex}/status
// -> the case reference. Callers use them only on a path find_route matched.
std::optional<std::uint64_t> notification_in_path(std::string_view path);
std::optional<AlertId> case_in_path(std::string_view path);

// A decimal number of at most 19 digits (ids, sizes, Content-Length).
std::optional<std::uint64_t> parse_u64(std::string_view s);

}  // namespace cw::daemon
