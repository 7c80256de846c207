#include "protocol/webhook_url.h"

#include <string_view>

namespace cw {

Result<WebhookTarget> parse_webhook_url(const std::string& url) {
  WebhookTarget t;
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    t.scheme = "https";
    t.port = 443;
    rest = std::string_view(url).substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    t.scheme = "http";
    t.port = 80;
    rest = std::string_view(url).substr(7);
  } else {
    return make_error(Errc::bad_config, "webhook URL must be https://");
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  t.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    auto p = authority.substr(colon + 1);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos)
      return make_error(Errc::bad_config, "webhook URL port must be a number");
    t.port = static_cast<std::uint16_t>(std::stoul(std::string(p)));
    authority = authority.substr(0, colon);
  }
  t.host = std::string(authority);
  if (t.host.empty()) return make_error(Errc::bad_config, "webhook URL has no host");
  // Plain HTTP would expose notifications and the HMAC to the network: only
  // to this machine (test receivers, a local relay).
  if (t.scheme == "http" && t.host != "127.0.0.1" && t.host != "localhost" && t.host != "[::1]")
    return make_error(Errc::bad_config, "plain http webhooks are allowed only to loopback");
  return t;
}

}  // namespace cw
