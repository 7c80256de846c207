#include "daemon/api/routes.h"

#include <array>

namespace cw::daemon {
namespace {

constexpr std::size_t kMaxSmallBody = 1024;  // every request but an envelope is tiny

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// /v1/notifications/{id}SUFFIX -> id
std::optional<std::uint64_t> notification_id(std::string_view path, std::string_view suffix) {
  constexpr std::string_view kPrefix = "/v1/notifications/";
  if (path.size() <= kPrefix.size() + suffix.size() || path.substr(0, kPrefix.size()) != kPrefix ||
      !ends_with(path, suffix))
    return std::nullopt;
  return parse_u64(path.substr(kPrefix.size(), path.size() - kPrefix.size() - suffix.size()));
}

struct Entry {
  Route route;
  bool (*matches)(std::string_view path);
};

template <const std::string_view& Path>
bool exactly(std::string_view path) {
  return path == Path;
}

constexpr std::string_view kAlerts = "/v1/alerts", kFeed = "/v1/feed", kPull = "/v1/notifications",
                           kOrgCases = "/v1/org/cases", kGazetteer = "/v1/gazetteer",
                           kInviteUpdate = "/v1/invite-update",
                           kInviteUpdates = "/v1/invite-updates", kTreeHead = "/v1/log/tree-head",
                           kProof = "/v1/log/proof";

const std::array<Entry, 12> kRoutes = {{
    {{RouteId::alerts, http::verb::post, Signer::none, kConfiguredBodyLimit}, exactly<kAlerts>},
    {{RouteId::feed, http::verb::get, Signer::org, 0}, exactly<kFeed>},
    {{RouteId::pull, http::verb::get, Signer::org, 0}, exactly<kPull>},
    {{RouteId::ack, http::verb::post, Signer::org, kMaxSmallBody},
     [](std::string_view p) { return notification_id(p, "/ack").has_value(); }},
    {{RouteId::answer, http::verb::post, Signer::org, kMaxSmallBody},
     [](std::string_view p) { return notification_id(p, "/answer").has_value(); }},
    {{RouteId::org_cases, http::verb::get, Signer::org, 0}, exactly<kOrgCases>},
    {{RouteId::case_status, http::verb::get, Signer::contact, 0},
     [](std::string_view p) { return case_in_path(p).has_value(); }},
    // Any enrolled contact or organisation may fetch the signed gazetteer,
    // the invite updates and the case log (hashes only).
    {{RouteId::gazetteer, http::verb::get, Signer::any_enrolled, 0}, exactly<kGazetteer>},
    {{RouteId::invite_update, http::verb::get, Signer::any_enrolled, 0}, exactly<kInviteUpdate>},
    {{RouteId::invite_updates, http::verb::get, Signer::any_enrolled, 0}, exactly<kInviteUpdates>},
    {{RouteId::tree_head, http::verb::get, Signer::any_enrolled, 0}, exactly<kTreeHead>},
    {{RouteId::log_proof, http::verb::get, Signer::any_enrolled, 0}, exactly<kProof>},
}};

}  // namespace

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::stoull(std::string(s));
}

const Route* find_route(http::verb method, std::string_view path) {
  for (const auto& e : kRoutes)
    if (e.route.method == method && e.matches(path)) return &e.route;
  return nullptr;
}

std::optional<std::uint64_t> notification_in_path(std::string_view path) {
  if (auto id = notification_id(path, "/ack")) return id;
  return notification_id(path, "/answer");
}

std::optional<AlertId> case_in_path(std::string_view path) {
  constexpr std::string_view kPrefix = "/v1/cases/", kSuffix = "/status";
  if (path.size() != kPrefix.size() + 32 + kSuffix.size() ||
      path.substr(0, kPrefix.size()) != kPrefix || path.substr(kPrefix.size() + 32) != kSuffix)
    return std::nullopt;
  return parse_alert_id(path.substr(kPrefix.size(), 32));
}

}  // namespace cw::daemon
