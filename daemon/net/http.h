// HTTP types shared by the listener, the API and the admin endpoints.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <optional>
#include <string>

#include "protocol/error.h"

namespace cw::daemon {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using RequestHeader = http::request_header<>;
using Response = http::response<http::string_body>;

struct RequestContext {
  boost::asio::ip::address remote;  // never logged
};

// The HTTP status each stable error code maps to (docs/PROTOCOL.md §API).
http::status status_for(Errc code);

// {"error": "<code>", "message": "<text>"} with the mapped status.
Response error_response(Errc code, std::string_view message, unsigned version = 11,
                        std::optional<std::uint32_t> retry_after = std::nullopt);
Response json_response(http::status status, std::string body, unsigned version = 11);

// Answers requests for one listener. Both calls run on the connection's strand;
// `respond` may be called later from any thread, exactly once.
class Handler {
 public:
  virtual ~Handler() = default;
  // Called once the head is read and before any body byte is: a returned
  // response is sent at once and the connection closed (e.g. 404, 413, 429).
  virtual std::optional<Response> precheck(const RequestHeader& head, const RequestContext& ctx) = 0;
  virtual void handle(Request&& req, const RequestContext& ctx,
                      std::function<void(Response)> respond) = 0;
};

}  // namespace cw::daemon
