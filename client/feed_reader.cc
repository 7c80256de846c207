#include "client/feed_reader.h"

#include <boost/json.hpp>

#include "client/sse.h"
#include "client/verify_log.h"
#include "protocol/sealed_notification.h"
#include "protocol/signed_payload.h"

namespace cw::client {

Result<Notification> open_notification(std::string_view json, const Invite& invite,
                                       const Identity& org) {
  std::string opened;
  if (is_sealed_notification(json)) {
    auto inner = open_sealed_notification(json, org);
    if (!inner) return inner.error();
    opened = std::move(*inner);
    json = opened;
  }
  auto body = open_payload(json, kNotificationDomain, invite.daemon_sign);
  if (!body) return body.error();
  return decode_notification(*body);
}

Result<FeedPage> pull_page(const ClientContext& ctx, const Identity& id, std::uint64_t cursor) {
  auto res = request_any(
      ctx,
      signed_http_request(ctx, id, "GET", "/v1/notifications?after=" + std::to_string(cursor), ""));
  if (!res) return res.error();
  FeedPage page;
  page.status = res->status;
  if (res->status != 200) {
    page.body = res->body;
    return page;
  }
  std::error_code ec;
  auto v = boost::json::parse(res->body, ec);
  const auto* list = !ec && v.is_object() ? v.as_object().if_contains("notifications") : nullptr;
  if (!list || !list->is_array()) return make_error(Errc::bad_response, "unexpected answer");
  for (const auto& item : list->as_array()) page.items.push_back(boost::json::serialize(item));
  if (const auto* head = v.as_object().if_contains("tree_head"))
    remember_head(ctx.home, ctx.invite, id, boost::json::serialize(*head));
  return page;
}

Result<unsigned> stream_once(const ClientContext& ctx, const Identity& id, std::uint64_t cursor,
                             const std::function<bool(const std::string&)>& on_event) {
  HttpRequest req = signed_http_request(ctx, id, "GET", "/v1/feed", "");
  req.headers.emplace_back("Accept", "text/event-stream");
  if (cursor) req.headers.emplace_back("Last-Event-ID", std::to_string(cursor));
  SseParser parser([&](const SseEvent& e) {
    if (e.event == "tree-head") remember_head(ctx.home, ctx.invite, id, e.data);
    return e.event != "notification" || on_event(e.data);
  });
  Result<unsigned> st = make_error(Errc::unreachable, "no daemon URL");
  try_each_url(ctx.invite.urls, [&](const std::string& url) {
    st = https_stream(url, req, ctx.transport,
                      [&](std::string_view bytes) { return parser.feed(bytes); });
    return st.ok() || st.code() == Errc::pin_mismatch;
  });
  return st;
}

}  // namespace cw::client
