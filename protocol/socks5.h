// SOCKS5 CONNECT by host name (RFC 1928, no authentication, ATYP 3): the
// proxy resolves the name, so no DNS query for it leaves this machine. Used
// by the client (to reach the daemon through Tor) and by the daemon (to
// deliver webhooks through Tor, so receivers do not learn its address).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstdint>
#include <string>

#include "protocol/error.h"

namespace cw {

// On a stream already connected to the proxy. proxy_error for a proxy that
// misbehaves, unreachable when it says it cannot reach host:port.
boost::asio::awaitable<Status> socks5_connect(boost::beast::tcp_stream& proxy,
                                              const std::string& host, std::uint16_t port);

}  // namespace cw
