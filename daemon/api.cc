#include "daemon/api.h"

#include <cmath>

namespace cw::daemon {
namespace {

std::string_view path_of(const RequestHeader& head) {
  auto t = head.target();
  auto q = t.find('?');
  return q == std::string_view::npos ? t : t.substr(0, q);
}

}  // namespace

ApiHandler::ApiHandler(const Limits& limits, Metrics& metrics, Ingest& ingest,
                       boost::asio::any_io_executor ex)
    : limits_(limits), metrics_(metrics), ingest_(ingest), ex_(std::move(ex)) {}

std::optional<Response> ApiHandler::precheck(const RequestHeader& head, const RequestContext& ctx) {
  const unsigned v = head.version();
  // Pre-authentication flood control by client address, before any body is
  // read or any cryptography is done.
  if (limits_.per_ip_per_minute > 0) {
    double retry = 0;
    if (!ip_buckets_.take(ctx.remote, limits_.per_ip_per_minute, std::chrono::minutes(1), &retry)) {
      metrics_.reject(Errc::rate_limited);
      return error_response(Errc::rate_limited, "too many requests from this address", v,
                            static_cast<std::uint32_t>(std::ceil(retry)));
    }
  }
  const auto path = path_of(head);
  if (path == "/v1/alerts") {
    if (head.method() != http::verb::post)
      return error_response(Errc::method_not_allowed, "use POST for /v1/alerts", v);
    auto cl = head[http::field::content_length];
    if (!cl.empty()) {
      std::uint64_t n = 0;
      for (char c : cl) {
        if (c < '0' || c > '9' || n > (1ull << 40)) return error_response(Errc::bad_request, "invalid Content-Length", v);
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (n > limits_.max_body_bytes) {
        metrics_.reject(Errc::body_too_large);
        return error_response(Errc::body_too_large, "an envelope is 8253 bytes", v);
      }
    }
    return std::nullopt;
  }
  return error_response(Errc::not_found, "no such endpoint", v);
}

void ApiHandler::handle(Request&& req, const RequestContext&, std::function<void(Response)> respond) {
  // precheck admitted only POST /v1/alerts.
  const unsigned v = req.version();
  ingest_.submit(std::move(req.body()), ex_, [respond = std::move(respond), v](Response res) {
    res.version(v);
    respond(std::move(res));
  });
}

std::optional<Response> AdminHandler::precheck(const RequestHeader& head, const RequestContext&) {
  const auto path = path_of(head);
  if (path != "/healthz" && path != "/metrics") return error_response(Errc::not_found, "no such endpoint", head.version());
  if (head.method() != http::verb::get) return error_response(Errc::method_not_allowed, "use GET", head.version());
  return std::nullopt;
}

void AdminHandler::handle(Request&& req, const RequestContext&, std::function<void(Response)> respond) {
  if (path_of(req) == "/healthz") return respond(json_response(http::status::ok, R"({"status":"ok"})", req.version()));
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  res.body() = metrics_.render();
  res.prepare_payload();
  respond(std::move(res));
}

}  // namespace cw::daemon
