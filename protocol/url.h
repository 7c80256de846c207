// The one URL parser of casewire, built on Boost.URL (RFC 3986).
//
// Daemon URLs in invites, webhook URLs, the client's proxy URL and the
// daemon's listen addresses all go through here, so "[::1]:8443", a port of
// 99999 or a user:password@ part mean the same thing everywhere. (There were
// four hand-written parsers that disagreed; see issue 9 §8.)
//
// Every parse refuses: a missing host, a port outside 1..65535 (0 allowed
// only where a caller asks for it: listen addresses), user information
// (credentials in a URL end up in logs and shell history), fragments, and
// anything Boost.URL does not accept as a URI. Errors name the rule, never
// echo the input.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/error.h"

namespace cw {

struct ParsedUrl {
  std::string scheme;       // lower case
  std::string host;         // IPv6 without brackets; names lower-cased
  bool host_is_ip = false;  // an IPv4 or IPv6 literal
  std::uint16_t port = 0;   // explicit, or the scheme's default
  std::string target;       // path and query; "/" when empty
};

// A daemon URL (invites, --server): https://HOST[:PORT][/] - nothing else.
Result<ParsedUrl> parse_daemon_url(std::string_view text);

// A webhook URL: https://HOST[:PORT][/PATH][?QUERY], or http:// to a loopback
// literal (test receivers, a local relay). Whether the host may be an
// internal address is decided separately (is_internal_address).
Result<ParsedUrl> parse_webhook_url(std::string_view text);

// The client's proxy: socks5h://IP-OR-localhost[:PORT] (default port 9050).
Result<ParsedUrl> parse_proxy_url_text(std::string_view text);

// A listen address: HOST:PORT with HOST an IP literal ("[::1]:8443"); port 0
// means any free port.
Result<ParsedUrl> parse_listen_address(std::string_view text);

// Addresses a webhook must not reach unless the operator opts in: loopback,
// private (RFC 1918), shared (100.64/10), link-local (including the cloud
// metadata address 169.254.169.254), unique-local IPv6 (including
// fd00:ec2::254), unspecified, multicast and broadcast - also when written as
// IPv4-mapped IPv6. A webhook to one of these could reach the daemon host's
// own services or its cloud provider's metadata (server-side request forgery
// by a hostile or careless subscription).
bool is_internal_address(const boost::asio::ip::address& a);

}  // namespace cw
