// The client's only way onto the network: one HTTPS request to the daemon,
// TLS 1.3 with the invite's SPKI pin (no CA), optionally through a SOCKS5
// proxy that resolves names itself (Tor: socks5h://127.0.0.1:9050).
//
// What leaves the device: the TCP/TLS connection, a request with a fixed
// User-Agent, no cookies, no client certificate, and the body. No SNI is sent
// (the daemon has one certificate; SNI would only tell observers the name).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error.h"

namespace cw::client {

struct Url {
  std::string host;
  std::uint16_t port = 443;
};
// A daemon URL (protocol/url.h: parse_daemon_url).
Result<Url> parse_https_url(const std::string& url);

// True for a Tor onion service name: the host ends in ".onion" (a suffix,
// case-insensitive, a trailing root dot allowed - not a substring). Such a
// name is only ever handed to the SOCKS5 proxy; looking it up in DNS would
// tell a watching resolver that this device uses casewire.
bool is_onion_host(std::string_view host);

struct Proxy {
  std::string host;  // an IP address (or localhost): the proxy itself is never looked up in DNS
  std::uint16_t port = 9050;
};
// Accepts socks5h://HOST:PORT (socks5:// is refused: it would resolve locally).
Result<Proxy> parse_proxy_url(const std::string& url);

struct TransportOptions {
  std::string tls_pin;                  // "sha256/<base64>"
  std::vector<std::string> extra_pins;  // the next TLS key, announced by an invite update
  std::optional<Proxy> proxy;
  std::chrono::milliseconds connect_timeout{15000};
  std::chrono::milliseconds io_timeout{30000};
};

struct HttpRequest {
  std::string method = "POST";
  std::string target = "/";
  std::string body;
  std::string content_type = "application/octet-stream";
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResult {
  unsigned status = 0;
  std::string body;
  std::string retry_after;
  std::string invite_update;  // X-Casewire-Invite-Update: the daemon's newest invite update
  std::string date;           // the Date header (the daemon's clock), for casewire doctor
};

// Errors: unreachable (DNS, connect, timeout), proxy_error, tls_error,
// pin_mismatch, bad_response. An HTTP error status is not an error here.
Result<HttpResult> https_request(const std::string& url, const HttpRequest& req,
                                 const TransportOptions& options);

// Streams a response body to `on_data` as it arrives (the feed). Returns when
// the server ends the stream or on_data returns false.
Result<unsigned> https_stream(const std::string& url, const HttpRequest& req,
                              const TransportOptions& options,
                              const std::function<bool(std::string_view)>& on_data);

}  // namespace cw::client
