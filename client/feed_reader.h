// Reading an organisation's notifications from the daemon, for the feed
// command and the dashboard alike. Nothing reaches a caller before its
// daemon signature verified (protocol/signed_payload.h): a relay or a
// hostile network can drop notifications, never forge or alter one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/context.h"
#include "protocol/notification.h"

namespace cw::client {

// The notification inside `json`, if the daemon's key signed it. A sealed
// notification (docs/PROTOCOL.md §4b) is opened with `org`'s box key first.
Result<Notification> open_notification(std::string_view json, const Invite& invite,
                                       const Identity& org);

// One page of GET /v1/notifications?after=CURSOR: the HTTP status and, on
// 200, the signed notifications in order (unverified: open each).
struct FeedPage {
  unsigned status = 0;
  std::string body;                // the answer, when status is not 200
  std::vector<std::string> items;  // signed notifications
};
Result<FeedPage> pull_page(const ClientContext& ctx, const Identity& id, std::uint64_t cursor);

// One streaming connection to /v1/feed from `cursor` (Last-Event-ID). Calls
// `on_event(signed_json)` per notification event until it returns false,
// or the stream ends. Returns the HTTP status, or the transport error.
Result<unsigned> stream_once(const ClientContext& ctx, const Identity& id, std::uint64_t cursor,
                             const std::function<bool(const std::string&)>& on_event);

}  // namespace cw::client
