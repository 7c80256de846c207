// HTTP types shared by the listener, the API and the admin endpoints.
#pragma once

#include <ctime>

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

// What a scanner gets for any path or method the API does not serve: the
// plain 404 of a generic web server (this is, byte for byte, what Go's
// net/http answers, and like it we send no Server header), so probing
// addresses does not single out a casewire daemon. docs/THREAT_MODEL.md says
// what a prober who knows the protocol can still tell.
Response generic_not_found(unsigned version = 11);

// The path of a request target, without its query.
std::string_view target_path(std::string_view target);

// IMF-fixdate (RFC 9110), always 29 characters: the Date header every
// answer carries, as common web servers do (a scanner sees nothing unusual)
// and so a client can tell that its clock is wrong (casewire doctor).
std::string http_date(std::time_t t);

// Adds an `X-Pad` header so the serialized response is exactly `total`
// bytes; leaves it as it is if it is already larger. Call after every other
// header (Connection, Content-Length) is final.
void pad_response(Response& res, std::size_t total);

// A response body produced piece by piece (the SSE feed). The session asks
// for the next piece only after the previous one was written, so a slow
// reader holds at most one piece in memory; a write that misses its deadline
// ends the stream (the subscriber resumes with Last-Event-ID).
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // Calls `deliver` exactly once, from any thread: bytes to send, or nullopt
  // to end the stream.
  virtual void next(std::function<void(std::optional<std::string>)> deliver) = 0;
  // The connection is going away (client gone, daemon draining).
  virtual void cancel() = 0;
};

// How a handler answers: one response, or a streamed one (head + source).
struct Reply {
  std::function<void(Response)> send;
  std::function<void(Response head, std::shared_ptr<StreamSource>)> stream;
};

// Answers requests for one listener. Both calls run on the connection's strand;
// exactly one of reply.send / reply.stream is called, later, from any thread.
class Handler {
 public:
  virtual ~Handler() = default;
  // Every answer to this request (whatever its status) is padded to this
  // many bytes, head and body together, so its size tells an observer
  // nothing; 0 = not padded.
  virtual std::size_t answer_size(const RequestHeader& /*head*/) const { return 0; }
  // Called once the head is read and before any body byte is: a returned
  // response is sent at once and the connection closed (e.g. 404, 413, 429).
  virtual std::optional<Response> precheck(const RequestHeader& head,
                                           const RequestContext& ctx) = 0;
  virtual void handle(Request&& req, const RequestContext& ctx, Reply reply) = 0;
};

}  // namespace cw::daemon
