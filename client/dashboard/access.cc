#include "client/dashboard/access.h"

#include <sodium.h>

#include <algorithm>

namespace cw::client {
namespace {}  // namespace

DashboardAccess::DashboardAccess() : token_(64) {
  init_crypto();
  auto raw = SecretBytes::random(32);
  char hex[65];  // sodium_bin2hex writes a terminating NUL
  sodium_bin2hex(hex, sizeof hex, raw.data(), raw.size());
  std::copy(hex, hex + 64, token_.data());
  sodium_memzero(hex, sizeof hex);
}

void DashboardAccess::set_origins(std::vector<std::string> origins) {
  origins_ = std::move(origins);
}

std::string DashboardAccess::token() const {
  return std::string(reinterpret_cast<const char*>(token_.data()), token_.size());
}

bool DashboardAccess::is_page_asset(std::string_view path) {
  return path == "/" || path == "/index.html" || path == "/app.js" || path == "/app.css";
}

bool DashboardAccess::token_matches(std::string_view candidate) const {
  // Constant time: the comparison must not tell a local attacker how many
  // leading characters of a guess were right.
  return candidate.size() == token_.size() &&
         sodium_memcmp(candidate.data(), token_.data(), token_.size()) == 0;
}

DashboardAccess::Verdict DashboardAccess::check(std::string_view method, std::string_view target,
                                                std::string_view host, std::string_view origin,
                                                std::string_view authorization) const {
  // Host first: a rebinding page reaches us under its own name, and must not
  // even learn whether its guess of a token was right.
  const bool our_host = std::any_of(origins_.begin(), origins_.end(), [&](const std::string& o) {
    const auto at = o.find("://");
    return at != std::string::npos && std::string_view(o).substr(at + 3) == host;
  });
  if (!our_host) return Verdict::refuse_host;
  const bool our_origin = std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
  if (!origin.empty() && !our_origin) return Verdict::refuse_origin;
  // Anything that changes state must say it comes from our page (browsers
  // always send Origin on a POST).
  if (method != "GET" && method != "HEAD" && !our_origin) return Verdict::refuse_origin;
  const std::string_view path = target.substr(0, target.find('?'));
  // No token is ever taken from a URL; the page's own files carry no data.
  if (target.find('?') == std::string_view::npos && is_page_asset(path) && method == "GET")
    return Verdict::allow;
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.substr(0, kBearer.size()) != kBearer ||
      !token_matches(authorization.substr(kBearer.size())))
    return Verdict::refuse_token;
  return Verdict::allow;
}

}  // namespace cw::client
