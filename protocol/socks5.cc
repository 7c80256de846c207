#include "protocol/socks5.h"

#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <vector>

#include "protocol/bytes.h"

namespace cw {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {

Error transport_error(Errc code, const std::string& what, const beast::error_code& ec) {
  return make_error(code, what + (ec ? ": " + ec.message() : std::string()));
}

}  // namespace

net::awaitable<Status> socks5_connect(beast::tcp_stream& s, const std::string& host,
                                      std::uint16_t port) {
  beast::error_code ec;
  auto tok = net::redirect_error(net::use_awaitable, ec);
  if (host.size() > 255) co_return make_error(Errc::proxy_error, "host name too long for SOCKS5");
  std::uint8_t hello[3] = {5, 1, 0};
  co_await net::async_write(s, net::buffer(hello), tok);
  if (ec) co_return transport_error(Errc::proxy_error, "SOCKS5 greeting", ec);
  std::uint8_t choice[2];
  co_await net::async_read(s, net::buffer(choice), tok);
  if (ec) co_return transport_error(Errc::proxy_error, "SOCKS5 greeting reply", ec);
  if (choice[0] != 5 || choice[1] != 0)
    co_return make_error(Errc::proxy_error, "SOCKS5 proxy refused no-authentication");
  ByteWriter w;
  w.u8(5).u8(1).u8(0).u8(3).u8(static_cast<std::uint8_t>(host.size())).raw(host).u16(port);
  Bytes req = w.take();
  co_await net::async_write(s, net::buffer(req), tok);
  if (ec) co_return transport_error(Errc::proxy_error, "SOCKS5 connect request", ec);
  std::uint8_t head[4];
  co_await net::async_read(s, net::buffer(head), tok);
  if (ec) co_return transport_error(Errc::proxy_error, "SOCKS5 connect reply", ec);
  if (head[0] != 5) co_return make_error(Errc::proxy_error, "not a SOCKS5 proxy");
  if (head[1] != 0)
    co_return make_error(Errc::unreachable, "the proxy could not reach " + host +
                                                " (SOCKS5 reply " + std::to_string(head[1]) + ")");
  std::size_t rest = 0;
  if (head[3] == 1)
    rest = 4 + 2;
  else if (head[3] == 4)
    rest = 16 + 2;
  else if (head[3] == 3) {
    std::uint8_t len = 0;
    co_await net::async_read(s, net::buffer(&len, 1), tok);
    if (ec) co_return transport_error(Errc::proxy_error, "SOCKS5 reply", ec);
    rest = std::size_t{len} + 2;
  } else {
    co_return make_error(Errc::proxy_error, "SOCKS5 reply has an unknown address type");
  }
  std::vector<std::uint8_t> skip(rest);
  co_await net::async_read(s, net::buffer(skip), tok);
  if (ec) co_return transport_error(Errc::proxy_error, "SOCKS5 reply", ec);
  co_return Status::Ok();
}

}  // namespace cw
