// Who may use the dashboard's local web server. The server holds no key
// (the client process does) but it can show every case this organisation
// receives and acknowledge them in its name, so it must refuse:
//  - anyone without the random access token printed at start (another user
//    or program on the machine);
//  - a page of another site the browser has open: DNS rebinding (a foreign
//    Host header for our address) and cross-site requests (a foreign Origin);
//    a request that changes anything must carry our Origin.
//
// Where the token lives, and why (docs/THREAT_MODEL.md, "The dashboard"):
// it is printed in the URL's fragment (`/#token=...`), which a browser never
// sends to any server - nor to a TLS proxy in front of a remote dashboard -
// and the page keeps it in its own sessionStorage, which is per origin
// (scheme, host AND port). Every API request carries it as
// `Authorization: Bearer`. No cookie: a cookie for 127.0.0.1 is sent to every
// port of 127.0.0.1 (cookies are per host, and every loopback port is the
// same site), so any program of any user listening on a loopback port, plus
// one link the caseworker clicks, received the token. Nothing is accepted in
// a query string either (it reaches logs and proxies).
//
// The page itself (index.html, app.js, app.css) is served without the token:
// it is our code, holds no data, and asks for the token before anything else.
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
  void set_origins(std::vector<std::string> origins);

  // The token, for the URL printed once at start (in its fragment).
  std::string token() const;

  enum class Verdict {
    allow,          // carry on
    refuse_host,    // 403: Host is not ours (DNS rebinding)
    refuse_origin,  // 403: Origin is foreign, or missing on a change
    refuse_token,   // 403: an API request without the right bearer token
  };
  Verdict check(std::string_view method, std::string_view target, std::string_view host,
                std::string_view origin, std::string_view authorization) const;

  // The page's own files, served to anyone who passes the Host and Origin
  // checks: no data in them.
  static bool is_page_asset(std::string_view path);

 private:
  bool token_matches(std::string_view candidate) const;
  std::vector<std::string> origins_;
  SecretBytes token_;  // 64 lowercase hex characters
};

}  // namespace cw::client
