// Fuzz target: the one URL parser (daemon URLs, webhook URLs, proxy URLs,
// listen addresses) and the internal-address check behind webhooks.
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)cw::parse_daemon_url(text);
  (void)cw::parse_proxy_url_text(text);
  (void)cw::parse_listen_address(text);
  if (auto u = cw::parse_webhook_url(text)) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(u->host, ec);
    if (!ec) (void)cw::is_internal_address(a);
  }
  return 0;
}
