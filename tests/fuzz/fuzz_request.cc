// Fuzz target: an HTTP request as the daemon reads it - Beast's parser with
// the daemon's limits - then the signed-request header parser and the config
// loader's host:port parser.
#include <cstddef>
#include <cstdint>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "daemon/config.h"
#include "protocol/signed_request.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> p;
  p.header_limit(8192);
  p.body_limit(16384);
  p.eager(true);
  boost::beast::error_code ec;
  p.put(boost::asio::buffer(data, size), ec);
  if (p.is_header_done()) {
    const auto& req = p.get();
    (void)cw::parse_request_auth(req[http::field::authorization]);
    (void)cw::daemon::parse_host_port(std::string(req[http::field::host]));
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)cw::parse_request_auth(text);
  return 0;
}
