// Who may use the dashboard's local web server. The server holds no key
// (the client process does) but it can show every case this organisation
// receives and acknowledge them in its name, so it must refuse:
//  - anyone without the random access token printed at start (another user
//    or program on the machine): the token is given once in the URL, then
//    lives in an HttpOnly, SameSite=Strict cookie;
//  - a page of another site the browser has open: DNS rebinding (a foreign
//    Host header for our address) and cross-site requests (a foreign Origin);
//    a request that changes anything must carry our Origin.
// The checks are in one place so they can be read, and tested, in one go.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/secret.h"

namespace cw::client {

class DashboardAccess {
 public:
  DashboardAccess();

  // The origins the page is served from, e.g. "http://127.0.0.1:8123" and
  // "http://localhost:8123" (the Host values allowed are these without the
  // scheme). Set once the port is known, before serving; none: all refused.
  // The cookie is named after the port: browsers keep cookies per host, not
  // per port, and two dashboards on one machine must not overwrite each
  // other's.
  void set_origins(std::vector<std::string> origins, std::uint16_t port);
  // Served through the organisation's TLS proxy (an https origin): the
  // cookie is marked Secure, so a browser never sends it over plain HTTP.
  bool secure_cookie() const;

  // The token, for the URL printed once at start.
  std::string token() const;

  enum class Verdict {
    allow,          // carry on
    grant,          // GET /?token=<right token>: set the cookie, redirect to /
    refuse_host,    // 403: Host is not ours (DNS rebinding)
    refuse_origin,  // 403: Origin is foreign, or missing on a change
    refuse_token,   // 403: no or wrong token
  };
  Verdict check(std::string_view method, std::string_view target, std::string_view host,
                std::string_view origin, std::string_view cookie_header) const;

  // The Set-Cookie header value that carries the token.
  std::string cookie() const;

 private:
  bool token_matches(std::string_view candidate) const;
  std::vector<std::string> origins_;
  std::string cookie_name_ = "casewire_dashboard";
  SecretBytes token_;  // 64 lowercase hex characters
};

}  // namespace cw::client
