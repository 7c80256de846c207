#include "client/dashboard/access.h"

#include <sodium.h>

#include <algorithm>

namespace cw::client {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The value of `name` in a Cookie header ("a=1; b=2"), or empty.
std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    const std::string_view pair = trim(header.substr(0, semi));
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

}  // namespace

DashboardAccess::DashboardAccess() : token_(64) {
  init_crypto();
  auto raw = SecretBytes::random(32);
  char hex[65];  // sodium_bin2hex writes a terminating NUL
  sodium_bin2hex(hex, sizeof hex, raw.data(), raw.size());
  std::copy(hex, hex + 64, token_.data());
  sodium_memzero(hex, sizeof hex);
}

void DashboardAccess::set_origins(std::vector<std::string> origins, std::uint16_t port) {
  origins_ = std::move(origins);
  cookie_name_ = "casewire_dashboard_" + std::to_string(port);
}

std::string DashboardAccess::token() const {
  return std::string(reinterpret_cast<const char*>(token_.data()), token_.size());
}

bool DashboardAccess::secure_cookie() const {
  return !origins_.empty() && origins_.front().rfind("https://", 0) == 0;
}

std::string DashboardAccess::cookie() const {
  return cookie_name_ + "=" + token() + "; Path=/; HttpOnly; SameSite=Strict" +
         (secure_cookie() ? "; Secure" : "");
}

bool DashboardAccess::token_matches(std::string_view candidate) const {
  // Constant time: the comparison must not tell a local attacker how many
  // leading characters of a guess were right.
  return candidate.size() == token_.size() &&
         sodium_memcmp(candidate.data(), token_.data(), token_.size()) == 0;
}

DashboardAccess::Verdict DashboardAccess::check(std::string_view method, std::string_view target,
                                                std::string_view host, std::string_view origin,
                                                std::string_view cookie_header) const {
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
  constexpr std::string_view kGrant = "/?token=";
  if (method == "GET" && target.substr(0, kGrant.size()) == kGrant)
    return token_matches(target.substr(kGrant.size())) ? Verdict::grant : Verdict::refuse_token;
  if (!token_matches(cookie_value(cookie_header, cookie_name_))) return Verdict::refuse_token;
  return Verdict::allow;
}

}  // namespace cw::client
